package io.tributary.client.config;

import io.tributary.api.config.ConfigDef;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The consumer's configuration: Kafka's key names, one table ({@link #CONFIG}). Immutable and thread-safe.
 */
public final class ConsumerConfig extends ClientConfig {
    public static final String GROUP_ID_CONFIG = "group.id";
    public static final String KEY_DESERIALIZER_CLASS_CONFIG = "key.deserializer";
    public static final String VALUE_DESERIALIZER_CLASS_CONFIG = "value.deserializer";
    public static final String MAX_POLL_RECORDS_CONFIG = "max.poll.records";
    public static final String AUTO_OFFSET_RESET_CONFIG = "auto.offset.reset";
    public static final String FETCH_MIN_BYTES_CONFIG = "fetch.min.bytes";
    public static final String FETCH_MAX_BYTES_CONFIG = "fetch.max.bytes";
    public static final String FETCH_MAX_WAIT_MS_CONFIG = "fetch.max.wait.ms";
    public static final String MAX_PARTITION_FETCH_BYTES_CONFIG = "max.partition.fetch.bytes";
    public static final String DEFAULT_API_TIMEOUT_MS_CONFIG = "default.api.timeout.ms";
    public static final String CHECK_CRCS_CONFIG = "check.crcs";
    public static final String FETCH_CREDITS_CONFIG = "fetch.credits";

    public static final ConfigDef CONFIG = withCommonKeys(new ConfigDef(), 30_000)
            .define(GROUP_ID_CONFIG, ConfigDef.Type.STRING, null,
                    "Consumer group name. This version assigns partitions manually (assign()); the id is carried for logs only.")
            .define(KEY_DESERIALIZER_CLASS_CONFIG, ConfigDef.Type.STRING, null,
                    "Deserializer class for keys; required unless given to the constructor.")
            .define(VALUE_DESERIALIZER_CLASS_CONFIG, ConfigDef.Type.STRING, null,
                    "Deserializer class for values; required unless given to the constructor.")
            .define(MAX_POLL_RECORDS_CONFIG, ConfigDef.Type.INT, 500, ConfigDef.atLeast(1),
                    "Most records one poll() returns.")
            .define(AUTO_OFFSET_RESET_CONFIG, ConfigDef.Type.STRING, "latest", ConfigDef.oneOf("earliest", "latest", "none"),
                    "Where to start a partition that has no position, or whose position fell out of the log: earliest, latest, or none (throw).")
            .define(FETCH_MIN_BYTES_CONFIG, ConfigDef.Type.INT, 1, ConfigDef.atLeast(1),
                    "The broker pushes a response once this many bytes are ready (or fetch.max.wait.ms passed).")
            .define(FETCH_MAX_BYTES_CONFIG, ConfigDef.Type.INT, 52_428_800, ConfigDef.atLeast(1024),
                    "Upper bound on one fetch response's record bytes (the first batch is sent even if larger).")
            .define(FETCH_MAX_WAIT_MS_CONFIG, ConfigDef.Type.INT, 500, ConfigDef.atLeast(0),
                    "Longest the broker holds a response back waiting for fetch.min.bytes.")
            .define(MAX_PARTITION_FETCH_BYTES_CONFIG, ConfigDef.Type.INT, 1_048_576, ConfigDef.atLeast(1),
                    "Upper bound on one partition's bytes in one response.")
            .define(DEFAULT_API_TIMEOUT_MS_CONFIG, ConfigDef.Type.INT, 60_000, ConfigDef.atLeast(1),
                    "Timeout of blocking consumer calls without an explicit one (position, offsetsForTimes, ...).")
            .define(CHECK_CRCS_CONFIG, ConfigDef.Type.BOOLEAN, true,
                    "Verify every fetched batch's CRC32C before handing its records out.")
            .define(FETCH_CREDITS_CONFIG, ConfigDef.Type.INT, 2, ConfigDef.between(1, 64),
                    "Fetch responses each broker may push ahead of poll() (pipelining); bounds buffered data to credits x fetch.max.bytes per broker.");

    public enum OffsetReset { EARLIEST, LATEST, NONE }

    public ConsumerConfig(Map<?, ?> props) {
        super(CONFIG, props);
    }

    public ConsumerConfig(Properties props) {
        this(toMap(props));
    }

    public static Builder builder() {
        return new Builder();
    }

    public int maxPollRecords() {
        return getInt(MAX_POLL_RECORDS_CONFIG);
    }

    public OffsetReset autoOffsetReset() {
        return OffsetReset.valueOf(getString(AUTO_OFFSET_RESET_CONFIG).toUpperCase(Locale.ROOT));
    }

    public int fetchMinBytes() {
        return getInt(FETCH_MIN_BYTES_CONFIG);
    }

    public int fetchMaxBytes() {
        return getInt(FETCH_MAX_BYTES_CONFIG);
    }

    public int fetchMaxWaitMs() {
        return getInt(FETCH_MAX_WAIT_MS_CONFIG);
    }

    public int maxPartitionFetchBytes() {
        return getInt(MAX_PARTITION_FETCH_BYTES_CONFIG);
    }

    public int defaultApiTimeoutMs() {
        return getInt(DEFAULT_API_TIMEOUT_MS_CONFIG);
    }

    public boolean checkCrcs() {
        return getBoolean(CHECK_CRCS_CONFIG);
    }

    public int fetchCredits() {
        return getInt(FETCH_CREDITS_CONFIG);
    }

    /** Typed construction of the same key table; {@link #set} takes any other key. */
    public static final class Builder {
        private final Map<String, Object> props = new LinkedHashMap<>();

        public Builder bootstrapServers(String hostPorts) {
            return set(BOOTSTRAP_SERVERS_CONFIG, hostPorts);
        }

        public Builder clientId(String clientId) {
            return set(CLIENT_ID_CONFIG, clientId);
        }

        public Builder maxPollRecords(int maxPollRecords) {
            return set(MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        }

        public Builder autoOffsetReset(OffsetReset reset) {
            return set(AUTO_OFFSET_RESET_CONFIG, reset.name().toLowerCase(Locale.ROOT));
        }

        public Builder fetchMaxWaitMs(int fetchMaxWaitMs) {
            return set(FETCH_MAX_WAIT_MS_CONFIG, fetchMaxWaitMs);
        }

        public Builder fetchMaxBytes(int fetchMaxBytes) {
            return set(FETCH_MAX_BYTES_CONFIG, fetchMaxBytes);
        }

        public Builder requestTimeoutMs(int requestTimeoutMs) {
            return set(REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        }

        public Builder set(String key, Object value) {
            props.put(key, value);
            return this;
        }

        public Map<String, Object> toMap() {
            return new LinkedHashMap<>(props);
        }

        public ConsumerConfig build() {
            return new ConsumerConfig(props);
        }
    }
}
