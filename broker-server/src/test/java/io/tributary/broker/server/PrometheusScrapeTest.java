package io.tributary.broker.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.testing.StablePorts;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Prometheus (Debian's {@code prometheus} package) scrapes a 3-broker cluster with the alert rules shipped in
 * {@code deploy/prometheus/alerts.yml}: a query for a stopped group's lag returns what the test left behind, exactly
 * one controller is active, and stopping a follower puts the under-replicated alert into pending for the leader
 * (its {@code for} then decides when it fires). Skipped, saying what to install, where Prometheus is missing.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PrometheusScrapeTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void prometheusScrapesTheClusterAndEvaluatesLagAndTheUnderReplicatedAlert(@TempDir Path dir) throws Exception {
        String prometheus = ExampleProcesses.findOnPath("prometheus");
        assumeTrue(prometheus != null, "prometheus is not installed (apt-get install prometheus); skipping the real-Prometheus test");
        Path rules = repositoryFile("deploy/prometheus/alerts.yml");

        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, Map.of("metrics.port", 0, "replica.lag.time.max.ms", 2_000L,
                "metrics.consumer.lag.refresh.ms", 200L, "offsets.topic.num.partitions", 3))) {
            c.createTopic("watched", 1, 3);
            int leader = c.leaderOf("watched", 0);
            RecordBatchBuilder b = RecordBatchBuilder.create();
            for (int i = 0; i < 40; i++) {
                b.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
            }
            PartitionProduceResult produced = TestClients.produce(c.channel(leader), "watched", 0, b.build(), -1);
            assertTrue(produced.getError().getCode().isEmpty(), produced.getError().toString());
            TestClients.commitOffsets(c, "dashboard-group", "watched", 15);

            String targets = c.runningBrokers().keySet().stream()
                    .map(id -> "'127.0.0.1:" + c.broker(id).metricsPort() + "'").collect(Collectors.joining(", "));
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files:
                      - %s
                    scrape_configs:
                      - job_name: tributary
                        static_configs:
                          - targets: [%s]
                    """.formatted(rules, targets));
            int port = StablePorts.next();
            Path log = dir.resolve("prometheus.log");
            Process p = new ProcessBuilder(prometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + port, "--log.level=warn").redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try {
                String base = "http://127.0.0.1:" + port;
                awaitQuery(base, "count(up{job=\"tributary\"} == 1)", 3, p, log, "all three brokers scraped");
                awaitQuery(base, "sum(tributary_consumergroup_lag_sum{group=\"dashboard-group\",topic=\"watched\"})", 25, p, log,
                        "the stopped group's lag: 40 produced - 15 committed");
                awaitQuery(base, "sum(tributary_controller_active_controller_count)", 1, p, log, "exactly one active controller");
                assertEquals(0, alerts(base, "TributaryUnderReplicatedPartitions").size(), "no under-replicated alert yet");

                int follower = c.runningBrokers().keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
                c.stopBroker(follower);
                // watched-0 and the __consumer_offsets partitions the follower held: each leader alerts for its own.
                awaitQuery(base, "sum(tributary_server_under_replicated_partitions) > bool 0", 1, p, log, "under-replicated partitions");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                List<JsonNode> active = List.of();
                while (System.nanoTime() < deadline && active.isEmpty()) {
                    active = alerts(base, "TributaryUnderReplicatedPartitions");
                    Thread.sleep(500);
                }
                String leaderInstance = "127.0.0.1:" + c.broker(leader).metricsPort();
                assertTrue(active.stream().anyMatch(a -> leaderInstance.equals(a.path("labels").path("instance").asText())),
                        "the under-replicated alert is active for watched-0's leader " + leaderInstance + ": " + active);
                for (JsonNode a : active) {
                    assertTrue(List.of("pending", "firing").contains(a.path("state").asText()), active.toString());
                }
            } finally {
                // Stops exactly the Prometheus this test started, by its handle.
                p.destroy();
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Waits until the instant query's single value equals {@code expected}. */
    private static void awaitQuery(String base, String query, double expected, Process p, Path log, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("prometheus exited with " + p.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                JsonNode result = get(base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))
                        .path("data").path("result");
                last = result.toString();
                if (result.size() == 1 && Double.parseDouble(result.get(0).path("value").get(1).asText()) == expected) {
                    return;
                }
            } catch (IOException notUpYet) {
                last = notUpYet.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError(what + ": " + query + " did not return " + expected + " within 60 s; last " + last
                + "\n" + Files.readString(log));
    }

    private static List<JsonNode> alerts(String base, String name) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode a : get(base + "/api/v1/alerts").path("data").path("alerts")) {
            if (name.equals(a.path("labels").path("alertname").asText())) {
                out.add(a);
            }
        }
        return out;
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + " from " + url + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** A file of the repository, found above the working directory (the module's, under Maven). */
    private static Path repositoryFile(String relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
