package io.tributary.client.producer;

import io.tributary.api.TopicPartition;

/**
 * Where an acknowledged record landed. {@code offset} is -1 with acks=0 (no answer comes back);
 * {@code timestampMs} is the broker's append time under LogAppendTime, else the record's own. Immutable.
 */
public record RecordMetadata(TopicPartition topicPartition, long offset, long timestampMs, int serializedKeySizeBytes,
                             int serializedValueSizeBytes) {
    public String topic() {
        return topicPartition.topic();
    }

    public int partition() {
        return topicPartition.partition();
    }

    public boolean hasOffset() {
        return offset >= 0;
    }
}
