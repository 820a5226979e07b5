package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.broker.log.LogConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The internal topic {@value #NAME}: its name, how a group maps onto its partitions, and the configs it is created
 * with. Stateless.
 */
public final class OffsetsTopic {
    public static final String NAME = "__consumer_offsets";
    /** Kafka's limit; a longer id is refused with INVALID_GROUP_ID. */
    public static final int MAX_GROUP_ID_LENGTH = 255;
    private static final String CLEANUP_POLICY = "cleanup.policy";

    private OffsetsTopic() {
    }

    /**
     * The partition holding {@code groupId}: Java's {@code String.hashCode} modulo the topic's partition count, as in
     * groups.proto, so any client can compute it too.
     */
    public static int partitionFor(String groupId, int partitionCount) {
        return Math.floorMod(groupId.hashCode(), partitionCount);
    }

    /** @throws TributaryException INVALID_GROUP_ID for an empty or over-long id */
    public static void validateGroupId(String groupId) {
        if (groupId == null || groupId.isEmpty()) {
            throw new TributaryException(ErrorCode.INVALID_GROUP_ID, "the group id is empty");
        }
        if (groupId.length() > MAX_GROUP_ID_LENGTH) {
            throw new TributaryException(ErrorCode.INVALID_GROUP_ID, "the group id is " + groupId.length()
                    + " characters long; the limit is " + MAX_GROUP_ID_LENGTH);
        }
    }

    /**
     * Topic configs of {@value #NAME}: compacted on the group/offset key, and never deleted by time or size, which
     * would lose committed offsets (retention stays off even once compaction runs, as in Kafka, which keeps
     * {@code cleanup.policy=compact} alone). {@code cleanup.policy} is set only when this broker's log layer knows
     * the key, so an older log layer still accepts the topic.
     */
    public static Map<String, String> topicConfigs(GroupConfig config) {
        Map<String, String> configs = new LinkedHashMap<>();
        if (LogConfig.DEFINITION.names().contains(CLEANUP_POLICY)) {
            configs.put(CLEANUP_POLICY, "compact");
        }
        configs.put(LogConfig.SEGMENT_BYTES, Integer.toString(config.offsetsTopicSegmentBytes()));
        configs.put(LogConfig.RETENTION_MS, "-1");
        configs.put(LogConfig.RETENTION_BYTES, "-1");
        return configs;
    }
}
