package io.tributary.client.config;

import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
    public static final String GROUP_INSTANCE_ID_CONFIG = "group.instance.id";
    public static final String SESSION_TIMEOUT_MS_CONFIG = "session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS_CONFIG = "heartbeat.interval.ms";
    public static final String MAX_POLL_INTERVAL_MS_CONFIG = "max.poll.interval.ms";
    public static final String PARTITION_ASSIGNMENT_STRATEGY_CONFIG = "partition.assignment.strategy";
    public static final String ENABLE_AUTO_COMMIT_CONFIG = "enable.auto.commit";
    public static final String AUTO_COMMIT_INTERVAL_MS_CONFIG = "auto.commit.interval.ms";

    /** Assignor names the coordinator knows, and the Kafka class names a Kafka user may have in a config file. */
    private static final Map<String, String> ASSIGNOR_NAMES = Map.of(
            "cooperative-sticky", "cooperative-sticky",
            "range", "range",
            "roundrobin", "roundrobin",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky",
            "org.apache.kafka.clients.consumer.RangeAssignor", "range",
            "org.apache.kafka.clients.consumer.RoundRobinAssignor", "roundrobin");

    private static final ConfigDef.Validator ASSIGNORS_VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            List<?> list = (List<?>) value;
            if (list.isEmpty()) {
                throw new ConfigException("invalid value for configuration key '" + name + "': name at least one assignor");
            }
            for (Object o : list) {
                if (!ASSIGNOR_NAMES.containsKey(String.valueOf(o))) {
                    throw new ConfigException("invalid value '" + o + "' for configuration key '" + name
                            + "': known assignors are cooperative-sticky, range, roundrobin (or Kafka's CooperativeStickyAssignor, "
                            + "RangeAssignor, RoundRobinAssignor class names)");
                }
            }
        }

        @Override
        public String describe() {
            return "[cooperative-sticky, range, roundrobin]";
        }
    };

    public static final ConfigDef CONFIG = withCommonKeys(new ConfigDef(), 30_000)
            .define(GROUP_ID_CONFIG, ConfigDef.Type.STRING, null,
                    "Consumer group name: needed by subscribe(), commits and committed offsets as starting positions.")
            .define(GROUP_INSTANCE_ID_CONFIG, ConfigDef.Type.STRING, null,
                    "Static membership: a stable id for this process. A restart within session.timeout.ms takes its partitions back without a rebalance; a static member does not leave the group on close().")
            .define(SESSION_TIMEOUT_MS_CONFIG, ConfigDef.Type.INT, 45_000, ConfigDef.atLeast(1),
                    "The coordinator removes a member it has not heard from for this long (must be within the broker's group.min/max.session.timeout.ms).")
            .define(HEARTBEAT_INTERVAL_MS_CONFIG, ConfigDef.Type.INT, 3_000, ConfigDef.atLeast(1),
                    "How often the background thread sends a heartbeat when the coordinator does not say otherwise; keep it under a third of session.timeout.ms.")
            .define(MAX_POLL_INTERVAL_MS_CONFIG, ConfigDef.Type.INT, 300_000, ConfigDef.atLeast(1),
                    "Longest time between poll() calls: past it the member leaves the group (its partitions move) and the next poll() rejoins. Also the time the member has to give up partitions in a rebalance.")
            .define(PARTITION_ASSIGNMENT_STRATEGY_CONFIG, ConfigDef.Type.LIST, "cooperative-sticky,range", ASSIGNORS_VALIDATOR,
                    "Assignors this member accepts, preferred first: cooperative-sticky, range, roundrobin (Kafka's assignor class names are accepted too). The coordinator computes the assignment.")
            .define(ENABLE_AUTO_COMMIT_CONFIG, ConfigDef.Type.BOOLEAN, true,
                    "With group.id: commit consumed positions every auto.commit.interval.ms from poll(), before partitions are revoked, and in close(). Ignored without group.id.")
            .define(AUTO_COMMIT_INTERVAL_MS_CONFIG, ConfigDef.Type.INT, 5_000, ConfigDef.atLeast(0),
                    "How often poll() commits consumed positions when enable.auto.commit is on.")
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
        if (groupId().isEmpty() && Boolean.TRUE.equals(get(ENABLE_AUTO_COMMIT_CONFIG)) && props.containsKey(ENABLE_AUTO_COMMIT_CONFIG)) {
            // Kafka's rule: an explicit request for auto-commit without a group is a mistake worth failing on.
            throw new ConfigException("enable.auto.commit cannot be set to true when no group.id is configured");
        }
        if (groupInstanceId().isPresent() && groupId().isEmpty()) {
            throw new ConfigException("group.instance.id needs group.id");
        }
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

    /** The group id, or empty when the consumer uses no group (manual assignment without commits). */
    public Optional<String> groupId() {
        String g = getString(GROUP_ID_CONFIG);
        return g == null || g.isEmpty() ? Optional.empty() : Optional.of(g);
    }

    public Optional<String> groupInstanceId() {
        String g = getString(GROUP_INSTANCE_ID_CONFIG);
        return g == null || g.isEmpty() ? Optional.empty() : Optional.of(g);
    }

    public int sessionTimeoutMs() {
        return getInt(SESSION_TIMEOUT_MS_CONFIG);
    }

    public int heartbeatIntervalMs() {
        return getInt(HEARTBEAT_INTERVAL_MS_CONFIG);
    }

    public int maxPollIntervalMs() {
        return getInt(MAX_POLL_INTERVAL_MS_CONFIG);
    }

    /** The accepted assignors, preferred first, by the names the coordinator knows (Kafka class names mapped). */
    public List<String> assignors() {
        List<String> out = new ArrayList<>();
        for (String s : getList(PARTITION_ASSIGNMENT_STRATEGY_CONFIG)) {
            String mapped = ASSIGNOR_NAMES.get(s);
            if (!out.contains(mapped)) {
                out.add(mapped);
            }
        }
        return List.copyOf(out);
    }

    /** Auto-commit applies only with a group: without one there is nowhere to commit to. */
    public boolean autoCommitEnabled() {
        return groupId().isPresent() && getBoolean(ENABLE_AUTO_COMMIT_CONFIG);
    }

    public int autoCommitIntervalMs() {
        return getInt(AUTO_COMMIT_INTERVAL_MS_CONFIG);
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

        public Builder groupId(String groupId) {
            return set(GROUP_ID_CONFIG, groupId);
        }

        public Builder groupInstanceId(String groupInstanceId) {
            return set(GROUP_INSTANCE_ID_CONFIG, groupInstanceId);
        }

        public Builder sessionTimeoutMs(int sessionTimeoutMs) {
            return set(SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs);
        }

        public Builder heartbeatIntervalMs(int heartbeatIntervalMs) {
            return set(HEARTBEAT_INTERVAL_MS_CONFIG, heartbeatIntervalMs);
        }

        public Builder maxPollIntervalMs(int maxPollIntervalMs) {
            return set(MAX_POLL_INTERVAL_MS_CONFIG, maxPollIntervalMs);
        }

        public Builder enableAutoCommit(boolean enable) {
            return set(ENABLE_AUTO_COMMIT_CONFIG, enable);
        }

        public Builder autoCommitIntervalMs(int intervalMs) {
            return set(AUTO_COMMIT_INTERVAL_MS_CONFIG, intervalMs);
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
