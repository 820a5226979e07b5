package io.tributary.client.config;

import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;
import io.tributary.client.internal.SaslCredentials;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SASL client keys: Kafka's {@code sasl.mechanism} and {@code sasl.jaas.config} (parsed as Kafka writes it) and
 * Tributary's {@code sasl.username} / {@code sasl.password}; settings that cannot work (GSSAPI, PLAIN without TLS, no
 * credentials, a login module for another mechanism) fail when the config is made, and no message or toString holds
 * the password.
 */
class SaslConfigTest {
    private static final String SECRET = "pa\"ss wo\\rd-never-shown";
    private static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";

    private static Map<String, Object> sasl(String protocol, String mechanism) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9094");
        props.put("security.protocol", protocol);
        if (mechanism != null) {
            props.put("sasl.mechanism", mechanism);
        }
        return props;
    }

    private static String jaas(String module, String user, String password) {
        return module + " required username=\"" + escape(user) + "\" password=\"" + escape(password) + "\";";
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Test
    void kafkasJaasConfigGivesTheUserAndPasswordWithEscapesUndone() {
        Map<String, Object> props = sasl("SASL_SSL", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", jaas(SCRAM_MODULE, "alice", SECRET));
        SaslCredentials c = new AdminConfig(props).sasl();
        assertEquals(new SaslCredentials("SCRAM-SHA-512", "alice", SECRET), c);
        assertFalse(c.toString().contains(SECRET), c.toString());

        Map<String, Object> plain = sasl("sasl_ssl", "plain");
        plain.put("sasl.jaas.config", "  " + PLAIN_MODULE + "   required\n  username=bob\tpassword=\"b\";  ");
        assertEquals(new SaslCredentials("PLAIN", "bob", "b"), new ProducerConfig(withSerializers(plain)).sasl());
    }

    @Test
    void saslUsernameAndPasswordAreTheShortFormAndTheJaasConfigWinsOverThem() {
        Map<String, Object> props = sasl("SASL_PLAINTEXT", "SCRAM-SHA-256");
        props.put("sasl.username", "carol");
        props.put("sasl.password", SECRET);
        assertEquals(new SaslCredentials("SCRAM-SHA-256", "carol", SECRET), new ConsumerConfig(withDeserializers(props)).sasl());
        props.put("sasl.jaas.config", jaas(SCRAM_MODULE, "dave", "d"));
        assertEquals(new SaslCredentials("SCRAM-SHA-256", "dave", "d"), new ConsumerConfig(withDeserializers(props)).sasl());
    }

    @Test
    void kafkasDefaultGssapiAndUnknownMechanismsAreRefusedNamingTheServedOnes() {
        Map<String, Object> noMechanism = sasl("SASL_SSL", null);
        noMechanism.put("sasl.username", "alice");
        noMechanism.put("sasl.password", SECRET);
        ConfigException gssapi = assertThrows(ConfigException.class, () -> new AdminConfig(noMechanism));
        assertTrue(gssapi.getMessage().startsWith("sasl.mechanism=GSSAPI (Kafka's default, Kerberos) is not served")
                && gssapi.getMessage().contains("SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN"), gssapi.getMessage());
        Map<String, Object> oauth = new HashMap<>(noMechanism);
        oauth.put("sasl.mechanism", "OAUTHBEARER");
        ConfigException unknown = assertThrows(ConfigException.class, () -> new AdminConfig(oauth));
        assertTrue(unknown.getMessage().startsWith("sasl.mechanism=OAUTHBEARER is not served"), unknown.getMessage());
        assertFalse(unknown.getMessage().contains(SECRET));
    }

    @Test
    void plainOverSaslPlaintextIsRefusedBecauseItSendsThePassword() {
        Map<String, Object> props = sasl("SASL_PLAINTEXT", "PLAIN");
        props.put("sasl.jaas.config", jaas(PLAIN_MODULE, "alice", SECRET));
        ConfigException e = assertThrows(ConfigException.class, () -> new AdminConfig(props));
        assertTrue(e.getMessage().contains("PLAIN sends the password itself: use security.protocol=SASL_SSL"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET));
    }

    @Test
    void saslWithoutAUserOrAPasswordIsRefusedNamingBothForms() {
        Map<String, Object> none = sasl("SASL_SSL", "SCRAM-SHA-512");
        ConfigException e = assertThrows(ConfigException.class, () -> new AdminConfig(none));
        assertTrue(e.getMessage().contains("needs a user name and a password") && e.getMessage().contains("sasl.jaas.config")
                && e.getMessage().contains("sasl.username"), e.getMessage());
        Map<String, Object> noPassword = sasl("SASL_SSL", "SCRAM-SHA-512");
        noPassword.put("sasl.jaas.config", SCRAM_MODULE + " required username=\"alice\";");
        assertThrows(ConfigException.class, () -> new AdminConfig(noPassword));
        Map<String, Object> onlyUser = sasl("SASL_SSL", "SCRAM-SHA-512");
        onlyUser.put("sasl.username", "alice");
        assertThrows(ConfigException.class, () -> new AdminConfig(onlyUser));
    }

    @Test
    void aLoginModuleOfAnotherMechanismIsRefusedNamingTheRightOne() {
        Map<String, Object> props = sasl("SASL_SSL", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", jaas(PLAIN_MODULE, "alice", SECRET));
        ConfigException e = assertThrows(ConfigException.class, () -> new AdminConfig(props));
        assertTrue(e.getMessage().contains("names PlainLoginModule") && e.getMessage().contains(SCRAM_MODULE), e.getMessage());
        props.put("sasl.jaas.config", "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;");
        assertThrows(ConfigException.class, () -> new AdminConfig(props));
    }

    @Test
    void malformedJaasConfigsFailWithoutQuotingTheirValues() {
        for (String bad : List.of(SCRAM_MODULE + " required username=\"alice\" password=\"" + SECRET,
                SCRAM_MODULE + " username=\"alice\" password=\"x\";",
                SCRAM_MODULE + " required username=\"alice\" password=\"x\"",
                SCRAM_MODULE + " required username=\"alice\" password=\"x\"; " + SCRAM_MODULE + " required;",
                SCRAM_MODULE + " required username \"alice\";",
                SCRAM_MODULE + " required username=\"a\" username=\"b\" password=\"x\";",
                "")) {
            Map<String, Object> props = sasl("SASL_SSL", "SCRAM-SHA-512");
            props.put("sasl.jaas.config", bad);
            ConfigException e = assertThrows(ConfigException.class, () -> new AdminConfig(props), bad);
            assertTrue(e.getMessage().startsWith("sasl.jaas.config") || e.getMessage().contains("needs a user name"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET) || e.getMessage().contains("\"x\""), e.getMessage());
        }
    }

    @Test
    void saslKeysAreIgnoredWithoutASaslProtocolAndPasswordsArePasswordTyped() {
        Map<String, Object> props = sasl("SSL", "GSSAPI");
        assertNull(new AdminConfig(props).sasl());
        for (String key : List.of("sasl.jaas.config", "sasl.password")) {
            assertEquals(ConfigDef.Type.PASSWORD, AdminConfig.CONFIG.keys().stream()
                    .filter(k -> k.name().equals(key)).findFirst().orElseThrow().type(), key);
        }
    }

    private static Map<String, Object> withSerializers(Map<String, Object> props) {
        props.put("key.serializer", "io.tributary.client.serialization.StringSerializer");
        props.put("value.serializer", "io.tributary.client.serialization.StringSerializer");
        return props;
    }

    private static Map<String, Object> withDeserializers(Map<String, Object> props) {
        props.put("key.deserializer", "io.tributary.client.serialization.StringDeserializer");
        props.put("value.deserializer", "io.tributary.client.serialization.StringDeserializer");
        return props;
    }
}
