package io.tributary.broker.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Messages and bytes in and out per topic (Kafka's {@code BrokerTopicMetrics} MessagesInPerSec, BytesInPerSec,
 * BytesOutPerSec), counted by the leader: once per appended batch set and once per partition in a fetch response.
 * The per-topic data points are looked up in a map and kept, so an update is a map read and an atomic add: no lock
 * and no allocation after a topic's first update.
 *
 * <p>Thread-safe.
 */
public final class TopicTraffic {
    private final Counter messagesIn;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final ConcurrentHashMap<String, Points> byTopic = new ConcurrentHashMap<>();
    // Held once: a method reference written at the call site would be a new object per miss.
    private final Function<String, Points> newPoints = this::points;

    private record Points(CounterDataPoint messagesIn, CounterDataPoint bytesIn, CounterDataPoint bytesOut) {
    }

    /** Counters registered in {@code registry}. */
    public TopicTraffic(PrometheusRegistry registry) {
        this.messagesIn = Counter.builder().name("tributary_topic_messages_in_total")
                .help("Records appended by this broker as leader (Kafka: BrokerTopicMetrics MessagesInPerSec)")
                .labelNames("topic").register(registry);
        this.bytesIn = Counter.builder().name("tributary_topic_bytes_in_total")
                .help("Batch bytes appended by this broker as leader (Kafka: BrokerTopicMetrics BytesInPerSec)")
                .labelNames("topic").register(registry);
        this.bytesOut = Counter.builder().name("tributary_topic_bytes_out_total")
                .help("Record bytes sent to consumers by this broker (Kafka: BrokerTopicMetrics BytesOutPerSec)")
                .labelNames("topic").register(registry);
    }

    /** Counters nobody scrapes: for components built without a broker around them (unit tests). */
    public static TopicTraffic unregistered() {
        return new TopicTraffic(new PrometheusRegistry());
    }

    /** A leader appended {@code records} records in {@code bytes} batch bytes to a partition of {@code topic}. */
    public void appended(String topic, int records, int bytes) {
        Points p = of(topic);
        p.messagesIn.inc(records);
        p.bytesIn.inc(bytes);
    }

    /** A fetch response carries {@code bytes} of record bytes of {@code topic}. */
    public void sent(String topic, int bytes) {
        of(topic).bytesOut.inc(bytes);
    }

    /** Drops a deleted topic's series, so that label values stay bounded by the topics that exist. */
    public void forget(String topic) {
        if (byTopic.remove(topic) != null) {
            messagesIn.remove(topic);
            bytesIn.remove(topic);
            bytesOut.remove(topic);
        }
    }

    private Points of(String topic) {
        Points p = byTopic.get(topic);
        return p != null ? p : byTopic.computeIfAbsent(topic, newPoints);
    }

    private Points points(String topic) {
        return new Points(messagesIn.labelValues(topic), bytesIn.labelValues(topic), bytesOut.labelValues(topic));
    }
}
