package io.tributary.broker.group;


/**
 * The group coordinator's settings, taken once from the broker config (so the coordinator's pieces can be built in
 * a unit test without one). Immutable.
 *
 * @param brokerId                    this broker
 * @param offsetsTopicNumPartitions   partitions of {@code __consumer_offsets} when this broker creates it
 * @param offsetsTopicReplicationFactor its replication factor (capped by the live brokers at creation)
 * @param offsetsTopicSegmentBytes    its segment.bytes
 * @param offsetsCommitTimeoutMs      how long a group write waits for its replicas
 * @param offsetsLoadBufferBytes      read chunk when loading a partition
 * @param offsetsRetentionMs          offsets of a group without members expire this long after their commit
 * @param offsetsRetentionCheckIntervalMs how often expiry runs
 * @param offsetMetadataMaxBytes      largest commit metadata
 * @param minSessionTimeoutMs         smallest session timeout a member may ask for
 * @param maxSessionTimeoutMs         largest session timeout a member may ask for
 * @param initialRebalanceDelayMs     how long the first assignment of an empty group waits for more members
 * @param maxGroupSize                most members per group
 * @param heartbeatIntervalMs         heartbeat interval told to members (capped at a third of their session)
 */
public record GroupConfig(int brokerId, int offsetsTopicNumPartitions, int offsetsTopicReplicationFactor,
                          int offsetsTopicSegmentBytes, int offsetsCommitTimeoutMs, int offsetsLoadBufferBytes,
                          long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs, int offsetMetadataMaxBytes,
                          int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs,
                          int maxGroupSize, int heartbeatIntervalMs) {

    /** The heartbeat interval for a member with this session timeout: often enough that two may be lost. */
    public int heartbeatIntervalFor(int sessionTimeoutMs) {
        return Math.max(1, Math.min(heartbeatIntervalMs, sessionTimeoutMs / 3));
    }
}
