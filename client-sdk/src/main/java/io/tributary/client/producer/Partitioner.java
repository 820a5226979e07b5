package io.tributary.client.producer;

import io.tributary.client.Cluster;

/**
 * Chooses a record's partition when the record names none. Must be thread-safe: send() is called from many
 * threads. Named by {@code partitioner.class}; needs a public no-argument constructor.
 */
public interface Partitioner extends AutoCloseable {
    /** @return a partition in [0, partition count of the topic in {@code cluster}) */
    int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster);

    /** Told that the partition it last chose for a keyless record needed a new batch, so a sticky partitioner can move on. */
    default void onNewBatch(String topic, Cluster cluster, int previousPartition) {
    }

    @Override
    default void close() {
    }
}
