package io.tributary.client.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.tools.ConfigsCommand;
import io.tributary.client.tools.ConsoleConsumer;
import io.tributary.client.tools.ConsoleProducer;
import io.tributary.client.tools.ConsumerPerformance;
import io.tributary.client.tools.ProducerPerformance;
import io.tributary.client.tools.ToolCommand;
import io.tributary.client.tools.TopicsCommand;
import io.tributary.client.tools.VerifiableConsumer;
import io.tributary.client.tools.VerifiableProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line tools run through their main entry point (in-process), checking output and exit codes. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ToolsIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static EmbeddedCluster cluster;

    record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 2, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        cluster.close();
    }

    static Run run(Supplier<ToolCommand> tool, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ToolCommand.execute(tool.get(), args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String[] with(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = cluster.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    @Test
    void topicsToolCreatesListsDescribesAltersAndDeletes() {
        Run create = run(TopicsCommand::new, "", with("--create", "--topic", "cli-topics", "--partitions", "2", "--replication-factor", "2"));
        assertEquals(0, create.exitCode(), create.err());
        assertEquals("Created topic cli-topics.\n", create.out());
        cluster.awaitLeadersKnown("cli-topics", 2);
        Run list = run(TopicsCommand::new, "", with("--list"));
        assertEquals(0, list.exitCode());
        assertTrue(list.outLines().contains("cli-topics"), list.out());
        Run describe = run(TopicsCommand::new, "", with("--describe", "--topic", "cli-topics"));
        assertEquals(0, describe.exitCode(), describe.err());
        assertTrue(describe.out().contains("Topic: cli-topics\tTopicId: "), describe.out());
        assertTrue(describe.out().contains("PartitionCount: 2\tReplicationFactor: 2"), describe.out());
        assertTrue(describe.out().matches("(?s).*\tTopic: cli-topics\tPartition: 1\tLeader: \\d+\tReplicas: \\d,\\d\tIsr: \\d.*"), describe.out());
        Run alter = run(TopicsCommand::new, "", with("--alter", "--topic", "cli-topics", "--partitions", "3"));
        assertEquals(0, alter.exitCode(), alter.err());
        Run delete = run(TopicsCommand::new, "", with("--delete", "--topic", "cli-topics"));
        assertEquals(0, delete.exitCode(), delete.err());
    }

    @Test
    void failuresExitNonZeroWithOneLineAndNoStackTrace() {
        cluster.createTopic("cli-exists", 1, 1);
        Run exists = run(TopicsCommand::new, "", with("--create", "--topic", "cli-exists", "--partitions", "1", "--replication-factor", "1"));
        assertEquals(1, exists.exitCode());
        assertEquals(1, exists.err().lines().count(), exists.err());
        assertTrue(exists.err().startsWith("Error: ") && exists.err().contains("TOPIC_ALREADY_EXISTS"), exists.err());
        Run ifNotExists = run(TopicsCommand::new, "", with("--create", "--topic", "cli-exists", "--if-not-exists"));
        assertEquals(0, ifNotExists.exitCode(), ifNotExists.err());

        Run verbose = run(TopicsCommand::new, "", with("--create", "--topic", "cli-exists", "--verbose"));
        assertEquals(1, verbose.exitCode());
        assertTrue(verbose.err().contains("\tat "), "--verbose prints the stack trace");

        Run badFlag = run(TopicsCommand::new, "", with("--list", "--no-such-flag"));
        assertEquals(2, badFlag.exitCode());
        assertTrue(badFlag.err().contains("Unknown option: '--no-such-flag'"), badFlag.err());
        Run noAction = run(TopicsCommand::new, "", with());
        assertEquals(2, noAction.exitCode());

        Run unknownTopic = run(ConsoleConsumer::new, "", with("--topic", "no-such-topic", "--max-messages", "1"));
        assertEquals(1, unknownTopic.exitCode());
        assertTrue(unknownTopic.err().contains("unknown topic 'no-such-topic'"), unknownTopic.err());
        assertFalse(unknownTopic.err().contains("\tat "));
        // The perf consumer checks with its own consumer's metadata, not an admin client: same answer, at once.
        Run unknownPerfTopic = run(ConsumerPerformance::new, "", with("--topic", "no-such-topic", "--messages", "1"));
        assertEquals(1, unknownPerfTopic.exitCode());
        assertTrue(unknownPerfTopic.err().contains("unknown topic 'no-such-topic'"), unknownPerfTopic.err());
    }

    /** A loopback port that nothing listens on (bound, then released). */
    static int refusedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aBootstrapAddressWhereNothingListensIsNamedAtOnceByEveryTool() throws Exception {
        String address = "127.0.0.1:" + refusedPort();
        String expected = "could not connect to any bootstrap server: " + address + " (connection refused)";
        List<Supplier<ToolCommand>> tools = List.of(TopicsCommand::new, ConsoleProducer::new, ConsoleConsumer::new,
                io.tributary.client.tools.ConsumerGroupsCommand::new, ProducerPerformance::new, ConsumerPerformance::new);
        List<String[]> args = List.of(new String[] {"--list"}, new String[] {"--topic", "t"}, new String[] {"--topic", "t"},
                new String[] {"--list"}, new String[] {"--topic", "t", "--num-records", "1", "--record-size", "10", "--throughput", "-1"},
                new String[] {"--topic", "t", "--messages", "1"});
        for (int i = 0; i < tools.size(); i++) {
            String[] all = new String[args.get(i).length + 2];
            all[0] = "--bootstrap-server";
            all[1] = address;
            System.arraycopy(args.get(i), 0, all, 2, args.get(i).length);
            long start = System.nanoTime();
            Run r = run(tools.get(i), "x\n", all);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(1, r.exitCode(), String.join(" ", all) + ": " + r.err());
            assertTrue(r.err().contains(expected), String.join(" ", all) + ": " + r.err());
            assertTrue(tookMs < 3_000, String.join(" ", all) + " took " + tookMs + " ms");
        }
    }

    @Test
    void anUnknownBootstrapHostIsNamedAtOnce() {
        // .invalid never resolves (RFC 6761); a resolver answers that without asking anyone upstream.
        long start = System.nanoTime();
        Run r = run(TopicsCommand::new, "", "--bootstrap-server", "no-such-host.invalid:9092", "--list");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("could not connect to any bootstrap server: no-such-host.invalid:9092 (unknown host)"), r.err());
        assertTrue(tookMs < 5_000, "took " + tookMs + " ms");
    }

    @Test
    void anAddressThatAcceptsButNeverAnswersKeepsTheTimeout(@TempDir Path dir) throws Exception {
        Path props = dir.resolve("admin.properties");
        Files.writeString(props, "request.timeout.ms=500\ndefault.api.timeout.ms=1500\n");
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (Exception closed) {
                    // The test is over.
                }
            }, "silent-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            long start = System.nanoTime();
            Run r = run(TopicsCommand::new, "", "--bootstrap-server", "127.0.0.1:" + silent.getLocalPort(), "--list",
                    "--command-config", props.toString());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(1, r.exitCode());
            assertTrue(r.err().startsWith("Error: ") && r.err().contains("timed out after 1500 ms"), r.err());
            assertFalse(r.err().contains("could not connect"), "a listener that stalls may be a slow broker: " + r.err());
            assertTrue(tookMs >= 1_400 && tookMs < 10_000, "took " + tookMs + " ms");
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void describingATopicThatDoesNotExistAnswersAtOnceNamingTheErrorOnce() {
        long start = System.nanoTime();
        Run r = run(TopicsCommand::new, "", with("--describe", "--topic", "cli-nosuch"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("topic 'cli-nosuch' does not exist"), r.err());
        assertEquals(1, r.err().split("UNKNOWN_TOPIC_OR_PARTITION", -1).length - 1, "the error's name once: " + r.err());
        assertTrue(tookMs < 2_000, "took " + tookMs + " ms");
        Run ifExists = run(TopicsCommand::new, "", with("--describe", "--topic", "cli-nosuch", "--if-exists"));
        assertEquals(0, ifExists.exitCode(), ifExists.err());
    }

    @Test
    void anUnknownFlagGetsTheNearestFlagsAsASuggestion() {
        Run r = run(TopicsCommand::new, "", with("--crate", "--topic", "x"));
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Unknown option: '--crate'"), r.err());
        assertTrue(r.err().contains("Did you mean: --create"), r.err());
        Run groups = run(io.tributary.client.tools.ConsumerGroupsCommand::new, "", with("--decsribe", "--group", "g"));
        assertTrue(groups.err().contains("Did you mean: --describe"), groups.err());
    }

    @Test
    void kafkasOldFlagsGetAHint() {
        cluster.createTopic("cli-broker-list", 1, 1);
        Run producer = run(ConsoleProducer::new, "one\n", "--broker-list", cluster.bootstrap(), "--topic", "cli-broker-list");
        assertEquals(0, producer.exitCode(), producer.err());
        assertTrue(producer.err().contains("--broker-list is deprecated, use --bootstrap-server"), producer.err());
        Run zk = run(TopicsCommand::new, "", "--zookeeper", "127.0.0.1:2181", "--list");
        assertEquals(2, zk.exitCode());
        assertTrue(zk.err().contains("--zookeeper is not supported") && zk.err().contains("--bootstrap-server"), zk.err());
    }

    @Test
    void unknownPropertyKeysOfTheConsoleToolsAreWarnedAbout() {
        cluster.createTopic("cli-props", 1, 1);
        Run producer = run(ConsoleProducer::new, "plain\n", with("--topic", "cli-props", "--property", "key.seperator=:"));
        assertEquals(0, producer.exitCode(), producer.err());
        assertTrue(producer.err().contains("Warning: unknown --property 'key.seperator' is ignored"), producer.err());
        Run consumer = run(ConsoleConsumer::new, "", with("--topic", "cli-props", "--from-beginning", "--max-messages", "1",
                "--timeout-ms", "20000", "--property", "print.keys=true"));
        assertEquals(0, consumer.exitCode(), consumer.err());
        assertTrue(consumer.err().contains("Warning: unknown --property 'print.keys' is ignored"), consumer.err());
    }

    @Test
    void helpReadsWellAndExitsZero() {
        for (Supplier<ToolCommand> tool : List.<Supplier<ToolCommand>>of(TopicsCommand::new, ConsoleProducer::new, ConsoleConsumer::new,
                ConfigsCommand::new, ProducerPerformance::new, ConsumerPerformance::new, VerifiableProducer::new, VerifiableConsumer::new,
                io.tributary.client.tools.ConsumerGroupsCommand::new, io.tributary.client.tools.AclsCommand::new)) {
            Run help = run(tool, "", "--help");
            assertEquals(0, help.exitCode());
            assertTrue(help.out().startsWith("Usage: tributary-"), help.out());
            assertTrue(help.out().contains("--bootstrap-server"), help.out());
            // Every footer line (examples, notes) comes out whole: an example split by wrapping cannot be pasted.
            CommandLine.Model.CommandSpec spec = new CommandLine(tool.get()).getCommandSpec();
            for (String line : spec.usageMessage().footer()) {
                assertTrue(line.isEmpty() || help.outLines().contains(line), "wrapped footer line '" + line + "' in\n" + help.out());
            }
        }
    }

    @Test
    void consoleProducerAndConsumerRoundTripKeyedLines() {
        cluster.createTopic("cli-console", 1, 1);
        Run produce = run(ConsoleProducer::new, "k1:hello\nk2:world\nk3:with:colon\n", with("--topic", "cli-console",
                "--property", "parse.key=true", "--property", "key.separator=:", "--producer-property", "acks=all"));
        assertEquals(0, produce.exitCode(), produce.err());
        Run consume = run(ConsoleConsumer::new, "", with("--topic", "cli-console", "--from-beginning", "--max-messages", "3",
                "--property", "print.key=true", "--property", "print.offset=true"));
        assertEquals(0, consume.exitCode(), consume.err());
        assertEquals("Offset:0\tk1\thello\nOffset:1\tk2\tworld\nOffset:2\tk3\twith:colon\n", consume.out());
        assertTrue(consume.err().contains("Processed a total of 3 messages"), consume.err());
        Run fromOffset = run(ConsoleConsumer::new, "", with("--topic", "cli-console", "--partition", "0", "--offset", "2",
                "--max-messages", "1"));
        assertEquals("with:colon\n", fromOffset.out());
        Run timeout = run(ConsoleConsumer::new, "", with("--topic", "cli-console", "--timeout-ms", "500"));
        assertEquals(0, timeout.exitCode(), timeout.err());
        assertEquals("", timeout.out(), "without --from-beginning only new records are printed");
    }

    @Test
    void verifiableProducerAndConsumerAgreeOnWhatWasAcknowledged() throws Exception {
        cluster.createTopic("cli-verifiable", 3, 1);
        Run produced = run(VerifiableProducer::new, "", with("--topic", "cli-verifiable", "--max-messages", "200", "--acks", "all",
                "--value-prefix", "p", "--throughput", "5000"));
        assertEquals(0, produced.exitCode(), produced.err());
        Set<String> acked = new HashSet<>();
        JsonNode toolData = null;
        for (String line : produced.outLines()) {
            JsonNode json = JSON.readTree(line);
            switch (json.get("name").asText()) {
                case "producer_send_success" -> {
                    assertTrue(json.get("key").isNull());
                    assertTrue(json.get("partition").asInt() >= 0 && json.get("offset").asLong() >= 0);
                    acked.add(json.get("value").asText());
                }
                case "tool_data" -> toolData = json;
                default -> throw new AssertionError("unexpected line " + line);
            }
        }
        assertEquals(200, acked.size());
        assertTrue(acked.contains("p.0") && acked.contains("p.199"));
        assertEquals("{\"name\":\"tool_data\",\"sent\":200,\"acked\":200}", JSON.writeValueAsString(toolData));

        Run consumed = run(VerifiableConsumer::new, "", with("--topic", "cli-verifiable", "--from-beginning", "--max-messages", "200",
                "--group-id", "g1"));
        assertEquals(0, consumed.exitCode(), consumed.err());
        Set<String> read = new HashSet<>();
        for (String line : consumed.outLines()) {
            JsonNode json = JSON.readTree(line);
            if (!json.get("name").asText().equals("record_data")) {
                continue; // with a group: startup_complete, partitions_assigned, records_consumed, offsets_committed, ...
            }
            assertTrue(line.startsWith("{\"name\":\"record_data\",\"partition\":"), line);
            read.add(json.get("value").asText());
        }
        assertEquals(acked, read);
        Run direct = run(VerifiableConsumer::new, "", with("--topic", "cli-verifiable", "--from-beginning", "--max-messages", "200"));
        assertEquals(0, direct.exitCode(), direct.err());
        for (String line : direct.outLines()) {
            assertEquals("record_data", JSON.readTree(line).get("name").asText(), "without a group: records only");
        }
        assertEquals(200, direct.outLines().size());
    }

    @Test
    void perfToolsPrintKafkaShapedResults() {
        cluster.createTopic("cli-perf", 2, 1);
        Run producer = run(ProducerPerformance::new, "", with("--topic", "cli-perf", "--num-records", "5000", "--record-size", "100",
                "--throughput", "-1", "--producer-props", "acks=1", "linger.ms=5"));
        assertEquals(0, producer.exitCode(), producer.err());
        List<String> lines = producer.outLines();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("5000 records sent, [\\d.]+ records/sec \\([\\d.]+ MB/sec\\), [\\d.]+ ms avg latency, [\\d.]+ ms max latency, "
                + "\\d+ ms 50th, \\d+ ms 95th, \\d+ ms 99th, \\d+ ms 99.9th\\."), last);

        Run consumer = run(ConsumerPerformance::new, "", with("--topic", "cli-perf", "--messages", "5000", "--timeout", "20000"));
        assertEquals(0, consumer.exitCode(), consumer.err());
        List<String> out = consumer.outLines();
        assertEquals("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec", out.get(0));
        assertEquals("5000", out.get(1).split(", ")[4]);

        Run tooMany = run(ConsumerPerformance::new, "", with("--topic", "cli-perf", "--messages", "999999", "--timeout", "500"));
        assertEquals(1, tooMany.exitCode());
        assertTrue(tooMany.err().contains("expected number of messages"), tooMany.err());
    }

    /** The value of the first series of {@code name} in a --print-metrics table; checks the line's layout too. */
    static double printedMetric(List<String> lines, String name) {
        for (String line : lines) {
            if (line.startsWith(name + "{")) {
                assertTrue(line.matches("\\S+\\{client_id=\"[^\"]+\"[^}]*\\} +: -?[\\d.]+|\\S+ +: NaN"), line);
                return Double.parseDouble(line.substring(line.lastIndexOf(" : ") + 3));
            }
        }
        throw new AssertionError("no " + name + " line in:\n" + String.join("\n", lines));
    }

    /** The metric lines of a --print-metrics table: those after its header. */
    static List<String> metricLines(Run run) {
        List<String> lines = run.outLines();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("Metric Name +Value")) {
                header = i;
            }
        }
        assertTrue(header > 0 && lines.get(header - 1).isEmpty(), "a blank line, then the header:\n" + run.out());
        return lines.subList(header + 1, lines.size());
    }

    @Test
    void perfToolsPrintTheirClientsMetricsSortedWithPrintMetrics() {
        cluster.createTopic("cli-perf-metrics", 2, 1);
        Run producer = run(ProducerPerformance::new, "", with("--topic", "cli-perf-metrics", "--num-records", "2000", "--record-size", "50",
                "--throughput", "-1", "--print-metrics", "--producer-props", "client.id=perf-metrics-producer"));
        assertEquals(0, producer.exitCode(), producer.err());
        List<String> lines = metricLines(producer);
        assertEquals(lines.stream().sorted().toList(), lines, "sorted by name");
        assertTrue(lines.stream().anyMatch(l -> l.matches("tributary_producer_record_send_total\\{client_id=\"perf-metrics-producer\"\\} +: 2000\\.000")),
                producer.out());
        assertEquals(0, printedMetric(lines, "tributary_producer_record_error_total"));
        assertTrue(printedMetric(lines, "tributary_producer_request_latency_seconds_count") >= 1);
        assertTrue(producer.outLines().stream().anyMatch(l -> l.startsWith("2000 records sent, ")), "the result line comes first");

        Run consumer = run(ConsumerPerformance::new, "", with("--topic", "cli-perf-metrics", "--messages", "2000", "--timeout", "20000",
                "--print-metrics"));
        assertEquals(0, consumer.exitCode(), consumer.err());
        List<String> consumed = metricLines(consumer);
        assertEquals(2000, printedMetric(consumed, "tributary_consumer_records_consumed_total"));
        assertEquals(2000 * 50, printedMetric(consumed, "tributary_consumer_bytes_consumed_total"), "50-byte values, no keys");
        assertEquals(0, printedMetric(consumed, "tributary_consumer_records_lag_max"), "read to the end of both partitions");
        assertEquals(2, consumed.stream().filter(l -> l.startsWith("tributary_consumer_records_lag{")).count(), "one lag line per partition");
    }

    @Test
    void configsToolAltersAndDescribesTopicConfigs() {
        cluster.createTopic("cli-configs", 1, 1);
        Run alter = run(ConfigsCommand::new, "", with("--entity-type", "topics", "--entity-name", "cli-configs", "--alter",
                "--add-config", "retention.ms=7200000,retention.bytes=1048576"));
        assertEquals(0, alter.exitCode(), alter.err());
        cluster.awaitCondition(() -> run(ConfigsCommand::new, "", with("--entity-type", "topics", "--entity-name", "cli-configs",
                "--describe")).out().contains("retention.ms=7200000"), 30_000, "altered config described");
        Run describe = run(ConfigsCommand::new, "", with("--topic", "cli-configs", "--describe"));
        assertTrue(describe.out().startsWith("Dynamic configs for topic cli-configs are:"), describe.out());
        assertTrue(describe.out().contains("retention.bytes=1048576"), describe.out());
        // Kafka's list syntax: the brackets keep a list value's commas inside one entry.
        Run list = run(ConfigsCommand::new, "", with("--topic", "cli-configs", "--alter",
                "--add-config", "cleanup.policy=[compact,delete],retention.ms=3600000"));
        assertEquals(0, list.exitCode(), list.err());
        cluster.awaitCondition(() -> run(ConfigsCommand::new, "", with("--topic", "cli-configs", "--describe")).out()
                .contains("cleanup.policy=compact,delete"), 30_000, "the list value described");
        Run bad = run(ConfigsCommand::new, "", with("--entity-type", "topics", "--entity-name", "cli-configs", "--alter",
                "--add-config", "retention.ms=soon"));
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().startsWith("Error: "), bad.err());
    }
}
