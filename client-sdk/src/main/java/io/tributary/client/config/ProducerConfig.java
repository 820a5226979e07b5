package io.tributary.client.config;

import io.tributary.api.batch.Compression;
import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The producer's configuration: Kafka's key names, one table ({@link #CONFIG}) for validation and docs.
 * Immutable and thread-safe.
 */
public final class ProducerConfig extends ClientConfig {
    public static final String ACKS_CONFIG = "acks";
    public static final String RETRIES_CONFIG = "retries";
    public static final String DELIVERY_TIMEOUT_MS_CONFIG = "delivery.timeout.ms";
    public static final String LINGER_MS_CONFIG = "linger.ms";
    public static final String BATCH_SIZE_CONFIG = "batch.size";
    public static final String BUFFER_MEMORY_CONFIG = "buffer.memory";
    public static final String MAX_BLOCK_MS_CONFIG = "max.block.ms";
    public static final String MAX_REQUEST_SIZE_CONFIG = "max.request.size";
    public static final String MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = "max.in.flight.requests.per.connection";
    public static final String COMPRESSION_TYPE_CONFIG = "compression.type";
    public static final String KEY_SERIALIZER_CLASS_CONFIG = "key.serializer";
    public static final String VALUE_SERIALIZER_CLASS_CONFIG = "value.serializer";
    public static final String PARTITIONER_CLASS_CONFIG = "partitioner.class";
    public static final String PARTITIONER_IGNORE_KEYS_CONFIG = "partitioner.ignore.keys";
    public static final String ENABLE_IDEMPOTENCE_CONFIG = "enable.idempotence";

    public static final ConfigDef CONFIG = withCommonKeys(new ConfigDef(), 30_000)
            .define(ACKS_CONFIG, ConfigDef.Type.STRING, "all", ConfigDef.oneOf("all", "-1", "0", "1"),
                    "Acknowledgements the leader waits for: 0 none (no response), 1 the leader's append, all (-1) every in-sync replica.")
            .define(RETRIES_CONFIG, ConfigDef.Type.INT, Integer.MAX_VALUE, ConfigDef.atLeast(0),
                    "Resends of a batch that failed with a retriable error; delivery.timeout.ms bounds them in time.")
            .define(DELIVERY_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, 120_000L, ConfigDef.atLeast(1),
                    "Upper bound on the time from send() returning to the record's outcome, retries included.")
            .define(LINGER_MS_CONFIG, ConfigDef.Type.LONG, 5L, ConfigDef.atLeast(0),
                    "How long a batch waits for more records before it is sent anyway.")
            .define(BATCH_SIZE_CONFIG, ConfigDef.Type.INT, 16_384, ConfigDef.atLeast(0),
                    "Target size of a per-partition batch in bytes (before compression); a larger single record gets a batch of its own.")
            .define(BUFFER_MEMORY_CONFIG, ConfigDef.Type.LONG, 33_554_432L, ConfigDef.atLeast(1024),
                    "Bytes of records the producer may hold unsent or unacknowledged; send() blocks when it is used up.")
            .define(MAX_BLOCK_MS_CONFIG, ConfigDef.Type.LONG, 60_000L, ConfigDef.atLeast(0),
                    "Longest send() blocks for metadata or buffer space before failing.")
            .define(MAX_REQUEST_SIZE_CONFIG, ConfigDef.Type.INT, 1_048_576, ConfigDef.atLeast(1024),
                    "Largest record (serialized) and largest produce request in bytes.")
            .define(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, ConfigDef.Type.INT, 5, ConfigDef.atLeast(1),
                    "Unacknowledged produce requests per broker; 1 keeps order across retries.")
            .define(COMPRESSION_TYPE_CONFIG, ConfigDef.Type.STRING, "none", ConfigDef.oneOf("none", "gzip", "snappy", "lz4", "zstd"),
                    "Codec for whole batch bodies.")
            .define(KEY_SERIALIZER_CLASS_CONFIG, ConfigDef.Type.STRING, null,
                    "Serializer class for keys (io.tributary.client.serialization.*); required unless given to the constructor.")
            .define(VALUE_SERIALIZER_CLASS_CONFIG, ConfigDef.Type.STRING, null,
                    "Serializer class for values; required unless given to the constructor.")
            .define(PARTITIONER_CLASS_CONFIG, ConfigDef.Type.STRING, null,
                    "A Partitioner class; default: murmur2(key) mod partitions for keyed records, sticky batches for keyless ones.")
            .define(PARTITIONER_IGNORE_KEYS_CONFIG, ConfigDef.Type.BOOLEAN, false,
                    "Place keyed records like keyless ones (sticky), ignoring the key.")
            .define(ENABLE_IDEMPOTENCE_CONFIG, ConfigDef.Type.BOOLEAN, true,
                    "Retries never duplicate or reorder records within a partition (producer id, epoch and per-partition "
                            + "sequence on every batch). Needs acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5: "
                            + "set explicitly to true with other values it is a config error; left at the default it is "
                            + "silently turned off by them.");

    /** The broker remembers a producer's last 5 batches per partition: more in flight could not be deduplicated. */
    public static final int MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

    private final boolean idempotence;

    /**
     * @throws ConfigException for unknown keys and bad values, and for {@code enable.idempotence=true} set explicitly
     *     together with acks other than all, retries=0 or max.in.flight.requests.per.connection above 5
     */
    public ProducerConfig(Map<?, ?> props) {
        super(CONFIG, props);
        this.idempotence = resolveIdempotence(props);
    }

    /**
     * Kafka 3.x's rule: idempotence is on by default; a user who asked for it explicitly gets an error for settings
     * that contradict it, a user who did not gets it switched off by them.
     */
    private boolean resolveIdempotence(Map<?, ?> props) {
        if (!getBoolean(ENABLE_IDEMPOTENCE_CONFIG)) {
            return false;
        }
        boolean explicit = props.containsKey(ENABLE_IDEMPOTENCE_CONFIG);
        java.util.List<String> conflicts = new java.util.ArrayList<>();
        if (acks() != -1) {
            conflicts.add(ACKS_CONFIG + " must be all (-1), is " + getString(ACKS_CONFIG));
        }
        if (maxInFlightRequestsPerConnection() > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
            conflicts.add(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + " must be at most " + MAX_IN_FLIGHT_FOR_IDEMPOTENCE + ", is "
                    + maxInFlightRequestsPerConnection());
        }
        if (retries() == 0) {
            conflicts.add(RETRIES_CONFIG + " must be greater than 0, is 0");
        }
        if (conflicts.isEmpty()) {
            return true;
        }
        if (explicit) {
            throw new ConfigException(ENABLE_IDEMPOTENCE_CONFIG + "=true conflicts with the other settings: "
                    + String.join("; ", conflicts) + ". Set " + ACKS_CONFIG + "=all, " + RETRIES_CONFIG + " > 0 and "
                    + MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + " <= " + MAX_IN_FLIGHT_FOR_IDEMPOTENCE + ", or "
                    + ENABLE_IDEMPOTENCE_CONFIG + "=false.");
        }
        return false; // the default gives way to the user's explicit acks / in-flight / retries
    }

    /**
     * Whether the producer is idempotent: {@code enable.idempotence} (default true) unless it was left at its default
     * and acks, retries or max.in.flight.requests.per.connection rule it out.
     */
    public boolean idempotenceEnabled() {
        return idempotence;
    }

    public ProducerConfig(Properties props) {
        this(toMap(props));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** acks as sent on the wire: -1, 0 or 1. */
    public int acks() {
        String acks = getString(ACKS_CONFIG);
        return acks.equalsIgnoreCase("all") ? -1 : Integer.parseInt(acks);
    }

    public int retries() {
        return getInt(RETRIES_CONFIG);
    }

    public long deliveryTimeoutMs() {
        return getLong(DELIVERY_TIMEOUT_MS_CONFIG);
    }

    public long lingerMs() {
        return getLong(LINGER_MS_CONFIG);
    }

    public int batchSizeBytes() {
        return getInt(BATCH_SIZE_CONFIG);
    }

    public long bufferMemoryBytes() {
        return getLong(BUFFER_MEMORY_CONFIG);
    }

    public long maxBlockMs() {
        return getLong(MAX_BLOCK_MS_CONFIG);
    }

    public int maxRequestSizeBytes() {
        return getInt(MAX_REQUEST_SIZE_CONFIG);
    }

    public int maxInFlightRequestsPerConnection() {
        return getInt(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
    }

    public Compression compression() {
        return Compression.forConfigName(getString(COMPRESSION_TYPE_CONFIG));
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

        public Builder acks(String acks) {
            return set(ACKS_CONFIG, acks);
        }

        public Builder lingerMs(long lingerMs) {
            return set(LINGER_MS_CONFIG, lingerMs);
        }

        public Builder batchSizeBytes(int batchSizeBytes) {
            return set(BATCH_SIZE_CONFIG, batchSizeBytes);
        }

        public Builder bufferMemoryBytes(long bufferMemoryBytes) {
            return set(BUFFER_MEMORY_CONFIG, bufferMemoryBytes);
        }

        public Builder maxBlockMs(long maxBlockMs) {
            return set(MAX_BLOCK_MS_CONFIG, maxBlockMs);
        }

        public Builder deliveryTimeoutMs(long deliveryTimeoutMs) {
            return set(DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs);
        }

        public Builder requestTimeoutMs(int requestTimeoutMs) {
            return set(REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        }

        public Builder retries(int retries) {
            return set(RETRIES_CONFIG, retries);
        }

        public Builder retryBackoffMs(long retryBackoffMs) {
            return set(RETRY_BACKOFF_MS_CONFIG, retryBackoffMs);
        }

        public Builder maxInFlightRequestsPerConnection(int maxInFlight) {
            return set(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, maxInFlight);
        }

        public Builder enableIdempotence(boolean enable) {
            return set(ENABLE_IDEMPOTENCE_CONFIG, enable);
        }

        public Builder compression(Compression compression) {
            return set(COMPRESSION_TYPE_CONFIG, compression.configName());
        }

        public Builder partitionerClass(Class<?> partitioner) {
            return set(PARTITIONER_CLASS_CONFIG, partitioner.getName());
        }

        public Builder set(String key, Object value) {
            props.put(key, value);
            return this;
        }

        public Map<String, Object> toMap() {
            return new LinkedHashMap<>(props);
        }

        public ProducerConfig build() {
            return new ProducerConfig(props);
        }
    }
}
