package io.tributary.client.consumer.group;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.tools.ConsoleConsumer;
import io.tributary.client.tools.ConsumerGroupsCommand;
import io.tributary.client.tools.ToolCommand;
import io.tributary.client.tools.VerifiableConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.tributary.client.consumer.group.GroupTestSupport.consumer;
import static io.tributary.client.consumer.group.GroupTestSupport.pollUntil;
import static io.tributary.client.consumer.group.GroupTestSupport.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tributary-consumer-groups.sh} and the consuming tools' {@code --group} against three brokers: Kafka's
 * column layout with the right CURRENT-OFFSET / LOG-END-OFFSET / LAG before and after consumption, members and state
 * views, list and delete, and reset-offsets planned, executed, and refused while the group has members.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsumerGroupsToolIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static EmbeddedCluster cluster;

    record Run(int exitCode, String out, String err) {
        /** The non-blank output lines split on runs of spaces, header included. */
        List<String[]> table() {
            List<String[]> rows = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    rows.add(line.trim().split("\\s+"));
                }
            }
            return rows;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        cluster = GroupTestSupport.startCluster();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    static Run run(Supplier<ToolCommand> tool, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = cluster.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ToolCommand.execute(tool.get(), all, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run groups(String... args) {
        return run(ConsumerGroupsCommand::new, args);
    }

    /** The offsets view as partition -> {CURRENT-OFFSET, LOG-END-OFFSET, LAG, CONSUMER-ID}. */
    static Map<Integer, List<String>> offsetRows(Run describe) {
        List<String[]> table = describe.table();
        assertEquals(List.of("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"),
                List.of(table.get(0)), describe.out());
        Map<Integer, List<String>> rows = new java.util.TreeMap<>();
        for (String[] r : table.subList(1, table.size())) {
            rows.put(Integer.parseInt(r[2]), List.of(r[3], r[4], r[5], r[6]));
        }
        return rows;
    }

    @Test
    void describeShowsCommittedLogEndAndLagBeforeAndAfterConsumption() {
        cluster.createTopic("cli-lag", 2, 2);
        produce(cluster, "cli-lag", 1, 10); // partition 0: offsets 0..9; partition 1 stays empty
        Run missing = groups("--describe", "--group", "cli-lag-g");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("Consumer group 'cli-lag-g' does not exist."), missing.err());

        TopicPartition p0 = new TopicPartition("cli-lag", 0);
        try (TributaryConsumer<String, String> c = consumer(cluster, "cli-lag-g", Map.of("enable.auto.commit", false, "client.id", "lag-client"))) {
            c.subscribe(List.of("cli-lag"));
            pollUntil(List.of(c), () -> c.assignment().size() == 2, 30_000, "both partitions");
            c.commitSync(Map.of(p0, new OffsetAndMetadata(4)));
            String member = c.groupMetadata().memberId();
            Run before = groups("--describe", "--group", "cli-lag-g");
            assertEquals(0, before.exitCode(), before.err());
            assertTrue(before.out().startsWith("\nGROUP "), "Kafka's layout starts with a blank line: " + before.out());
            Map<Integer, List<String>> rows = offsetRows(before);
            assertEquals(List.of("4", "10", "6", member), rows.get(0));
            assertEquals(List.of("-", "0", "-", member), rows.get(1), "assigned, never committed: '-' for offset and lag");
            assertTrue(before.out().contains("lag-client"), before.out());

            pollUntil(List.of(c), () -> c.position(p0) == 10, 30_000, "the rest consumed");
            c.commitSync();
            Map<Integer, List<String>> after = offsetRows(groups("--describe", "--group", "cli-lag-g", "--offsets"));
            assertEquals(List.of("10", "10", "0", member), after.get(0));
            assertEquals(List.of("0", "0", "0", member), after.get(1));

            Run members = groups("--describe", "--group", "cli-lag-g", "--members", "--verbose");
            List<String[]> m = members.table();
            assertEquals(List.of("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT"), List.of(m.get(0)), members.out());
            assertEquals(List.of("cli-lag-g", member), List.of(m.get(1)).subList(0, 2));
            assertEquals("lag-client", m.get(1)[3]);
            assertEquals("2", m.get(1)[4]);
            assertEquals("cli-lag(0,1)", m.get(1)[5]);

            Run state = groups("--describe", "--group", "cli-lag-g", "--state");
            assertTrue(state.out().contains("GROUP") && state.out().contains("COORDINATOR (ID)") && state.out().contains("ASSIGNMENT-STRATEGY"),
                    state.out());
            assertTrue(state.out().matches("(?s).*\ncli-lag-g\\s+127\\.0\\.0\\.1:\\d+ \\(\\d\\)\\s+cooperative-sticky\\s+Stable\\s+1\n.*"), state.out());

            Run list = groups("--list", "--state");
            assertTrue(list.out().startsWith("GROUP"), list.out());
            assertTrue(list.out().matches("(?s).*\ncli-lag-g\\s+Stable\n.*"), list.out());
            assertTrue(groups("--list").out().lines().anyMatch("cli-lag-g"::equals));
            assertTrue(groups("--list", "--state", "empty").out().lines().noneMatch(l -> l.startsWith("cli-lag-g")), "state filter");
        }
        Run inactive = groups("--describe", "--group", "cli-lag-g");
        assertEquals(0, inactive.exitCode(), inactive.err());
        assertTrue(inactive.err().contains("Consumer group 'cli-lag-g' has no active members."), inactive.err());
        assertEquals(List.of("10", "10", "0", "-"), offsetRows(inactive).get(0), "no member: '-' in the consumer columns");
    }

    @Test
    void resetOffsetsPlansExecutesAndIsRefusedWhileTheGroupHasMembers() {
        cluster.createTopic("cli-reset", 2, 2);
        produce(cluster, "cli-reset", 2, 10);
        TopicPartition p0 = new TopicPartition("cli-reset", 0);
        TopicPartition p1 = new TopicPartition("cli-reset", 1);
        try (TributaryConsumer<String, String> c = consumer(cluster, "cli-reset-g", Map.of("enable.auto.commit", false))) {
            c.subscribe(List.of("cli-reset"));
            pollUntil(List.of(c), () -> c.assignment().size() == 2 && c.position(p0) == 10 && c.position(p1) == 10, 30_000, "all read");
            c.commitSync();
            Run refused = groups("--reset-offsets", "--group", "cli-reset-g", "--topic", "cli-reset", "--to-earliest", "--execute");
            assertEquals(1, refused.exitCode());
            assertTrue(refused.err().contains("Assignments can only be reset if the group 'cli-reset-g' is inactive, but the current state is Stable."),
                    refused.err());
        }
        Run plan = groups("--reset-offsets", "--group", "cli-reset-g", "--topic", "cli-reset", "--to-earliest", "--dry-run");
        assertEquals(0, plan.exitCode(), plan.err());
        List<String[]> rows = plan.table();
        assertEquals(List.of("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"), List.of(rows.get(0)));
        assertEquals(List.of("cli-reset-g", "cli-reset", "0", "0"), List.of(rows.get(1)));
        assertEquals(List.of("cli-reset-g", "cli-reset", "1", "0"), List.of(rows.get(2)));
        try (TributaryAdmin admin = new TributaryAdmin(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            assertEquals(10, admin.listConsumerGroupOffsets("cli-reset-g").get(p0).offset(), "--dry-run changes nothing");

            Run execute = groups("--reset-offsets", "--group", "cli-reset-g", "--topic", "cli-reset:0", "--shift-by", "-3", "--execute");
            assertEquals(0, execute.exitCode(), execute.err());
            assertEquals(7, admin.listConsumerGroupOffsets("cli-reset-g").get(p0).offset());
            assertEquals(10, admin.listConsumerGroupOffsets("cli-reset-g").get(p1).offset(), "only the named partition");

            Run clamped = groups("--reset-offsets", "--group", "cli-reset-g", "--all-topics", "--to-offset", "100", "--execute");
            assertEquals(0, clamped.exitCode(), clamped.err());
            assertTrue(clamped.err().contains("is higher than latest offset"), clamped.err());
            assertEquals(10, admin.listConsumerGroupOffsets("cli-reset-g").get(p0).offset(), "clamped to the log end");

            Run noAction = groups("--reset-offsets", "--group", "cli-reset-g", "--all-topics", "--to-earliest");
            assertTrue(noAction.err().contains("--execute option is missing"), noAction.err());
            assertEquals(10, admin.listConsumerGroupOffsets("cli-reset-g").get(p1).offset(), "plan only without --execute");

            String future = Instant.now().plusSeconds(3_600).toString().replaceAll("\\.\\d+Z$", ".000Z");
            Run byTime = groups("--reset-offsets", "--group", "cli-reset-g", "--topic", "cli-reset", "--to-datetime", future, "--execute");
            assertEquals(0, byTime.exitCode(), byTime.err());
            assertEquals(10, admin.listConsumerGroupOffsets("cli-reset-g").get(p1).offset(), "no record that new: the log end");
            Run earliest = groups("--reset-offsets", "--group", "cli-reset-g", "--topic", "cli-reset", "--to-datetime",
                    "2001-01-01T00:00:00.000+01:00", "--execute");
            assertEquals(0, earliest.exitCode(), earliest.err());
            assertEquals(0, admin.listConsumerGroupOffsets("cli-reset-g").get(p1).offset());

            Run bad = groups("--reset-offsets", "--group", "cli-reset-g", "--all-topics", "--to-earliest", "--to-latest");
            assertEquals(1, bad.exitCode());
            assertTrue(bad.err().startsWith("Error: --reset-offsets needs exactly one of"), bad.err());
        }

        Run delete = groups("--delete", "--group", "cli-reset-g");
        assertEquals(0, delete.exitCode(), delete.err());
        assertEquals("Deletion of requested consumer groups ('cli-reset-g') was successful.\n", delete.out());
        Run again = groups("--delete", "--group", "cli-reset-g");
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("* Group 'cli-reset-g' could not be deleted due to: The group id does not exist."), again.err());
    }

    @Test
    void describeOfAGroupWhoseTopicWasDeletedAnswersAtOnceAndTheDeletedTopicsOffsetsAreGone() {
        cluster.createTopic("cli-del-keep", 1, 2);
        cluster.createTopic("cli-del-gone", 2, 2);
        produce(cluster, "cli-del-keep", 1, 4);
        produce(cluster, "cli-del-gone", 2, 4);
        TopicPartition keep = new TopicPartition("cli-del-keep", 0);
        try (TributaryConsumer<String, String> c = consumer(cluster, "cli-del-g", Map.of("enable.auto.commit", false))) {
            c.subscribe(List.of("cli-del-keep", "cli-del-gone"));
            TopicPartition gone0 = new TopicPartition("cli-del-gone", 0);
            TopicPartition gone1 = new TopicPartition("cli-del-gone", 1);
            pollUntil(List.of(c), () -> c.assignment().size() == 3 && c.position(keep) == 4 && c.position(gone0) == 4
                    && c.position(gone1) == 4, 30_000, "all three partitions consumed");
            c.commitSync();
        }
        Run before = groups("--describe", "--group", "cli-del-g");
        assertEquals(0, before.exitCode(), before.err());
        assertEquals(3, before.table().size() - 1, before.out());

        Run deleted = run(io.tributary.client.tools.TopicsCommand::new, "--delete", "--topic", "cli-del-gone");
        assertEquals(0, deleted.exitCode(), deleted.err());
        long start = System.nanoTime();
        Run after = groups("--describe", "--group", "cli-del-g");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, after.exitCode(), after.err());
        assertTrue(tookMs < 5_000, "describe took " + tookMs + " ms");
        assertTrue(after.out().contains("cli-del-keep"), after.out());
        // The coordinator deletes the offsets of a deleted topic, as Kafka does; until then the tool shows them
        // without a log end instead of waiting for the topic.
        cluster.awaitCondition(() -> !groups("--describe", "--group", "cli-del-g").out().contains("cli-del-gone"), 30_000,
                "the deleted topic's offsets gone from the group");
        try (TributaryAdmin admin = new TributaryAdmin(Map.of("bootstrap.servers", cluster.bootstrap()))) {
            Map<TopicPartition, OffsetAndMetadata> left = admin.listConsumerGroupOffsets("cli-del-g");
            assertEquals(Set.of(keep), left.keySet(), "only the surviving topic's offset is left: " + left);
            assertEquals(4, left.get(keep).offset());
        }
    }

    @Test
    void consoleConsumerWithAGroupResumesWhereItsLastRunStopped() {
        cluster.createTopic("cli-console-g", 1, 2);
        produce(cluster, "cli-console-g", 1, 8);
        Run first = run(ConsoleConsumer::new, "--topic", "cli-console-g", "--group", "console-g", "--from-beginning", "--max-messages", "5");
        assertEquals(0, first.exitCode(), first.err());
        assertEquals("p0-0\np0-1\np0-2\np0-3\np0-4\n", first.out());
        Run second = run(ConsoleConsumer::new, "--topic", "cli-console-g", "--group", "console-g", "--from-beginning", "--max-messages", "3");
        assertEquals(0, second.exitCode(), second.err());
        assertEquals("p0-5\np0-6\np0-7\n", second.out(), "the group's commit, not --from-beginning, decides where it starts");
    }

    @Test
    void verifiableConsumerWithAGroupPrintsKafkasEvents() throws Exception {
        cluster.createTopic("cli-verifiable-g", 2, 2);
        produce(cluster, "cli-verifiable-g", 2, 10);
        Run r = run(VerifiableConsumer::new, "--topic", "cli-verifiable-g", "--group-id", "verifiable-g", "--from-beginning",
                "--max-messages", "20");
        assertEquals(0, r.exitCode(), r.err());
        List<String> names = new ArrayList<>();
        Set<String> values = new HashSet<>();
        long committed = 0;
        long consumed = 0;
        for (String line : r.out().split("\n")) {
            JsonNode json = JSON.readTree(line);
            String name = json.get("name").asText();
            names.add(name);
            switch (name) {
                case "record_data" -> values.add(json.get("value").asText());
                case "records_consumed" -> consumed += json.get("count").asLong();
                case "offsets_committed" -> {
                    assertTrue(json.get("success").asBoolean(), line);
                    for (JsonNode o : json.get("offsets")) {
                        committed = Math.max(committed, o.get("offset").asLong());
                    }
                }
                case "partitions_assigned" -> assertEquals(2, json.get("partitions").size(), line);
                default -> {
                }
            }
        }
        assertEquals("startup_complete", names.get(0));
        assertTrue(names.contains("partitions_assigned"), names.toString());
        assertEquals("shutdown_complete", names.get(names.size() - 1));
        assertEquals(20, values.size());
        assertEquals(20, consumed);
        assertEquals(10, committed, "each partition committed up to its end");
    }
}
