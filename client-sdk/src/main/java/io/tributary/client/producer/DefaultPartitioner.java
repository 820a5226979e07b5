package io.tributary.client.producer;

import io.tributary.client.Cluster;
import io.tributary.client.PartitionInfo;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Keyed records: {@code toPositive(murmur2(keyBytes)) % numPartitions}, as Kafka. Keyless records stick to one
 * partition until its batch is sent (then move to another available one), so they form full batches instead of
 * many small ones (Kafka's KIP-480 sticky partitioning).
 *
 * <p>Thread-safe: the sticky choice per topic lives in a concurrent map updated by compare-and-set.
 */
public class DefaultPartitioner implements Partitioner {
    private final ConcurrentMap<String, Integer> stickyPartitionByTopic = new ConcurrentHashMap<>();
    private final boolean ignoreKeys;

    public DefaultPartitioner() {
        this(false);
    }

    public DefaultPartitioner(boolean ignoreKeys) {
        this.ignoreKeys = ignoreKeys;
    }

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
        if (keyBytes != null && !ignoreKeys) {
            int count = cluster.partitionsForTopic(topic).size();
            return Murmur2.partitionForKey(keyBytes, count);
        }
        Integer sticky = stickyPartitionByTopic.get(topic);
        return sticky != null ? sticky : nextStickyPartition(topic, cluster, -1);
    }

    @Override
    public void onNewBatch(String topic, Cluster cluster, int previousPartition) {
        nextStickyPartition(topic, cluster, previousPartition);
    }

    private int nextStickyPartition(String topic, Cluster cluster, int previousPartition) {
        Integer old = stickyPartitionByTopic.get(topic);
        if (old != null && old != previousPartition) {
            // Another thread already moved on from the previous partition.
            return old;
        }
        List<PartitionInfo> available = cluster.availablePartitionsForTopic(topic);
        List<PartitionInfo> all = cluster.partitionsForTopic(topic);
        List<PartitionInfo> candidates = available.isEmpty() ? all : available;
        int next;
        if (candidates.isEmpty()) {
            next = 0;
        } else if (candidates.size() == 1) {
            next = candidates.get(0).partition();
        } else {
            do {
                next = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())).partition();
            } while (old != null && next == old);
        }
        if (old == null) {
            Integer raced = stickyPartitionByTopic.putIfAbsent(topic, next);
            return raced != null ? raced : next;
        }
        return stickyPartitionByTopic.replace(topic, old, next) ? next : stickyPartitionByTopic.get(topic);
    }
}
