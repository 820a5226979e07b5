package io.tributary.client.config;

import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;
import io.tributary.api.security.GrpcTls;
import io.tributary.api.security.SslConfig;
import io.tributary.client.internal.ClientTls;
import io.tributary.client.internal.ExponentialBackoff;
import io.tributary.client.internal.HostPort;
import io.tributary.client.internal.SaslCredentials;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Parsed, validated configuration of one client: the typed values of a {@link ConfigDef} table. Subclasses
 * own their table; this class holds the values and the keys every client shares. Immutable and thread-safe.
 *
 * <p>Transport security uses Kafka's client keys: {@code security.protocol=SSL} with {@code ssl.truststore.*} (the
 * CAs a broker's certificate must come from) and, for mutual TLS, {@code ssl.keystore.*} (this client's certificate).
 * The stores are loaded once at construction, so a missing file or a wrong password fails here, naming the key,
 * not at the first call. {@code security.protocol=SASL_SSL} (TLS with the same ssl.* keys, then SASL) or
 * {@code SASL_PLAINTEXT} authenticate each connection with {@code sasl.mechanism} (SCRAM-SHA-512, SCRAM-SHA-256 or,
 * over TLS only, PLAIN) and the user name and password of {@code sasl.jaas.config} (Kafka's form) or
 * {@code sasl.username} / {@code sasl.password}; they are checked here too. Passwords are
 * {@link ConfigDef.Type#PASSWORD}: never part of a message.
 */
public abstract class ClientConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String CLIENT_ID_CONFIG = "client.id";
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "request.timeout.ms";
    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    public static final String METADATA_MAX_AGE_MS_CONFIG = "metadata.max.age.ms";
    public static final String RECONNECT_BACKOFF_MS_CONFIG = "reconnect.backoff.ms";
    public static final String RECONNECT_BACKOFF_MAX_MS_CONFIG = "reconnect.backoff.max.ms";
    public static final String SECURITY_PROTOCOL_CONFIG = "security.protocol";
    public static final String SSL_KEYSTORE_TYPE_CONFIG = "ssl.keystore.type";
    public static final String SSL_KEYSTORE_LOCATION_CONFIG = "ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD_CONFIG = "ssl.keystore.password";
    public static final String SSL_KEY_PASSWORD_CONFIG = "ssl.key.password";
    public static final String SSL_TRUSTSTORE_TYPE_CONFIG = "ssl.truststore.type";
    public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = "ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = "ssl.truststore.password";
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG = "ssl.endpoint.identification.algorithm";
    public static final String SSL_ENABLED_PROTOCOLS_CONFIG = "ssl.enabled.protocols";
    public static final String SSL_CIPHER_SUITES_CONFIG = "ssl.cipher.suites";
    public static final String SSL_PROVIDER_CONFIG = "ssl.provider";
    public static final String SASL_MECHANISM_CONFIG = "sasl.mechanism";
    public static final String SASL_JAAS_CONFIG = "sasl.jaas.config";
    public static final String SASL_USERNAME_CONFIG = "sasl.username";
    public static final String SASL_PASSWORD_CONFIG = "sasl.password";
    private static final Set<String> SASL_MECHANISMS = Set.of("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN");

    /** {@code security.protocol}: how a client talks to the brokers' listeners. */
    public enum SecurityProtocol {
        PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
    }

    private static final Set<String> TLS_VERSIONS = Set.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1");

    private final Map<String, Object> values;

    protected ClientConfig(ConfigDef def, Map<?, ?> props) {
        this.values = def.parse(props);
        // Parse the address list now so a typo fails at construction, not at first use.
        HostPort.parseList(getList(BOOTSTRAP_SERVERS_CONFIG));
        SslConfig ssl = sslConfig();
        if (ssl != null) {
            checkStores(ssl);
        }
        sasl();
    }

    /** Adds the keys every client has to a table. */
    protected static ConfigDef withCommonKeys(ConfigDef def, int requestTimeoutMsDefault) {
        def
                .define(BOOTSTRAP_SERVERS_CONFIG, ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT, (name, value) -> {
                    if (((List<?>) value).isEmpty()) {
                        throw new ConfigException("invalid value for configuration key '" + name + "': at least one host:port is needed");
                    }
                }, "Comma-separated host:port list of brokers to bootstrap from; any one that answers is enough.")
                .define(CLIENT_ID_CONFIG, ConfigDef.Type.STRING, "", "Name sent with requests, for broker logs.")
                .define(REQUEST_TIMEOUT_MS_CONFIG, ConfigDef.Type.INT, requestTimeoutMsDefault, ConfigDef.between(1, null),
                        "Deadline of each request to a broker.")
                .define(RETRY_BACKOFF_MS_CONFIG, ConfigDef.Type.LONG, 100L, ConfigDef.atLeast(0),
                        "Wait before retrying a failed request or refreshing metadata again.")
                .define(METADATA_MAX_AGE_MS_CONFIG, ConfigDef.Type.LONG, 300_000L, ConfigDef.atLeast(0),
                        "Refresh metadata at least this often even without a leader change.")
                .define(RECONNECT_BACKOFF_MS_CONFIG, ConfigDef.Type.LONG, 50L, ConfigDef.atLeast(0),
                        "Wait before the first retry of a broker that could not be reached; doubles with each failure"
                                + " in a row (with 20% jitter) up to reconnect.backoff.max.ms.")
                .define(RECONNECT_BACKOFF_MAX_MS_CONFIG, ConfigDef.Type.LONG, 1000L, ConfigDef.atLeast(0),
                        "Longest wait between tries of a broker that could not be reached.");
        return withSecurityKeys(def);
    }

    /** Kafka's client TLS keys. No validator sees a password: a validator's message would quote the value. */
    private static ConfigDef withSecurityKeys(ConfigDef def) {
        return def
                .define(SECURITY_PROTOCOL_CONFIG, ConfigDef.Type.STRING, "PLAINTEXT", ClientConfig::checkSecurityProtocol,
                        "How to talk to the brokers: PLAINTEXT, SSL (TLS; mutual TLS when ssl.keystore.location is set),"
                                + " SASL_SSL (TLS, then SASL: sasl.mechanism and sasl.jaas.config) or SASL_PLAINTEXT (SASL"
                                + " without TLS; SCRAM only). The bootstrap servers must be listeners of that protocol.")
                .define(SSL_KEYSTORE_TYPE_CONFIG, ConfigDef.Type.STRING, "PKCS12", ConfigDef.oneOf("PKCS12", "JKS", "PEM"),
                        "Format of ssl.keystore.location: PKCS12, JKS or PEM (one file with a PKCS#8 key and its certificate chain).")
                .define(SSL_KEYSTORE_LOCATION_CONFIG, ConfigDef.Type.STRING, "",
                        "This client's certificate and key, presented to brokers that ask for one (mutual TLS); empty: none.")
                .define(SSL_KEYSTORE_PASSWORD_CONFIG, ConfigDef.Type.PASSWORD, "", "Password of ssl.keystore.location.")
                .define(SSL_KEY_PASSWORD_CONFIG, ConfigDef.Type.PASSWORD, "",
                        "Password of the private key in ssl.keystore.location, if not the key store's.")
                .define(SSL_TRUSTSTORE_TYPE_CONFIG, ConfigDef.Type.STRING, "PKCS12", ConfigDef.oneOf("PKCS12", "JKS", "PEM"),
                        "Format of ssl.truststore.location: PKCS12, JKS or PEM (certificates).")
                .define(SSL_TRUSTSTORE_LOCATION_CONFIG, ConfigDef.Type.STRING, "",
                        "The CAs a broker's certificate must come from; empty: the JDK's default CAs.")
                .define(SSL_TRUSTSTORE_PASSWORD_CONFIG, ConfigDef.Type.PASSWORD, "", "Password of ssl.truststore.location, if it has one.")
                .define(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, ConfigDef.Type.STRING, "https", ConfigDef.oneOf("https", ""),
                        "https: a broker's certificate must name the host dialed; empty: check only that a trusted CA signed it.")
                .define(SSL_ENABLED_PROTOCOLS_CONFIG, ConfigDef.Type.LIST, "TLSv1.3,TLSv1.2", ClientConfig::checkTlsVersions,
                        "TLS versions this client offers.")
                .define(SSL_CIPHER_SUITES_CONFIG, ConfigDef.Type.LIST, "", "Cipher suites allowed (empty: the TLS engine's defaults).")
                .define(SASL_MECHANISM_CONFIG, ConfigDef.Type.STRING, "GSSAPI",
                        "With SASL_SSL or SASL_PLAINTEXT: SCRAM-SHA-512, SCRAM-SHA-256, or PLAIN (SASL_SSL only: it sends the"
                                + " password itself). Kafka's default GSSAPI (Kerberos) is not served, so it must be set.")
                .define(SASL_JAAS_CONFIG, ConfigDef.Type.PASSWORD, "",
                        "Kafka's form: org.apache.kafka.common.security.scram.ScramLoginModule required username=\"alice\""
                                + " password=\"..\"; (org.apache.kafka.common.security.plain.PlainLoginModule for PLAIN); quoted"
                                + " values take backslash escapes. Only username and password are read. Wins over sasl.username.")
                .define(SASL_USERNAME_CONFIG, ConfigDef.Type.STRING, "",
                        "Tributary's shorter form of sasl.jaas.config: the SASL user name (with sasl.password).")
                .define(SASL_PASSWORD_CONFIG, ConfigDef.Type.PASSWORD, "",
                        "Tributary's shorter form of sasl.jaas.config: the SASL password (with sasl.username).")
                .define(SSL_PROVIDER_CONFIG, ConfigDef.Type.STRING, "", ConfigDef.oneOf("", "OPENSSL", "JDK"),
                        "The TLS engine: OPENSSL (BoringSSL, shipped with gRPC), JDK, or empty for BoringSSL where it loads."
                                + " (Kafka's ssl.provider names a JCA provider; here it picks the engine.)");
    }

    private static void checkSecurityProtocol(String name, Object value) {
        try {
            SecurityProtocol.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid value '" + value + "' for configuration key '" + name
                    + "': must be one of [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]");
        }
    }

    private static void checkTlsVersions(String name, Object value) {
        for (Object version : (List<?>) value) {
            if (!TLS_VERSIONS.contains(String.valueOf(version))) {
                throw new ConfigException("invalid value '" + value + "' for configuration key '" + name + "': '" + version
                        + "' is not one of " + List.of("TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"));
            }
        }
    }

    /**
     * Loads the key and trust stores and picks the engine once, so that a missing file, a wrong type or password, or
     * an engine that does not load fails at construction with the key to fix.
     */
    private void checkStores(SslConfig ssl) {
        requireReadable(SSL_TRUSTSTORE_LOCATION_CONFIG, ssl.truststoreLocation());
        requireReadable(SSL_KEYSTORE_LOCATION_CONFIG, ssl.keystoreLocation());
        ssl.trustManagers();
        ssl.keyManagers();
        GrpcTls.provider(getString(SSL_PROVIDER_CONFIG));
    }

    private static void requireReadable(String key, String location) {
        if (location.isBlank()) {
            return;
        }
        Path path = Path.of(location);
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(key + ": " + location + " does not exist or is not a file");
        }
        if (!Files.isReadable(path)) {
            throw new ConfigException(key + ": " + location + " is not readable by this process");
        }
    }

    public static Map<Object, Object> toMap(Properties props) {
        return new HashMap<>(props);
    }

    public Object get(String key) {
        if (!values.containsKey(key)) {
            throw new ConfigException("unknown configuration key '" + key + "'");
        }
        return values.get(key);
    }

    public int getInt(String key) {
        return (Integer) get(key);
    }

    public long getLong(String key) {
        return (Long) get(key);
    }

    public boolean getBoolean(String key) {
        return (Boolean) get(key);
    }

    public String getString(String key) {
        return (String) get(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String key) {
        return (List<String>) get(key);
    }

    public List<HostPort> bootstrapServers() {
        return HostPort.parseList(getList(BOOTSTRAP_SERVERS_CONFIG));
    }

    public String clientId() {
        return getString(CLIENT_ID_CONFIG);
    }

    public int requestTimeoutMs() {
        return getInt(REQUEST_TIMEOUT_MS_CONFIG);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS_CONFIG);
    }

    public long metadataMaxAgeMs() {
        return getLong(METADATA_MAX_AGE_MS_CONFIG);
    }

    /** How long to wait before asking again after brokers could not be reached, growing with each failure. */
    public ExponentialBackoff reconnectBackoff() {
        return new ExponentialBackoff(getLong(RECONNECT_BACKOFF_MS_CONFIG), getLong(RECONNECT_BACKOFF_MAX_MS_CONFIG), 0.2);
    }

    public SecurityProtocol securityProtocol() {
        return SecurityProtocol.valueOf(getString(SECURITY_PROTOCOL_CONFIG).toUpperCase(Locale.ROOT));
    }

    /** The client side of TLS (no {@code ssl.client.auth}: that is the broker's choice), or null for PLAINTEXT. */
    public SslConfig sslConfig() {
        if (securityProtocol() != SecurityProtocol.SSL && securityProtocol() != SecurityProtocol.SASL_SSL) {
            return null;
        }
        return new SslConfig(getString(SSL_KEYSTORE_TYPE_CONFIG), getString(SSL_KEYSTORE_LOCATION_CONFIG),
                getString(SSL_KEYSTORE_PASSWORD_CONFIG), getString(SSL_KEY_PASSWORD_CONFIG), getString(SSL_TRUSTSTORE_TYPE_CONFIG),
                getString(SSL_TRUSTSTORE_LOCATION_CONFIG), getString(SSL_TRUSTSTORE_PASSWORD_CONFIG), SslConfig.ClientAuth.NONE,
                getList(SSL_ENABLED_PROTOCOLS_CONFIG), getList(SSL_CIPHER_SUITES_CONFIG));
    }

    /** What the channels need to speak TLS: the stores, the engine and whether to check host names; null for PLAINTEXT. */
    public ClientTls tls() {
        SslConfig ssl = sslConfig();
        return ssl == null ? null : new ClientTls(ssl, getString(SSL_PROVIDER_CONFIG),
                getString(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG).equalsIgnoreCase("https"));
    }

    /**
     * The SASL credentials with SASL_SSL or SASL_PLAINTEXT, or null for the other protocols (which ignore the sasl.*
     * keys, as Kafka's clients do). {@code sasl.jaas.config} wins over {@code sasl.username} / {@code sasl.password}.
     *
     * @throws ConfigException for a mechanism not served, PLAIN without TLS, a login module that does not match the
     *     mechanism, or missing credentials; no message holds a password
     */
    public SaslCredentials sasl() {
        SecurityProtocol protocol = securityProtocol();
        if (protocol != SecurityProtocol.SASL_SSL && protocol != SecurityProtocol.SASL_PLAINTEXT) {
            return null;
        }
        String given = getString(SASL_MECHANISM_CONFIG).trim();
        String mechanism = given.toUpperCase(Locale.ROOT);
        if (!SASL_MECHANISMS.contains(mechanism)) {
            throw new ConfigException(SASL_MECHANISM_CONFIG + "=" + given + (mechanism.equals("GSSAPI") ? " (Kafka's default, Kerberos)" : "")
                    + " is not served with " + SECURITY_PROTOCOL_CONFIG + "=" + protocol + ": set " + SASL_MECHANISM_CONFIG
                    + " to SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN");
        }
        if (mechanism.equals("PLAIN") && protocol == SecurityProtocol.SASL_PLAINTEXT) {
            throw new ConfigException(SASL_MECHANISM_CONFIG + "=PLAIN sends the password itself: use "
                    + SECURITY_PROTOCOL_CONFIG + "=SASL_SSL, or SCRAM-SHA-512 / SCRAM-SHA-256");
        }
        String user = getString(SASL_USERNAME_CONFIG);
        String password = getString(SASL_PASSWORD_CONFIG);
        String jaas = getString(SASL_JAAS_CONFIG);
        if (!jaas.isBlank()) {
            SaslCredentials.JaasEntry entry = SaslCredentials.parseJaas(SASL_JAAS_CONFIG, jaas);
            checkLoginModule(entry.loginModule(), mechanism);
            user = entry.options().getOrDefault("username", "");
            password = entry.options().getOrDefault("password", "");
        }
        if (user.isEmpty() || password.isEmpty()) {
            throw new ConfigException(SECURITY_PROTOCOL_CONFIG + "=" + protocol + " needs a user name and a password: set "
                    + SASL_JAAS_CONFIG + " (... required username=\"..\" password=\"..\";) or " + SASL_USERNAME_CONFIG
                    + " and " + SASL_PASSWORD_CONFIG);
        }
        return new SaslCredentials(mechanism, user, password);
    }

    /** Kafka pairs each mechanism with its login module; a mismatch is a copy-paste error worth naming. */
    private static void checkLoginModule(String module, String mechanism) {
        String simple = module.substring(module.lastIndexOf('.') + 1);
        String expected = mechanism.equals("PLAIN") ? "PlainLoginModule" : "ScramLoginModule";
        if (!simple.equals(expected)) {
            throw new ConfigException(SASL_JAAS_CONFIG + " names " + simple + ", but " + SASL_MECHANISM_CONFIG + "=" + mechanism
                    + " takes org.apache.kafka.common.security." + (mechanism.equals("PLAIN") ? "plain." : "scram.") + expected
                    + " (only SCRAM and PLAIN are served)");
        }
    }

    public Map<String, Object> values() {
        return values;
    }
}
