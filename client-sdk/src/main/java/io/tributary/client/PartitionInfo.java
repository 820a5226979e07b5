package io.tributary.client;

import io.tributary.api.TopicPartition;

import java.util.List;

/**
 * Where one partition lives: its leader (-1 when offline), the leader epoch, replicas (first = preferred
 * leader), the in-sync replicas and the replicas whose broker is down. Immutable.
 */
public record PartitionInfo(String topic, int partition, int leaderId, int leaderEpoch, List<Integer> replicas,
                            List<Integer> isr, List<Integer> offlineReplicas) {
    public PartitionInfo {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        offlineReplicas = List.copyOf(offlineReplicas);
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    public boolean hasLeader() {
        return leaderId >= 0;
    }
}
