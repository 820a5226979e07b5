package io.tributary.broker.server;

import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.CreateTopicsResponse;
import io.tributary.api.v1.NewTopic;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.Scrapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tributary.broker.testing.Scrapes.scrape;
import static io.tributary.broker.testing.Scrapes.sum;
import static io.tributary.broker.testing.Scrapes.value;
import static io.tributary.broker.testing.Scrapes.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} of real brokers, asserting values rather than names: messages and bytes in equal what was produced,
 * request counts and errors follow the requests sent, a stopped follower makes the leader's under-replicated count
 * and ISR shrinks rise and fall back (with an expansion) once it rejoins, and the active controller count sums to 1
 * over the cluster, also after a controller failover.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BrokerMetricsTest {
    private static ByteBuffer batch(int records) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    @Test
    void scrapedValuesFollowTrafficReplicationAndTheController() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, Map.of("metrics.port", 0, "replica.lag.time.max.ms", 2_000L))) {
            c.createTopic("metered", 1, 3);
            int leader = c.leaderOf("metered", 0);
            int bytes = 0;
            for (int i = 0; i < 5; i++) {
                ByteBuffer b = batch(20);
                bytes += b.remaining();
                PartitionProduceResult r = TestClients.produce(c.channel(leader), "metered", 0, b, -1);
                assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
            }
            int fetched = 0;
            try (TestClients.Fetcher f = new TestClients.Fetcher(c.channel(leader), TestClients.Fetcher.session("metered", 0, 0).build())) {
                while (fetched < bytes) {
                    fetched += f.next(10_000).getPartitions(0).getRecords().size();
                    f.credit(1);
                }
            }
            assertEquals(bytes, fetched, "a consumer reads back the stored batches byte for byte");
            String leaderScrape = scrape(c, leader);
            assertEquals(fetched, value(leaderScrape, "tributary_topic_bytes_out_total{topic=\"metered\"}"), leaderScrape);
            assertEquals(100, value(leaderScrape, "tributary_topic_messages_in_total{topic=\"metered\"}"), leaderScrape);
            assertEquals(bytes, value(leaderScrape, "tributary_topic_bytes_in_total{topic=\"metered\"}"));
            assertEquals(100, value(leaderScrape, "tributary_log_end_offset{partition=\"0\",topic=\"metered\"}"));
            assertEquals(1, value(leaderScrape, "tributary_server_leaders"));
            assertEquals(0, value(leaderScrape, "tributary_server_under_replicated_partitions"));
            assertTrue(value(leaderScrape, "jvm_memory_used_bytes{area=\"heap\"}") > 0, "JVM metrics are there");
            assertTrue(value(leaderScrape, "process_open_fds") > 0, "process metrics are there");
            HttpResponse<String> openMetrics = Scrapes.scrape(c, leader, "application/openmetrics-text; version=1.0.0");
            assertTrue(openMetrics.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"),
                    openMetrics.headers().toString());
            assertTrue(openMetrics.body().endsWith("# EOF\n"), "an OpenMetrics exposition ends with # EOF");

            // Requests: 5 produce requests, all fine; one fetch session; followers fetching.
            assertEquals(5, value(leaderScrape, "tributary_requests_total{request=\"Produce\"}"), leaderScrape);
            assertEquals(5, value(leaderScrape, "tributary_request_duration_seconds_count{request=\"Produce\"}"));
            assertEquals(5, value(leaderScrape, "tributary_request_remote_duration_seconds_count{request=\"Produce\"}"),
                    "acks=all requests waited for the ISR");
            assertTrue(Double.isNaN(value(leaderScrape, "tributary_request_errors_total{error=\"NOT_LEADER_OR_FOLLOWER\",request=\"Produce\"}")));
            assertTrue(value(leaderScrape, "tributary_requests_total{request=\"FetchConsumer\"}") >= 1);
            assertTrue(value(leaderScrape, "tributary_requests_total{request=\"FetchFollower\"}") >= 2, "two followers fetch");
            assertTrue(value(leaderScrape, "tributary_request_executor_busy_seconds_total{pool=\"request\"}") > 0);
            assertTrue(value(leaderScrape, "tributary_request_executor_threads{pool=\"request\"}") >= 1);
            assertEquals(1, value(leaderScrape, "tributary_zookeeper_connected"));
            assertTrue(value(leaderScrape, "tributary_zookeeper_request_duration_seconds_count") > 0, "ZooKeeper latency observed");
            assertEquals(1, values(leaderScrape, "tributary_log_dir_free_bytes").size(), "one log directory");
            assertTrue(values(leaderScrape, "tributary_log_dir_free_bytes").get(0) > 0);

            // A produce to a partition that does not exist, and one to a follower: errors by name.
            int aFollower = c.runningBrokers().keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
            assertEquals("UNKNOWN_TOPIC_OR_PARTITION", TestClients.produce(c.channel(leader), "metered", 7, batch(1), 1).getError().getCode());
            assertEquals("NOT_LEADER_OR_FOLLOWER", TestClients.produce(c.channel(aFollower), "metered", 0, batch(1), 1).getError().getCode());
            assertEquals(1, value(c, leader, "tributary_request_errors_total{error=\"UNKNOWN_TOPIC_OR_PARTITION\",request=\"Produce\"}"));
            assertEquals(1, value(c, aFollower, "tributary_request_errors_total{error=\"NOT_LEADER_OR_FOLLOWER\",request=\"Produce\"}"));
            // A unary RPC, counted at the transport's edge with the error its response carries (the test's own topic
            // creation may have gone to this broker too: count from here).
            String before = scrape(c, leader);
            double createsBefore = zeroIfAbsent(value(before, "tributary_requests_total{request=\"CreateTopics\"}"));
            double timedBefore = zeroIfAbsent(value(before, "tributary_request_duration_seconds_count{request=\"CreateTopics\"}"));
            CreateTopicsResponse created = AdminGrpc.newBlockingStub(c.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .createTopics(CreateTopicsRequest.newBuilder().addTopics(NewTopic.newBuilder().setName("bad name!")
                            .setNumPartitions(1).setReplicationFactor(1)).build());
            String error = created.getTopics(0).getError().getCode();
            assertEquals("INVALID_TOPIC_EXCEPTION", error);
            String after = scrape(c, leader);
            assertEquals(createsBefore + 1, value(after, "tributary_requests_total{request=\"CreateTopics\"}"), after);
            assertEquals(1, value(after, "tributary_request_errors_total{error=\"" + error + "\",request=\"CreateTopics\"}"), after);
            assertEquals(timedBefore + 1, value(after, "tributary_request_duration_seconds_count{request=\"CreateTopics\"}"));
            assertEquals(1, sum(c, "tributary_controller_active_controller_count"), "exactly one active controller");
            // Followers replicate but do not count the records as "in": Kafka's MessagesInPerSec is the leader's.
            for (int id : c.runningBrokers().keySet()) {
                if (id != leader) {
                    String s = scrape(c, id);
                    assertTrue(Double.isNaN(value(s, "tributary_topic_messages_in_total{topic=\"metered\"}")), s);
                    assertEquals(1, value(s, "tributary_server_partitions"));
                }
            }

            int follower = c.runningBrokers().keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
            // Relative to before: under load a follower may also lag briefly on its own, which is a real shrink too.
            double shrinksBefore = value(c, leader, "tributary_server_isr_shrinks_total");
            double expandsBefore = value(c, leader, "tributary_server_isr_expands_total");
            c.stopBroker(follower);
            c.awaitCondition(() -> value(c, leader, "tributary_server_under_replicated_partitions") == 1, 30_000,
                    "the leader reporting metered-0 under-replicated after broker " + follower + " stopped");
            assertTrue(value(c, leader, "tributary_server_isr_shrinks_total") >= shrinksBefore + 1, "the stopped follower left the ISR");
            c.startBroker(follower);
            c.awaitCondition(() -> value(c, leader, "tributary_server_under_replicated_partitions") == 0, 60_000,
                    "metered-0 fully replicated again after broker " + follower + " rejoined");
            assertTrue(value(c, leader, "tributary_server_isr_expands_total") >= expandsBefore + 1, "it came back into the ISR");
            assertEquals(0, value(c, follower, "tributary_replica_fetcher_max_lag"), "the rejoined follower caught up");

            // A controller failover: the sum is 1 again once a new controller is elected.
            int controller = c.runningBrokers().keySet().stream()
                    .filter(id -> value(c, id, "tributary_controller_active_controller_count") == 1).findFirst().orElseThrow();
            c.stopBroker(controller);
            c.awaitCondition(() -> sum(c, "tributary_controller_active_controller_count") == 1, 60_000, "one active controller after broker " + controller + " stopped");
        }
    }

    /**
     * A group that stopped mid-topic: the coordinator reports lag = high watermark - committed per partition, for
     * partitions it leads and for those led elsewhere (ends fetched from their leaders), and their sum; it is the only
     * broker reporting the group.
     */
    @Test
    void consumerLagFromTheCoordinatorIsLogEndMinusCommitted() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, Map.of("metrics.port", 0, "metrics.consumer.lag.refresh.ms", 200L,
                "offsets.topic.replication.factor", 1, "offsets.topic.num.partitions", 3))) {
            c.createTopic("lagged", 3, 1);
            long[] ends = {30, 20, 10};
            for (int p = 0; p < 3; p++) {
                PartitionProduceResult r = TestClients.produce(c.channel(c.leaderOf("lagged", p)), "lagged", p, batch((int) ends[p]), -1);
                assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
            }
            long[] committed = {10, 20, 0};
            String group = "stopped-mid-topic";
            int coordinator = TestClients.commitOffsets(c, group, "lagged", committed);

            String labels = "group=\"" + group + "\",partition=\"%d\",topic=\"lagged\"";
            c.awaitCondition(() -> {
                String s = scrape(c, coordinator);
                for (int p = 0; p < 3; p++) {
                    if (value(s, "tributary_consumergroup_lag{" + labels.formatted(p) + "}") != ends[p] - committed[p]) {
                        return false;
                    }
                }
                return true;
            }, 30_000, "lag of every partition on coordinator " + coordinator);
            String s = scrape(c, coordinator);
            for (int p = 0; p < 3; p++) {
                assertEquals(committed[p], value(s, "tributary_consumergroup_current_offset{" + labels.formatted(p) + "}"), s);
            }
            assertEquals(30, value(s, "tributary_consumergroup_lag_sum{group=\"" + group + "\",topic=\"lagged\"}"), s);
            assertEquals(0, value(s, "tributary_consumergroup_members{group=\"" + group + "\"}"));
            assertEquals(1, value(s, "tributary_consumergroup_state{group=\"" + group + "\",state=\"Empty\"}"));
            assertEquals(30, sum(c, "tributary_consumergroup_lag_sum{group=\"" + group + "\",topic=\"lagged\"}"),
                    "only the coordinator reports the group");
        }
    }

    private static double zeroIfAbsent(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
