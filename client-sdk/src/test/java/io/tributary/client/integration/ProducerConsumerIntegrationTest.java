package io.tributary.client.integration;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.Header;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.producer.Murmur2;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.RecordMetadata;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Producer and consumer against three real brokers on loopback. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProducerConsumerIntegrationTest {
    static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 3, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    static TributaryProducer<String, String> producer(Map<String, Object> extra) {
        ProducerConfig.Builder b = ProducerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000);
        extra.forEach(b::set);
        return new TributaryProducer<>(b.build(), new StringSerializer(), new StringSerializer());
    }

    static TributaryConsumer<String, String> consumer(Map<String, Object> extra) {
        ConsumerConfig.Builder b = ConsumerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000)
                .fetchMaxWaitMs(100);
        extra.forEach(b::set);
        return new TributaryConsumer<>(b.build(), new StringDeserializer(), new StringDeserializer());
    }

    static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        return tps;
    }

    /** Reads until {@code expected} records arrived or {@code timeoutMs} passed. */
    static List<ConsumerRecord<String, String>> readAll(TributaryConsumer<String, String> consumer, int expected, long timeoutMs) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (out.size() < expected && System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
            records.forEach(out::add);
        }
        return out;
    }

    @Test
    void hundredThousandKeyedRecordsKeepTheirPartitionAndOrderAndNoneIsMissing() throws Exception {
        String topic = "keyed";
        int partitionCount = 6;
        int total = 100_000;
        cluster.createTopic(topic, partitionCount, 1);
        List<Future<RecordMetadata>> futures = new ArrayList<>(total);
        try (TributaryProducer<String, String> producer = producer(Map.of("acks", "all", "linger.ms", 5))) {
            for (int i = 0; i < total; i++) {
                futures.add(producer.send(new ProducerRecord<>(topic, "key-" + (i % 997), Integer.toString(i))));
            }
            producer.flush();
        }
        for (int i = 0; i < total; i++) {
            RecordMetadata md = futures.get(i).get();
            int expected = Murmur2.partitionForKey(("key-" + (i % 997)).getBytes(StandardCharsets.UTF_8), partitionCount);
            assertEquals(expected, md.partition(), "record " + i + " landed where Kafka's partitioner puts its key");
        }
        try (TributaryConsumer<String, String> consumer = consumer(Map.of("max.poll.records", 2_000))) {
            consumer.assign(partitions(topic, partitionCount));
            consumer.seekToBeginning(List.of());
            List<ConsumerRecord<String, String>> records = readAll(consumer, total, 120_000);
            assertEquals(total, records.size(), "every acknowledged record is read exactly once");
            Map<String, Integer> partitionOfKey = new HashMap<>();
            Map<Integer, Integer> lastValueOfPartition = new HashMap<>();
            Map<Integer, Long> lastOffsetOfPartition = new HashMap<>();
            boolean[] seen = new boolean[total];
            for (ConsumerRecord<String, String> r : records) {
                Integer before = partitionOfKey.putIfAbsent(r.key(), r.partition());
                assertTrue(before == null || before == r.partition(), "key " + r.key() + " on two partitions");
                int value = Integer.parseInt(r.value());
                Integer previous = lastValueOfPartition.put(r.partition(), value);
                assertTrue(previous == null || previous < value, "order within partition " + r.partition() + ": " + previous + " then " + value);
                Long previousOffset = lastOffsetOfPartition.put(r.partition(), r.offset());
                assertTrue(previousOffset == null || previousOffset + 1 == r.offset(), "offsets are dense");
                assertTrue(!seen[value], "duplicate value " + value);
                seen[value] = true;
            }
            for (int i = 0; i < total; i++) {
                assertTrue(seen[i], "missing value " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyCodecRoundTripsThroughTheBroker(Compression compression) {
        String topic = "codec-" + compression.configName();
        cluster.createTopic(topic, 2, 1);
        int count = 2_000;
        try (TributaryProducer<String, String> producer = producer(Map.of("compression.type", compression.configName(), "linger.ms", 20))) {
            for (int i = 0; i < count; i++) {
                List<Header> headers = List.of(new Header("i", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
                producer.send(new ProducerRecord<>(topic, null, 1_700_000_000_000L + i, i % 10 == 0 ? null : "k" + i,
                        "value " + i + " " + "x".repeat(i % 50), headers));
            }
            producer.flush();
        }
        try (TributaryConsumer<String, String> consumer = consumer(Map.of())) {
            consumer.assign(partitions(topic, 2));
            consumer.seekToBeginning(List.of());
            List<ConsumerRecord<String, String>> records = readAll(consumer, count, 60_000);
            assertEquals(count, records.size());
            for (ConsumerRecord<String, String> r : records) {
                int i = Integer.parseInt(new String(r.headers().get(0).value(), StandardCharsets.UTF_8));
                assertEquals("value " + i + " " + "x".repeat(i % 50), r.value());
                assertEquals(i % 10 == 0 ? null : "k" + i, r.key());
                assertEquals(1_700_000_000_000L + i, r.timestampMs());
            }
        }
    }

    @Test
    void headersNullsAndTombstonesSurviveTheTrip() {
        String topic = "tombstones";
        cluster.createTopic(topic, 1, 1);
        try (TributaryProducer<String, String> producer = producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, 0, null, "k", null, List.of(new Header("empty", new byte[0]), new Header("null", null))));
            producer.flush();
        }
        try (TributaryConsumer<String, String> consumer = consumer(Map.of("auto.offset.reset", "earliest"))) {
            consumer.assign(partitions(topic, 1));
            ConsumerRecord<String, String> r = readAll(consumer, 1, 30_000).get(0);
            assertEquals("k", r.key());
            assertNull(r.value());
            assertArrayEquals(new byte[0], r.headers().get(0).value());
            assertNull(r.headers().get(1).value());
        }
    }

    @Test
    void bootstrapSurvivesADeadAddressInTheList() throws Exception {
        String topic = "bootstrap-dead";
        cluster.createTopic(topic, 1, 1);
        String withDead = "127.0.0.1:1," + cluster.bootstrap();
        ProducerConfig config = ProducerConfig.builder().bootstrapServers(withDead).requestTimeoutMs(5_000).build();
        try (TributaryProducer<String, String> producer = new TributaryProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                assertTrue(producer.send(new ProducerRecord<>(topic, "v")).get(30, TimeUnit.SECONDS).offset() >= 0);
            }
        }
    }

    @Test
    void acksZeroAndAcksOneDeliverToo() throws Exception {
        String topic = "acks-levels";
        cluster.createTopic(topic, 1, 1);
        try (TributaryProducer<String, String> zero = producer(Map.of("acks", "0"));
             TributaryProducer<String, String> one = producer(Map.of("acks", "1"))) {
            assertEquals(-1, zero.send(new ProducerRecord<>(topic, "fire-and-forget")).get().offset(), "acks=0 gets no offset back");
            zero.flush();
            assertTrue(one.send(new ProducerRecord<>(topic, "leader-acked")).get().offset() >= 0);
        }
        try (TributaryConsumer<String, String> consumer = consumer(Map.of("auto.offset.reset", "earliest"))) {
            consumer.assign(partitions(topic, 1));
            List<String> values = readAll(consumer, 2, 30_000).stream().map(ConsumerRecord::value).toList();
            assertTrue(values.contains("fire-and-forget") && values.contains("leader-acked"), values.toString());
        }
    }
}
