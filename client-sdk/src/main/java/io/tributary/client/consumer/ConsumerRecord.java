package io.tributary.client.consumer;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.Header;
import io.tributary.api.batch.TimestampType;

import java.util.List;

/**
 * One record as read: its identity (topic, partition, offset), timestamp and its type, key, value, headers,
 * and the leader epoch of the batch it came in. Immutable once built (the header list is a copy).
 */
public record ConsumerRecord<K, V>(String topic, int partition, long offset, long timestampMs, TimestampType timestampType,
                                   K key, V value, List<Header> headers, int leaderEpoch, int serializedKeySizeBytes,
                                   int serializedValueSizeBytes) {
    public ConsumerRecord {
        headers = List.copyOf(headers);
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
