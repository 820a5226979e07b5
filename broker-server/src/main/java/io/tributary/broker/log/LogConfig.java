package io.tributary.broker.log;

import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.TimestampType;
import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;

import java.util.Locale;
import java.util.Map;

import static io.tributary.api.config.ConfigDef.Type.BOOLEAN;
import static io.tributary.api.config.ConfigDef.Type.DOUBLE;
import static io.tributary.api.config.ConfigDef.Type.INT;
import static io.tributary.api.config.ConfigDef.Type.LONG;
import static io.tributary.api.config.ConfigDef.Type.STRING;
import static io.tributary.api.config.ConfigDef.atLeast;
import static io.tributary.api.config.ConfigDef.between;
import static io.tributary.api.config.ConfigDef.oneOf;

/**
 * The per-topic settings of a partition log, parsed from topic-level keys (Kafka's names) by one definition
 * table. Immutable; a config change replaces the whole object.
 */
public record LogConfig(
        int segmentBytes,
        long segmentMs,
        int segmentIndexBytes,
        int indexIntervalBytes,
        long retentionMs,
        long retentionBytes,
        long flushMessages,
        long flushMs,
        int maxMessageBytes,
        TimestampType timestampType,
        int minInSyncReplicas,
        boolean uncleanLeaderElectionEnable,
        long fileDeleteDelayMs,
        long producerIdExpirationMs,
        CleanupPolicy cleanupPolicy,
        double minCleanableDirtyRatio,
        long deleteRetentionMs,
        long minCompactionLagMs,
        long maxCompactionLagMs) {

    /** What happens to old data: deleted by retention, compacted to the latest record per key, or both. */
    public enum CleanupPolicy {
        DELETE("delete"), COMPACT("compact"), COMPACT_DELETE("compact,delete");

        private final String configValue;

        CleanupPolicy(String configValue) {
            this.configValue = configValue;
        }

        public String configValue() {
            return configValue;
        }

        public boolean compact() {
            return this != DELETE;
        }

        public boolean delete() {
            return this != COMPACT;
        }

        /** Parses Kafka's list form: "delete", "compact", or both in either order. */
        static CleanupPolicy parse(String value) {
            boolean compact = false;
            boolean delete = false;
            for (String part : value.split(",")) {
                switch (part.trim().toLowerCase(Locale.ROOT)) {
                    case "compact" -> compact = true;
                    case "delete" -> delete = true;
                    default -> throw new IllegalArgumentException(part.trim());
                }
            }
            return compact ? (delete ? COMPACT_DELETE : COMPACT) : DELETE;
        }
    }

    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MIN_IN_SYNC_REPLICAS = "min.insync.replicas";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";

    /** Accepts Kafka's cleanup.policy values; shared with the broker's log.cleanup.policy. */
    public static final ConfigDef.Validator CLEANUP_POLICY_VALUES = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                CleanupPolicy.parse(String.valueOf(value));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("invalid value '" + value + "' for configuration key '" + name
                        + "': expected delete, compact, or compact,delete");
            }
        }

        @Override
        public String describe() {
            return "[delete, compact, compact,delete]";
        }
    };

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(SEGMENT_BYTES, INT, 1 << 30, atLeast(RecordBatch.HEADER_SIZE),
                    "Roll a new segment once the active one would grow past this many bytes.")
            .define(SEGMENT_MS, LONG, 7L * 24 * 60 * 60 * 1000, atLeast(1),
                    "Roll a new segment once the active one's first batch is this old, even if it is not full.")
            .define(SEGMENT_INDEX_BYTES, INT, 10 * 1024 * 1024, atLeast(12),
                    "Maximum size of each segment's offset and time index (they grow to it as entries are added); a full index rolls the segment.")
            .define(INDEX_INTERVAL_BYTES, INT, 4096, atLeast(0),
                    "Add an offset index entry after this many bytes of batches: smaller is faster lookup, bigger index.")
            .define(RETENTION_MS, LONG, 7L * 24 * 60 * 60 * 1000, atLeast(-1),
                    "Delete whole segments whose newest record is older than this; -1 keeps them forever.")
            .define(RETENTION_BYTES, LONG, -1L, atLeast(-1),
                    "Delete the oldest whole segments while the partition is larger than this; -1 means no limit.")
            .define(FLUSH_MESSAGES, LONG, Long.MAX_VALUE, atLeast(1),
                    "fsync after this many unflushed records. Default: leave it to the OS; replication is what makes data durable.")
            .define(FLUSH_MS, LONG, Long.MAX_VALUE, atLeast(0),
                    "fsync data older than this many milliseconds. Default: leave it to the OS.")
            .define(MAX_MESSAGE_BYTES, INT, 1024 * 1024 + 12, atLeast(RecordBatch.HEADER_SIZE),
                    "Largest record batch (after compression, with its header) this topic accepts.")
            .define(MESSAGE_TIMESTAMP_TYPE, STRING, "CreateTime", oneOf("CreateTime", "LogAppendTime"),
                    "Whose clock stamps records: the producer's (CreateTime) or the broker's at append (LogAppendTime).")
            .define(MIN_IN_SYNC_REPLICAS, INT, 1, atLeast(1),
                    "With acks=all, refuse writes while fewer replicas than this are in sync.")
            .define(UNCLEAN_LEADER_ELECTION_ENABLE, BOOLEAN, false,
                    "Allow an out-of-sync replica to become leader when no in-sync one is alive (may lose acknowledged data).")
            .define(FILE_DELETE_DELAY_MS, LONG, 60_000L, atLeast(0),
                    "How long a deleted segment's files stay on disk, so reads already in flight can finish.")
            .define(PRODUCER_ID_EXPIRATION_MS, LONG, 24L * 60 * 60 * 1000, atLeast(1),
                    "Forget an idempotent producer's sequence state after it has written nothing to the partition for this long.")
            .define(CLEANUP_POLICY, STRING, "delete", CLEANUP_POLICY_VALUES,
                    "delete: retention removes old segments. compact: the log cleaner keeps only the latest record per key "
                            + "(records need keys). compact,delete: both.")
            .define(MIN_CLEANABLE_DIRTY_RATIO, DOUBLE, 0.5, between(0, 1),
                    "Compact a log once this share of its cleanable bytes has not been compacted yet: lower cleans more often, rewriting more.")
            .define(DELETE_RETENTION_MS, LONG, 24L * 60 * 60 * 1000, atLeast(0),
                    "How long compaction keeps a tombstone after first compacting it, so a consumer reading from the start "
                            + "within this time sees the delete.")
            .define(MIN_COMPACTION_LAG_MS, LONG, 0L, atLeast(0),
                    "Never compact records younger than this (a segment is cleanable once its newest record is this old).")
            .define(MAX_COMPACTION_LAG_MS, LONG, Long.MAX_VALUE, atLeast(1),
                    "Compact a log whose oldest uncompacted segment is this old even below min.cleanable.dirty.ratio; "
                            + "also rolls the active segment of a compacted log at this age.");

    public LogConfig {
        if (segmentIndexBytes < 12) {
            throw new IllegalArgumentException("segment.index.bytes must be at least 12");
        }
        if (minCompactionLagMs > maxCompactionLagMs) {
            throw new ConfigException(MIN_COMPACTION_LAG_MS + " (" + minCompactionLagMs + ") must not exceed "
                    + MAX_COMPACTION_LAG_MS + " (" + maxCompactionLagMs + ")");
        }
    }

    /** Whether the log cleaner compacts this log. */
    public boolean compact() {
        return cleanupPolicy.compact();
    }

    /** Whether retention deletes old segments of this log. */
    public boolean delete() {
        return cleanupPolicy.delete();
    }

    /** Parses topic-level overrides; keys not given take their defaults. */
    public static LogConfig fromProps(Map<?, ?> props) {
        Map<String, Object> v = DEFINITION.parse(props);
        return new LogConfig(
                (Integer) v.get(SEGMENT_BYTES),
                (Long) v.get(SEGMENT_MS),
                (Integer) v.get(SEGMENT_INDEX_BYTES),
                (Integer) v.get(INDEX_INTERVAL_BYTES),
                (Long) v.get(RETENTION_MS),
                (Long) v.get(RETENTION_BYTES),
                (Long) v.get(FLUSH_MESSAGES),
                (Long) v.get(FLUSH_MS),
                (Integer) v.get(MAX_MESSAGE_BYTES),
                TimestampType.forConfigName((String) v.get(MESSAGE_TIMESTAMP_TYPE)),
                (Integer) v.get(MIN_IN_SYNC_REPLICAS),
                (Boolean) v.get(UNCLEAN_LEADER_ELECTION_ENABLE),
                (Long) v.get(FILE_DELETE_DELAY_MS),
                (Long) v.get(PRODUCER_ID_EXPIRATION_MS),
                CleanupPolicy.parse((String) v.get(CLEANUP_POLICY)),
                (Double) v.get(MIN_CLEANABLE_DIRTY_RATIO),
                (Long) v.get(DELETE_RETENTION_MS),
                (Long) v.get(MIN_COMPACTION_LAG_MS),
                (Long) v.get(MAX_COMPACTION_LAG_MS));
    }

    public static LogConfig defaults() {
        return fromProps(Map.of());
    }
}
