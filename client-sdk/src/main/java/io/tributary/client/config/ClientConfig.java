package io.tributary.client.config;

import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;
import io.tributary.client.internal.ExponentialBackoff;
import io.tributary.client.internal.HostPort;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Parsed, validated configuration of one client: the typed values of a {@link ConfigDef} table. Subclasses
 * own their table; this class holds the values and the keys every client shares. Immutable and thread-safe.
 */
public abstract class ClientConfig {
    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String CLIENT_ID_CONFIG = "client.id";
    public static final String REQUEST_TIMEOUT_MS_CONFIG = "request.timeout.ms";
    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    public static final String METADATA_MAX_AGE_MS_CONFIG = "metadata.max.age.ms";
    public static final String RECONNECT_BACKOFF_MS_CONFIG = "reconnect.backoff.ms";
    public static final String RECONNECT_BACKOFF_MAX_MS_CONFIG = "reconnect.backoff.max.ms";

    private final Map<String, Object> values;

    protected ClientConfig(ConfigDef def, Map<?, ?> props) {
        this.values = def.parse(props);
        // Parse the address list now so a typo fails at construction, not at first use.
        HostPort.parseList(getList(BOOTSTRAP_SERVERS_CONFIG));
    }

    /** Adds the keys every client has to a table. */
    protected static ConfigDef withCommonKeys(ConfigDef def, int requestTimeoutMsDefault) {
        return def
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

    public Map<String, Object> values() {
        return values;
    }
}
