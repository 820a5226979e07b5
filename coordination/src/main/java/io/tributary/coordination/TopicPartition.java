package io.tributary.coordination;

import java.util.Objects;

/**
 * A partition of a topic. Immutable and thread-safe.
 *
 * @param topic     the topic name
 * @param partition the partition index, from 0
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {
    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
    }

    @Override
    public int compareTo(TopicPartition other) {
        int byTopic = topic.compareTo(other.topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
    }

    /** Kafka's spelling, {@code topic-partition}, which is also the partition's log directory name. */
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
