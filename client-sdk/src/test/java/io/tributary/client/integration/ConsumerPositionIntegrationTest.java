package io.tributary.client.integration;

import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.NoOffsetForPartitionException;
import io.tributary.client.consumer.OffsetAndTimestamp;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.consumer.WakeupException;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tributary.client.integration.ProducerConsumerIntegrationTest.consumer;
import static io.tributary.client.integration.ProducerConsumerIntegrationTest.producer;
import static io.tributary.client.integration.ProducerConsumerIntegrationTest.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** seek, seekToBeginning/End, offsetsForTimes, auto.offset.reset, pause/resume and wakeup against real brokers. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsumerPositionIntegrationTest {
    private static final String TOPIC = "positions";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final long BASE_TIME_MS = 1_700_000_000_000L;
    private static final int COUNT = 100;

    @BeforeAll
    static void start() throws Exception {
        ProducerConsumerIntegrationTest.cluster = EmbeddedCluster.start(1, 2, Map.of());
        ProducerConsumerIntegrationTest.cluster.createTopic(TOPIC, 1, 1);
        try (TributaryProducer<String, String> producer = producer(Map.of("acks", "all"))) {
            for (int i = 0; i < COUNT; i++) {
                // One record per second of event time, so time lookups have exact answers.
                producer.send(new ProducerRecord<>(TOPIC, 0, BASE_TIME_MS + i * 1_000L, "k" + i, "v" + i, null));
            }
            producer.flush();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        ProducerConsumerIntegrationTest.stop();
    }

    @Test
    void earliestResetStartsAtTheFirstRecord() {
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "earliest"))) {
            c.assign(List.of(TP));
            assertEquals(0, c.position(TP));
            List<ConsumerRecord<String, String>> records = readAll(c, COUNT, 30_000);
            assertTrue(records.size() >= COUNT, "read " + records.size());
            for (int i = 0; i < COUNT; i++) {
                assertEquals(i, records.get(i).offset());
                assertEquals("v" + i, records.get(i).value());
            }
            assertEquals("v0", records.get(0).value());
            assertEquals(BASE_TIME_MS, records.get(0).timestampMs());
            assertTrue(c.position(TP) >= COUNT, "position moved past what was read");
        }
    }

    @Test
    void latestResetSeesOnlyNewRecords() {
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "latest"))) {
            c.assign(List.of(TP));
            long end = c.position(TP);
            assertTrue(end >= COUNT, "latest is the high watermark");
            assertTrue(c.poll(Duration.ofMillis(300)).isEmpty());
            try (TributaryProducer<String, String> producer = producer(Map.of())) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "new", "fresh"));
                producer.flush();
            }
            ConsumerRecord<String, String> r = readAll(c, 1, 30_000).get(0);
            assertEquals("fresh", r.value());
            assertEquals(end, r.offset());
        }
    }

    @Test
    void noneResetRefusesToGuessAPosition() {
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "none"))) {
            c.assign(List.of(TP));
            NoOffsetForPartitionException e = assertThrows(NoOffsetForPartitionException.class, () -> c.poll(Duration.ofMillis(200)));
            assertTrue(e.partitions().contains(TP));
            c.seek(TP, 5);
            assertEquals("v5", readAll(c, 1, 30_000).get(0).value());
        }
    }

    @Test
    void seekMovesTheNextRecordAndDiscardsWhatWasFetchedBefore() {
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "earliest", "max.poll.records", 10))) {
            c.assign(List.of(TP));
            ConsumerRecords<String, String> first = ConsumerRecords.empty();
            long deadline = System.currentTimeMillis() + 30_000;
            while (first.isEmpty() && System.currentTimeMillis() < deadline) {
                first = c.poll(Duration.ofMillis(500));
            }
            assertEquals(0, first.iterator().next().offset());
            assertTrue(first.count() <= 10, "max.poll.records bounds one poll: " + first.count());
            c.seek(TP, 50);
            ConsumerRecord<String, String> afterSeek = readAll(c, 1, 30_000).get(0);
            assertEquals(50, afterSeek.offset());
            assertEquals("v50", afterSeek.value());
            c.seek(TP, 10);
            assertEquals(10, readAll(c, 1, 30_000).get(0).offset(), "seeking backwards re-reads");
            c.seekToEnd(List.of(TP));
            assertTrue(c.position(TP) >= COUNT);
            c.seekToBeginning(List.of(TP));
            assertEquals(0, c.position(TP));
        }
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterTheTime() {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            Map<TopicPartition, OffsetAndTimestamp> exact = c.offsetsForTimes(Map.of(TP, BASE_TIME_MS + 30_000));
            assertEquals(30, exact.get(TP).offset());
            assertEquals(BASE_TIME_MS + 30_000, exact.get(TP).timestampMs());
            assertEquals(31, c.offsetsForTimes(Map.of(TP, BASE_TIME_MS + 30_500)).get(TP).offset());
            assertEquals(0, c.offsetsForTimes(Map.of(TP, 0L)).get(TP).offset());
            assertNull(c.offsetsForTimes(Map.of(TP, 4_000_000_000_000L)).get(TP), "no record that new");
            assertEquals(0, c.beginningOffsets(List.of(TP)).get(TP));
            assertTrue(c.endOffsets(List.of(TP)).get(TP) >= COUNT);
        }
    }

    @Test
    void positionPastTheLogFailsWithNoneAndResetsWithEarliest() {
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "none"))) {
            c.assign(List.of(TP));
            c.seek(TP, 1_000_000);
            long deadline = System.currentTimeMillis() + 30_000;
            OffsetOutOfRangeException thrown = null;
            while (thrown == null && System.currentTimeMillis() < deadline) {
                try {
                    c.poll(Duration.ofMillis(300));
                } catch (OffsetOutOfRangeException e) {
                    thrown = e;
                }
            }
            assertInstanceOf(OffsetOutOfRangeException.class, thrown);
            assertEquals(1_000_000, thrown.requestedOffset());
        }
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "earliest"))) {
            c.assign(List.of(TP));
            c.seek(TP, 1_000_000);
            assertEquals(0, readAll(c, 1, 30_000).get(0).offset(), "out of range resets to earliest");
        }
    }

    @Test
    void pausedPartitionsReturnNothingUntilResumed() {
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "earliest"))) {
            c.assign(List.of(TP));
            c.pause(List.of(TP));
            assertEquals(java.util.Set.of(TP), c.paused());
            assertTrue(c.poll(Duration.ofMillis(500)).isEmpty());
            c.resume(List.of(TP));
            assertEquals(0, readAll(c, 1, 30_000).get(0).offset());
        }
    }

    @Test
    void wakeupFromAnotherThreadInterruptsABlockedPoll() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.offset.reset", "latest"))) {
            c.assign(List.of(TP));
            c.poll(Duration.ofMillis(100));
            CompletableFuture.runAsync(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.wakeup();
            });
            long start = System.nanoTime();
            assertThrows(WakeupException.class, () -> c.poll(Duration.ofSeconds(30)));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 10_000);
            assertTrue(c.poll(Duration.ofMillis(10)).isEmpty(), "usable again after the wakeup");
        }
    }
}
