package io.tributary.client.consumer;

import io.tributary.api.TopicPartition;

import java.util.Collection;

/**
 * Told when a group-managed consumer ({@link TributaryConsumer#subscribe}) gains or loses partitions. Every callback
 * runs on the thread calling {@link TributaryConsumer#poll} (or {@code unsubscribe}/{@code close}), inside that call,
 * so it may use the consumer (commitSync, seek, position) but must not take long: the coordinator hands a revoked
 * partition to its next owner only after this consumer acknowledges giving it up, which happens after
 * {@link #onPartitionsRevoked} returns.
 *
 * <p>Order within one rebalance step: {@link #onPartitionsRevoked} (only when something is revoked; with
 * {@code enable.auto.commit} the revoked partitions' positions were committed just before), then
 * {@link #onPartitionsAssigned} (called for every assignment the consumer applies, with an empty collection when it
 * gains nothing, like Kafka's cooperative protocol). A partition's records are never returned by poll() after its
 * revocation.
 *
 * <p>An exception thrown by a callback is logged, the rebalance step still completes, and the first such exception is
 * rethrown from the poll() that ran the callback.
 */
public interface ConsumerRebalanceListener {
    /** These partitions are being taken away; commit what was processed of them now if you commit manually. */
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    /** These partitions were added; their positions come from committed offsets (or auto.offset.reset) unless you seek here. */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /**
     * These partitions were already given to other members (this member was removed from the group: session
     * timeout, max.poll.interval.ms exceeded, or fenced), so committing them would fail. Defaults to
     * {@link #onPartitionsRevoked}, as in Kafka.
     */
    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
