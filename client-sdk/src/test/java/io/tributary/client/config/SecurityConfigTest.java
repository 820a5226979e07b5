package io.tributary.client.config;

import io.tributary.api.config.ConfigException;
import io.tributary.api.security.SslConfig;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.producer.TributaryProducer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * security.protocol and the ssl.* keys: PLAINTEXT by default, the SASL protocols accepted (their keys: SaslConfigTest), and a TLS setting that
 * cannot work (a missing store, a wrong password, an unknown TLS version) fails when the client is made, naming the
 * key and never the password.
 */
class SecurityConfigTest {
    private static final String SECRET = "s3cret-never-shown";

    @TempDir
    static Path dir;
    private static TestCertificates ca;
    private static Path alice;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCertificates.newAuthority(dir, "config-ca");
        alice = ca.issue("alice", "CN=alice,OU=clients");
    }

    private static Map<String, Object> ssl() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9093");
        props.put("security.protocol", "SSL");
        props.put("ssl.truststore.location", ca.truststore().toString());
        props.put("ssl.truststore.password", TestCertificates.PASSWORD);
        props.put("ssl.keystore.location", alice.toString());
        props.put("ssl.keystore.password", TestCertificates.PASSWORD);
        return props;
    }

    @Test
    void plaintextIsTheDefaultAndHasNoSslConfig() {
        AdminConfig c = new AdminConfig(Map.of("bootstrap.servers", "h:1"));
        assertEquals(ClientConfig.SecurityProtocol.PLAINTEXT, c.securityProtocol());
        assertNull(c.sslConfig());
        assertNull(c.tls());
    }

    @Test
    void sslGivesTheClientSideConfigWithKafkasDefaults() {
        ProducerConfig c = new ProducerConfig(ssl());
        SslConfig s = c.sslConfig();
        assertEquals(SslConfig.ClientAuth.NONE, s.clientAuth());
        assertEquals("PKCS12", s.keystoreType());
        assertEquals(alice.toString(), s.keystoreLocation());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), s.enabledProtocols());
        assertEquals(List.of(), s.cipherSuites());
        assertTrue(c.tls().verifyHostname(), "ssl.endpoint.identification.algorithm=https by default");
        Map<String, Object> noHostCheck = ssl();
        noHostCheck.put("ssl.endpoint.identification.algorithm", "");
        noHostCheck.put("security.protocol", "ssl");
        assertFalse(new ConsumerConfig(noHostCheck).tls().verifyHostname());
        assertFalse(c.tls().toString().contains(TestCertificates.PASSWORD), c.tls().toString());
    }

    @Test
    void saslProtocolsAreAcceptedAndATypoNamesEveryProtocol() {
        for (String protocol : List.of("SASL_SSL", "SASL_PLAINTEXT")) {
            AdminConfig c = new AdminConfig(Map.of("bootstrap.servers", "h:1", "security.protocol", protocol,
                    "sasl.mechanism", "SCRAM-SHA-512", "sasl.username", "alice", "sasl.password", SECRET));
            assertEquals(ClientConfig.SecurityProtocol.valueOf(protocol), c.securityProtocol());
            assertEquals(protocol.equals("SASL_SSL"), c.tls() != null, "SASL_SSL speaks TLS with the ssl.* keys");
        }
        ConfigException typo = assertThrows(ConfigException.class,
                () -> new AdminConfig(Map.of("bootstrap.servers", "h:1", "security.protocol", "TLS")));
        assertTrue(typo.getMessage().contains("'security.protocol'")
                && typo.getMessage().contains("PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"), typo.getMessage());
    }

    @Test
    void aMissingTruststoreFailsAtClientConstructionNamingTheKey() {
        Map<String, Object> props = ssl();
        props.put("ssl.truststore.location", dir.resolve("no-such-ca.p12").toString());
        props.put("key.serializer", "io.tributary.client.serialization.StringSerializer");
        props.put("value.serializer", "io.tributary.client.serialization.StringSerializer");
        ConfigException e = assertThrows(ConfigException.class, () -> new TributaryProducer<String, String>(props));
        assertTrue(e.getMessage().startsWith("ssl.truststore.location: ") && e.getMessage().contains("no-such-ca.p12")
                && e.getMessage().contains("does not exist"), e.getMessage());
        Map<String, Object> keystore = ssl();
        keystore.put("ssl.keystore.location", dir.resolve("no-such-key.p12").toString());
        ConfigException k = assertThrows(ConfigException.class, () -> new TributaryAdmin(keystore));
        assertTrue(k.getMessage().startsWith("ssl.keystore.location: "), k.getMessage());
    }

    @Test
    void aStoreThatCannotBeReadFailsNamingTheKeyAndNeverShowsThePassword() throws Exception {
        Map<String, Object> wrongPassword = ssl();
        wrongPassword.put("ssl.keystore.password", SECRET);
        ConfigException e = assertThrows(ConfigException.class, () -> new AdminConfig(wrongPassword));
        assertTrue(e.getMessage().contains("ssl.keystore.location") && e.getMessage().contains("ssl.keystore.password"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());

        Path garbage = Files.writeString(dir.resolve("garbage.p12"), "not a key store");
        Map<String, Object> notAStore = ssl();
        notAStore.put("ssl.truststore.location", garbage.toString());
        notAStore.put("ssl.truststore.password", SECRET);
        ConfigException g = assertThrows(ConfigException.class, () -> new ConsumerConfig(notAStore));
        assertTrue(g.getMessage().startsWith("ssl.truststore.location: "), g.getMessage());
        assertFalse(g.getMessage().contains(SECRET), g.getMessage());

        Map<String, Object> pemWithoutCertificates = ssl();
        pemWithoutCertificates.put("ssl.truststore.type", "PEM");
        pemWithoutCertificates.put("ssl.truststore.location", garbage.toString());
        ConfigException p = assertThrows(ConfigException.class, () -> new ConsumerConfig(pemWithoutCertificates));
        assertTrue(p.getMessage().contains("ssl.truststore.location") && p.getMessage().contains("no CERTIFICATE"), p.getMessage());
    }

    @Test
    void badTlsSettingsFailNamingTheKey() {
        Map<String, Object> protocols = ssl();
        protocols.put("ssl.enabled.protocols", "TLSv1.3,SSLv3");
        ConfigException e = assertThrows(ConfigException.class, () -> new AdminConfig(protocols));
        assertTrue(e.getMessage().contains("'ssl.enabled.protocols'") && e.getMessage().contains("'SSLv3'"), e.getMessage());
        Map<String, Object> type = ssl();
        type.put("ssl.keystore.type", "P12");
        ConfigException t = assertThrows(ConfigException.class, () -> new AdminConfig(type));
        assertTrue(t.getMessage().contains("'ssl.keystore.type'"), t.getMessage());
        Map<String, Object> provider = ssl();
        provider.put("ssl.provider", "SunJSSE");
        ConfigException pr = assertThrows(ConfigException.class, () -> new AdminConfig(provider));
        assertTrue(pr.getMessage().contains("'ssl.provider'"), pr.getMessage());
    }

    @Test
    void sslKeysAreIgnoredUnderPlaintextAndPasswordsAreDocumentedAsPasswords() {
        Map<String, Object> props = ssl();
        props.put("security.protocol", "PLAINTEXT");
        props.put("ssl.truststore.location", dir.resolve("not-read-under-plaintext.p12").toString());
        assertNull(new AdminConfig(props).sslConfig());
        for (String key : List.of("ssl.keystore.password", "ssl.key.password", "ssl.truststore.password")) {
            assertEquals(io.tributary.api.config.ConfigDef.Type.PASSWORD, AdminConfig.CONFIG.keys().stream()
                    .filter(k -> k.name().equals(key)).findFirst().orElseThrow().type(), key);
        }
    }
}
