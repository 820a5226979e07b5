package io.tributary.broker.server;

import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} of real brokers, asserting values rather than names: messages and bytes in equal what was produced,
 * a stopped follower makes the leader's under-replicated count rise and fall back once it rejoins, and the active
 * controller count sums to 1 over the cluster.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BrokerMetricsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static String scrape(EmbeddedCluster c, int broker) throws Exception {
        int port = c.broker(broker).metricsPort();
        assertTrue(port > 0, "broker " + broker + " serves /metrics");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** The value of the one sample {@code name{labels}}, or NaN when the scrape has none. */
    static double value(String scrape, String sample) {
        Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static ByteBuffer batch(int records) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    private static double sum(EmbeddedCluster c, String sample) throws Exception {
        double total = 0;
        for (int id : c.runningBrokers().keySet()) {
            total += value(scrape(c, id), sample);
        }
        return total;
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
            c.stopBroker(follower);
            c.awaitCondition(() -> metric(c, leader, "tributary_server_under_replicated_partitions") == 1, 30_000,
                    "the leader reporting metered-0 under-replicated after broker " + follower + " stopped");
            c.startBroker(follower);
            c.awaitCondition(() -> metric(c, leader, "tributary_server_under_replicated_partitions") == 0, 60_000,
                    "metered-0 fully replicated again after broker " + follower + " rejoined");

            // A controller failover: the sum is 1 again once a new controller is elected.
            int controller = c.runningBrokers().keySet().stream()
                    .filter(id -> metric(c, id, "tributary_controller_active_controller_count") == 1).findFirst().orElseThrow();
            c.stopBroker(controller);
            c.awaitCondition(() -> {
                try {
                    return sum(c, "tributary_controller_active_controller_count") == 1;
                } catch (Exception e) {
                    return false;
                }
            }, 60_000, "one active controller after broker " + controller + " stopped");
        }
    }

    private static double metric(EmbeddedCluster c, int broker, String sample) {
        try {
            return value(scrape(c, broker), sample);
        } catch (Exception e) {
            throw new AssertionError("scraping broker " + broker, e);
        }
    }
}
