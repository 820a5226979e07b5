package io.tributary.client.consumer;

import io.tributary.api.TopicPartition;

import java.util.Map;

/**
 * Outcome of a {@link TributaryConsumer#commitAsync} commit. Runs on the consumer's thread during a later poll(),
 * commitSync() or close(), in the order the commits were made.
 */
@FunctionalInterface
public interface OffsetCommitCallback {
    /**
     * @param offsets what was (or was meant to be) committed
     * @param exception null on success; {@link CommitFailedException} when the group rebalanced and the partitions may
     *     have moved; {@link RetriableCommitFailedException} when a later commit may succeed; otherwise the error
     */
    void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception exception);
}
