package io.tributary.client.consumer.group;

import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.ConsumerRebalanceListener;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * What the group integration tests share: a three-broker cluster tuned for fast group tests, clients, a listener that
 * records its calls, and bounded polling of several consumers from one thread (each consumer is still used by one
 * thread at a time).
 */
final class GroupTestSupport {
    /** Fast groups: no initial rebalance delay, few offsets partitions, sessions as short as a second. */
    static final Map<String, Object> BROKER_PROPS = Map.of("group.initial.rebalance.delay.ms", 0, "offsets.topic.num.partitions", 3,
            "group.min.session.timeout.ms", 1_000, "group.consumer.heartbeat.interval.ms", 200);

    private GroupTestSupport() {
    }

    static EmbeddedCluster startCluster() throws Exception {
        return EmbeddedCluster.start(1, 3, BROKER_PROPS);
    }

    static TributaryProducer<String, String> producer(EmbeddedCluster cluster) {
        return new TributaryProducer<>(ProducerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000).build(),
                new StringSerializer(), new StringSerializer());
    }

    /** Appends {@code count} records to each partition of {@code topic}: values "p{partition}-{i}". */
    static void produce(EmbeddedCluster cluster, String topic, int partitions, int count) {
        try (TributaryProducer<String, String> p = producer(cluster)) {
            for (int part = 0; part < partitions; part++) {
                for (int i = 0; i < count; i++) {
                    p.send(new ProducerRecord<>(topic, part, null, "p" + part + "-" + i));
                }
            }
            p.flush();
        }
    }

    static TributaryConsumer<String, String> consumer(EmbeddedCluster cluster, String group, Map<String, Object> extra) {
        ConsumerConfig.Builder b = ConsumerConfig.builder().bootstrapServers(cluster.bootstrap()).groupId(group)
                .requestTimeoutMs(10_000).autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).sessionTimeoutMs(6_000)
                .heartbeatIntervalMs(500).set("fetch.max.wait.ms", 100).set("retry.backoff.ms", 50);
        extra.forEach(b::set);
        return new TributaryConsumer<>(b.build(), new StringDeserializer(), new StringDeserializer());
    }

    static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    /**
     * Polls every consumer in turn (short polls) until {@code done} holds, collecting the records; fails after
     * {@code timeoutMs}.
     */
    static List<ConsumerRecord<String, String>> pollUntil(List<TributaryConsumer<String, String>> consumers, BooleanSupplier done,
                                                          long timeoutMs, String what) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not reached within " + timeoutMs + " ms: " + what);
            }
            for (TributaryConsumer<String, String> c : consumers) {
                c.poll(Duration.ofMillis(50)).forEach(out::add);
            }
        }
        return out;
    }

    /** Records every listener call as "revoked [t-0, t-1]" and the like. Thread-safe. */
    static final class RecordingListener implements ConsumerRebalanceListener {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            calls.add("revoked " + new TreeSet<>(partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            calls.add("assigned " + new TreeSet<>(partitions));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            calls.add("lost " + new TreeSet<>(partitions));
        }
    }
}
