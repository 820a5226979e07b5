package io.tributary.client.producer;

import io.tributary.api.batch.Header;

import java.util.List;
import java.util.Objects;

/**
 * One record to send. {@code partition} null lets the partitioner choose; {@code timestampMs} null means the
 * send time; {@code key}, {@code value} may be null (a null value is a tombstone). Immutable.
 */
public record ProducerRecord<K, V>(String topic, Integer partition, Long timestampMs, K key, V value, List<Header> headers) {
    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
        if (timestampMs != null && timestampMs < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0, got " + timestampMs);
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public ProducerRecord(String topic, K key, V value) {
        this(topic, null, null, key, value, null);
    }

    public ProducerRecord(String topic, V value) {
        this(topic, null, null, null, value, null);
    }

    public ProducerRecord(String topic, Integer partition, K key, V value) {
        this(topic, partition, null, key, value, null);
    }
}
