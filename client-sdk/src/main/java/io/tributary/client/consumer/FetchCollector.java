package io.tributary.client.consumer;

import io.tributary.api.TopicPartition;
import io.tributary.client.consumer.SubscriptionState.PartitionState;
import io.tributary.client.serialization.Deserializer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns buffered records into what one poll() returns: at most {@code max.poll.records}, partitions in serving order,
 * each record deserialized and the partition's position moved past it. Counts them in the consumer's metrics and
 * updates the lag of each partition served (once per partition and poll, not per record).
 *
 * <p>Not thread-safe: the consumer's thread only.
 */
final class FetchCollector<K, V> {
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final int maxPollRecords;
    private final ConsumerMetrics metrics;

    FetchCollector(Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer, int maxPollRecords, ConsumerMetrics metrics) {
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
        this.maxPollRecords = maxPollRecords;
        this.metrics = metrics;
    }

    ConsumerRecords<K, V> collect(SubscriptionState subscriptions, FetchBuffer buffer) {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int remaining = maxPollRecords;
        long bytes = 0;
        for (Map.Entry<TopicPartition, PartitionState> e : subscriptions.all().entrySet()) {
            if (remaining == 0) {
                break;
            }
            PartitionState st = e.getValue();
            if (!st.fetchable()) {
                continue;
            }
            TopicPartition tp = e.getKey();
            int before = remaining;
            FetchBuffer.BufferedRecord r;
            while (remaining > 0 && (r = buffer.poll(st)) != null) {
                if (r.offset() < st.position) {
                    continue;
                }
                K key = keyDeserializer.deserialize(tp.topic(), r.key());
                V value = valueDeserializer.deserialize(tp.topic(), r.value());
                out.computeIfAbsent(tp, k -> new ArrayList<>()).add(new ConsumerRecord<>(tp.topic(), tp.partition(), r.offset(),
                        r.timestampMs(), r.timestampType(), key, value, r.headers(), r.leaderEpoch(),
                        r.key() == null ? -1 : r.key().length, r.value() == null ? -1 : r.value().length));
                st.position = r.offset() + 1;
                st.positionEpoch = r.leaderEpoch();
                bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                remaining--;
            }
            if (remaining != before) {
                subscriptions.updateLag(tp, st);
            }
        }
        if (remaining != maxPollRecords) {
            metrics.consumed(maxPollRecords - remaining, bytes);
        }
        subscriptions.updateLagMax();
        subscriptions.rotate();
        return out.isEmpty() ? ConsumerRecords.empty() : new ConsumerRecords<>(out);
    }

    void close() {
        keyDeserializer.close();
        valueDeserializer.close();
    }
}
