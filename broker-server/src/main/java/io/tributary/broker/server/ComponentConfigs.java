package io.tributary.broker.server;

import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.fetch.FetchSessionConfig;
import io.tributary.broker.group.GroupConfig;
import io.tributary.broker.replication.ReplicaFetcherConfig;

/**
 * Cuts the broker configuration into the typed slices the components take, so only {@code server/} (and the admin
 * handler, which shows every setting) sees the whole {@link BrokerConfig}. Stateless and thread-safe.
 */
final class ComponentConfigs {
    private ComponentConfigs() {
    }

    static GroupConfig group(BrokerConfig c) {
        return new GroupConfig(c.brokerId(), c.offsetsTopicNumPartitions(), c.offsetsTopicReplicationFactor(),
                c.offsetsTopicSegmentBytes(), c.offsetsCommitTimeoutMs(), c.offsetsLoadBufferSize(),
                c.offsetsRetentionMs(), c.offsetsRetentionCheckIntervalMs(), c.offsetMetadataMaxBytes(),
                c.groupMinSessionTimeoutMs(), c.groupMaxSessionTimeoutMs(), c.groupInitialRebalanceDelayMs(),
                c.groupMaxSize(), c.groupConsumerHeartbeatIntervalMs());
    }

    static FetchSessionConfig fetchSessions(BrokerConfig c) {
        return new FetchSessionConfig(Math.max(2, c.numIoThreads() / 2), c.fetchMaxWaitMsLimit(), c.fetchSessionMaxCredits(),
                c.socketRequestMaxBytes());
    }

    static ReplicaFetcherConfig replicaFetchers(BrokerConfig c) {
        return new ReplicaFetcherConfig(c.replicaFetchBackoffMs(), c.replicaFetchWaitMaxMs(), c.replicaFetchMaxBytes(),
                c.replicaFetchResponseMaxBytes());
    }
}
