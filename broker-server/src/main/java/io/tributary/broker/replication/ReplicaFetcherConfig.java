package io.tributary.broker.replication;

/**
 * What the follower's fetchers take from the broker's configuration (Kafka's names). Immutable.
 *
 * @param backoffMs         pause after a failed fetch or an error ({@code replica.fetch.backoff.ms})
 * @param waitMaxMs         how long the leader may hold a fetch with no new data ({@code replica.fetch.wait.max.ms})
 * @param partitionMaxBytes bytes per partition per fetch ({@code replica.fetch.max.bytes})
 * @param responseMaxBytes  bytes per fetch response ({@code replica.fetch.response.max.bytes})
 */
public record ReplicaFetcherConfig(long backoffMs, int waitMaxMs, int partitionMaxBytes, int responseMaxBytes) {
}
