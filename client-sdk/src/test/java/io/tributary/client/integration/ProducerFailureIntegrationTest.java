package io.tributary.client.integration;

import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.producer.BufferExhaustedException;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.RecordMetadata;
import io.tributary.client.producer.TributaryProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tributary.client.integration.ProducerConsumerIntegrationTest.producer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Brokers going away under a producer: retries, re-routing, and back-pressure. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProducerFailureIntegrationTest {
    private EmbeddedCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 3, Map.of());
        ProducerConsumerIntegrationTest.cluster = cluster;
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void sendsRetryThroughALeaderRestartAndAllSucceed() throws Exception {
        cluster.createTopic("restart", 1, 1);
        int leader = cluster.leaderOf("restart", 0);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        try (TributaryProducer<String, String> producer = producer(Map.of("acks", "all", "retry.backoff.ms", 100L,
                "delivery.timeout.ms", 60_000L, "request.timeout.ms", 3_000))) {
            for (int i = 0; i < 50; i++) {
                futures.add(producer.send(new ProducerRecord<>("restart", "before-" + i)));
            }
            producer.flush();
            cluster.stopBroker(leader);
            for (int i = 0; i < 50; i++) {
                futures.add(producer.send(new ProducerRecord<>("restart", "during-" + i)));
            }
            Thread.sleep(1_000);
            cluster.startBroker(leader);
            cluster.awaitLeadersKnown("restart", 1);
            producer.flush();
        }
        long previous = -1;
        for (Future<RecordMetadata> f : futures) {
            long offset = f.get().offset();
            assertTrue(offset > previous, "offsets increase in send order");
            previous = offset;
        }
    }

    @Test
    void sendsAreReRoutedWhenLeadershipMovesToAnotherBroker() throws Exception {
        cluster.createTopic("moving", 1, 3);
        int leader = cluster.leaderOf("moving", 0);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        try (TributaryProducer<String, String> producer = producer(Map.of("acks", "1", "retry.backoff.ms", 100L,
                "delivery.timeout.ms", 60_000L, "request.timeout.ms", 3_000))) {
            futures.add(producer.send(new ProducerRecord<>("moving", "first")));
            producer.flush();
            cluster.stopBroker(leader);
            cluster.awaitCondition(() -> {
                int now = cluster.leaderOf("moving", 0);
                return now > 0 && now != leader;
            }, 30_000, "a new leader for moving-0");
            for (int i = 0; i < 20; i++) {
                futures.add(producer.send(new ProducerRecord<>("moving", "after-" + i)));
            }
            producer.flush();
        }
        for (Future<RecordMetadata> f : futures) {
            assertTrue(f.get().offset() >= 0);
        }
    }

    @Test
    void fullBufferBlocksSendThenFailsAfterMaxBlockMs() throws Exception {
        cluster.createTopic("stuck", 1, 1);
        int leader = cluster.leaderOf("stuck", 0);
        try (TributaryProducer<String, String> producer = producer(Map.of("buffer.memory", 16_384L, "batch.size", 4_096,
                "max.block.ms", 500L, "delivery.timeout.ms", 120_000L, "request.timeout.ms", 2_000))) {
            producer.send(new ProducerRecord<>("stuck", "warm-up")).get();
            cluster.stopBroker(leader);
            String value = "x".repeat(1_000);
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            long blockedMs = 0;
            Future<RecordMetadata> failed = null;
            for (int i = 0; i < 100 && failed == null; i++) {
                long start = System.nanoTime();
                Future<RecordMetadata> f = producer.send(new ProducerRecord<>("stuck", value));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                if (f.isDone() && isFailed(f)) {
                    failed = f;
                    blockedMs = tookMs;
                } else {
                    futures.add(f);
                }
            }
            assertTrue(failed != null, "buffer.memory of 16 KiB must run out with the leader down");
            assertTrue(blockedMs >= 450, "send blocked about max.block.ms before failing, took " + blockedMs);
            ExecutionException e = assertThrows(ExecutionException.class, failed::get);
            assertInstanceOf(BufferExhaustedException.class, e.getCause());
            assertTrue(futures.size() >= 10, "records that fit were accepted: " + futures.size());
            cluster.startBroker(leader);
            cluster.awaitLeadersKnown("stuck", 1);
            producer.flush();
            for (Future<RecordMetadata> f : futures) {
                assertTrue(f.get().offset() > 0, "records buffered while the leader was down are delivered after");
            }
        }
    }

    private static boolean isFailed(Future<RecordMetadata> f) {
        try {
            f.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void deliveryTimeoutFailsRecordsWhenTheLeaderNeverComesBack() throws Exception {
        cluster.createTopic("gone", 1, 1);
        int leader = cluster.leaderOf("gone", 0);
        try (TributaryProducer<String, String> producer = producer(Map.of("delivery.timeout.ms", 2_000L, "request.timeout.ms", 1_000,
                "linger.ms", 0L))) {
            producer.send(new ProducerRecord<>("gone", "ok")).get();
            cluster.stopBroker(leader);
            Future<RecordMetadata> f = producer.send(new ProducerRecord<>("gone", "lost"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof io.tributary.api.TributaryException, e.getCause().toString());
        }
        assertEquals(2, cluster.runningBrokers().size());
    }
}
