package io.tributary.client.integration;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.metrics.ClientMetrics;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.RecordMetadata;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer's and consumer's metrics against a real broker: the values they report for what the test did (records
 * sent and consumed, lag while behind and after catching up, rebalances, commits), read directly and through a
 * Prometheus registry. Each test uses its own topic and client ids.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientMetricsIntegrationTest {
    /** Fast groups, as in the group tests: no initial rebalance delay, sessions as short as a second. */
    private static final Map<String, Object> BROKER_PROPS = Map.of("group.initial.rebalance.delay.ms", 0,
            "offsets.topic.num.partitions", 1, "group.min.session.timeout.ms", 1_000, "group.consumer.heartbeat.interval.ms", 200);
    static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 1, BROKER_PROPS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static TributaryProducer<String, String> producer(String clientId) {
        return new TributaryProducer<>(ProducerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000)
                .set("client.id", clientId).build(), new StringSerializer(), new StringSerializer());
    }

    private static TributaryConsumer<String, String> consumer(String clientId, Map<String, Object> extra) {
        ConsumerConfig.Builder b = ConsumerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000)
                .set("client.id", clientId).set("fetch.max.wait.ms", 100).set("retry.backoff.ms", 50)
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST);
        extra.forEach(b::set);
        return new TributaryConsumer<>(b.build(), new StringDeserializer(), new StringDeserializer());
    }

    /** The value of {@code name} for the client's own series (labels beyond client_id in {@code moreLabels}, sorted by name). */
    private static double value(ClientMetrics metrics, String name, String moreLabels) {
        String key = name + "{client_id=\"" + metrics.clientId() + "\"" + moreLabels + "}";
        Double v = metrics.values().get(key);
        if (v == null) {
            throw new AssertionError("no " + key + " in " + metrics.values().keySet());
        }
        return v;
    }

    private static double value(ClientMetrics metrics, String name) {
        return value(metrics, name, "");
    }

    private static void await(BooleanSupplier condition, long timeoutMs, String what) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + timeoutMs + " ms: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** Polls until {@code done} holds, collecting records; fails after {@code timeoutMs}. */
    private static List<ConsumerRecord<String, String>> pollUntil(List<TributaryConsumer<String, String>> consumers,
                                                                  BooleanSupplier done, long timeoutMs, String what) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + timeoutMs + " ms: " + what);
            }
            for (TributaryConsumer<String, String> c : consumers) {
                c.poll(Duration.ofMillis(50)).forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void aProducerCountsEachRecordSentOnceTimesItsRequestsAndLeavesTheRegistryOnClose() throws Exception {
        cluster.createTopic("m-produce", 3, 1);
        cluster.awaitLeadersKnown("m-produce", 3);
        PrometheusRegistry registry = new PrometheusRegistry();
        int n = 1_000;
        ClientMetrics metrics;
        try (TributaryProducer<String, String> producer = producer("metrics-producer")) {
            metrics = producer.metrics();
            metrics.registerWith(registry);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(producer.send(new ProducerRecord<>("m-produce", "k" + i, "v" + i)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(n, value(metrics, "tributary_producer_record_send_total"));
            assertEquals(0, value(metrics, "tributary_producer_record_error_total"));
            double retried = value(metrics, "tributary_producer_record_retry_total");
            assertEquals(n + retried, value(metrics, "tributary_producer_records_per_request_sum"),
                    "every request's records are first sends or retries");
            double requests = value(metrics, "tributary_producer_request_latency_seconds_count");
            assertTrue(requests >= 1, "at least one request answered");
            assertEquals(requests, value(metrics, "tributary_producer_records_per_request_count"), "every request was answered");
            double latencySum = value(metrics, "tributary_producer_request_latency_seconds_sum");
            assertTrue(latencySum > 0 && latencySum / requests < 10, "mean latency " + latencySum / requests + " s");
            double batches = value(metrics, "tributary_producer_batch_size_bytes_count");
            assertTrue(batches >= 3, "at least one batch per partition, got " + batches);
            assertTrue(value(metrics, "tributary_producer_batch_size_bytes_sum") > n * 2, "every record's bytes are in some batch");
            assertEquals(0, value(metrics, "tributary_producer_requests_in_flight"));
            double total = value(metrics, "tributary_producer_buffer_total_bytes");
            assertEquals(33_554_432, total, "buffer.memory's default");
            // Memory goes back just after the futures complete, on the sender thread.
            await(() -> value(metrics, "tributary_producer_buffer_available_bytes") == total, 5_000, "buffer memory released");

            assertEquals(n, ClientMetrics.values(registry.scrape()).get("tributary_producer_record_send_total{client_id=\"metrics-producer\"}"),
                    "the application's registry scrapes the same value");

            Future<RecordMetadata> tooLarge = producer.send(new ProducerRecord<>("m-produce", "x".repeat(2 << 20)));
            assertTrue(tooLarge.isDone(), "refused in send(): larger than max.request.size");
            assertEquals(1, value(metrics, "tributary_producer_record_error_total"));
            assertEquals(n, value(metrics, "tributary_producer_record_send_total"), "a refused record was never sent");
        }
        assertEquals(0, registry.scrape().size(), "a closed producer leaves the registry");
        assertEquals(n, value(metrics, "tributary_producer_record_send_total"), "its last values stay readable");
    }

    @Test
    void aConsumerBehindReportsItsLagPerPartitionAndNoneOnceCaughtUp() {
        cluster.createTopic("m-lag", 1, 1);
        cluster.awaitLeadersKnown("m-lag", 1);
        int n = 100;
        long valueBytes = 0;
        try (TributaryProducer<String, String> p = producer("m-lag-producer")) {
            for (int i = 0; i < n; i++) {
                String v = "value-" + i;
                valueBytes += v.getBytes(StandardCharsets.UTF_8).length;
                p.send(new ProducerRecord<>("m-lag", 0, null, v));
            }
            p.flush();
        }
        TopicPartition tp = new TopicPartition("m-lag", 0);
        String partitionLabels = ",partition=\"0\",topic=\"m-lag\"";
        try (TributaryConsumer<String, String> consumer = consumer("metrics-lagging", Map.of("max.poll.records", 10))) {
            ClientMetrics metrics = consumer.metrics();
            assertEquals(-1, value(metrics, "tributary_consumer_last_poll_seconds_ago"), "no poll yet");
            assertTrue(Double.isNaN(value(metrics, "tributary_consumer_records_lag_max")), "no lag known yet");
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertEquals(1, value(metrics, "tributary_consumer_assigned_partitions"));

            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (read.isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "no record within 30 s");
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            assertTrue(read.size() <= 10, "max.poll.records");
            long position = consumer.position(tp);
            assertEquals(n - position, value(metrics, "tributary_consumer_records_lag", partitionLabels),
                    "high watermark " + n + " minus position " + position);
            assertTrue(n - position > 0, "behind after the first poll");
            assertEquals(n - position, value(metrics, "tributary_consumer_records_lag_max"));

            read.addAll(pollUntil(List.of(consumer), () -> consumer.position(tp) >= n, 30_000, "all records"));
            assertEquals(n, read.size());
            assertEquals(n, value(metrics, "tributary_consumer_records_consumed_total"));
            assertEquals(valueBytes, value(metrics, "tributary_consumer_bytes_consumed_total"), "value bytes; the keys are null");
            assertEquals(0, value(metrics, "tributary_consumer_records_lag", partitionLabels), "caught up");
            assertEquals(0, value(metrics, "tributary_consumer_records_lag_max"));
            assertTrue(value(metrics, "tributary_consumer_fetch_latency_seconds_count") >= 1, "fetch responses were timed");
            assertTrue(value(metrics, "tributary_consumer_fetch_size_bytes_sum") >= valueBytes, "every record came in a response");
            double sinceLastPoll = value(metrics, "tributary_consumer_last_poll_seconds_ago");
            assertTrue(sinceLastPoll >= 0 && sinceLastPoll < 10, "polled a moment ago, got " + sinceLastPoll);
            assertTrue(value(metrics, "tributary_consumer_time_between_poll_seconds_count") >= 1);

            consumer.assign(List.of());
            assertEquals(0, value(metrics, "tributary_consumer_assigned_partitions"));
            assertNull(metrics.values().get("tributary_consumer_records_lag{client_id=\"metrics-lagging\"" + partitionLabels + "}"),
                    "an unassigned partition's lag series is dropped");
        }
    }

    @Test
    void joiningAndASecondMembersArrivalCountAsRebalancesAndCommitsAreTimed() {
        cluster.createTopic("m-group", 4, 1);
        cluster.awaitLeadersKnown("m-group", 4);
        Map<String, Object> group = Map.of("group.id", "m-group", "enable.auto.commit", false, "session.timeout.ms", 6_000,
                "heartbeat.interval.ms", 500);
        try (TributaryConsumer<String, String> c1 = consumer("m-group-1", group)) {
            ClientMetrics m1 = c1.metrics();
            c1.subscribe(List.of("m-group"));
            pollUntil(List.of(c1), () -> c1.assignment().size() == 4, 30_000, "c1 owns all four partitions");
            double afterJoin = value(m1, "tributary_consumer_rebalance_total");
            assertTrue(afterJoin >= 1, "joining is a rebalance");
            assertEquals(afterJoin, value(m1, "tributary_consumer_rebalance_latency_seconds_count"));
            assertTrue(value(m1, "tributary_consumer_rebalance_latency_seconds_sum") > 0);
            assertEquals(4, value(m1, "tributary_consumer_assigned_partitions"));

            assertEquals(0, value(m1, "tributary_consumer_commit_latency_seconds_count"));
            c1.commitSync(Map.of(new TopicPartition("m-group", 0), new OffsetAndMetadata(0)));
            assertEquals(1, value(m1, "tributary_consumer_commit_latency_seconds_count"), "one commit call");
            assertTrue(value(m1, "tributary_consumer_commit_latency_seconds_sum") > 0);

            try (TributaryConsumer<String, String> c2 = consumer("m-group-2", group)) {
                c2.subscribe(List.of("m-group"));
                pollUntil(List.of(c1, c2), () -> c1.assignment().size() == 2 && c2.assignment().size() == 2, 30_000,
                        "the partitions split two and two");
                double afterSplit = value(m1, "tributary_consumer_rebalance_total");
                assertTrue(afterSplit > afterJoin, "giving up two partitions is another rebalance: " + afterJoin + " -> " + afterSplit);
                assertEquals(afterSplit, value(m1, "tributary_consumer_rebalance_latency_seconds_count"));
                assertTrue(value(c2.metrics(), "tributary_consumer_rebalance_total") >= 1);
                assertEquals(2, value(c2.metrics(), "tributary_consumer_assigned_partitions"));
                assertFalse(m1.values().containsKey("tributary_consumer_rebalance_total{client_id=\"m-group-2\"}"),
                        "each client reports only its own series");
            }
        }
    }
}
