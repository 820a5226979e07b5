package io.tributary.client.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.client.consumer.ConsumerRebalanceListener;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.consumer.WakeupException;
import io.tributary.client.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tributary-verifiable-consumer.sh}: reads a topic and prints one JSON line per record:
 * {@code {"name":"record_data","partition":2,"offset":1234,"key":null,"value":"17"}}.
 *
 * <p>With {@code --group-id} (or {@code --group}) it joins that consumer group and also prints Kafka's verifiable
 * consumer events: {@code startup_complete}, {@code partitions_revoked} / {@code partitions_assigned} /
 * {@code partitions_lost} (with {@code "partitions":[{"topic":..,"partition":..}]}), {@code records_consumed} (count,
 * and per partition count/minOffset/maxOffset), {@code offsets_committed} (offsets, success, error; after every
 * batch unless {@code --enable-autocommit}), and {@code shutdown_complete}. Without a group every partition is
 * assigned directly and nothing is committed.
 *
 * <p>One instance runs once, on the tool's main thread; a shutdown hook only calls the consumer's wakeup().
 */
@Command(name = "tributary-verifiable-consumer.sh", sortOptions = false,
        description = "Read a topic and print each record (and, with a group, each rebalance and commit) as a JSON line.")
public final class VerifiableConsumer extends ToolCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to read.")
    String topic;

    @Option(names = {"--group-id", "--group"}, paramLabel = "GROUP", description = "Join this consumer group (subscribe) and commit offsets.")
    String groupId;

    @Option(names = "--group-instance-id", paramLabel = "ID", description = "Static membership id (group.instance.id).")
    String groupInstanceId;

    @Option(names = "--session-timeout", paramLabel = "MS", description = "session.timeout.ms of the group member.")
    Integer sessionTimeoutMs;

    @Option(names = "--assignment-strategy", paramLabel = "NAMES", description = "partition.assignment.strategy (e.g. cooperative-sticky,range).")
    String assignmentStrategy;

    @Option(names = "--enable-autocommit", description = "With a group: let auto-commit commit (default: commitSync after every batch, reported as offsets_committed).")
    boolean enableAutoCommit;

    @Option(names = "--from-beginning", description = "Start at the earliest record instead of the end of the log (with a group: where it has no commit).")
    boolean fromBeginning;

    @Option(names = "--max-messages", paramLabel = "N", defaultValue = "-1", description = "Exit after N records; -1 for no limit.")
    long maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit when no record arrives for this long.")
    Long timeoutMs;

    @Option(names = {"--consumer.config", "--command-config"}, paramLabel = "FILE",
            description = "Consumer properties file (security.protocol, ssl.*, any consumer config).")
    Path consumerConfig;

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "A consumer config (repeatable).")
    List<String> consumerProperties = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(execute(new VerifiableConsumer(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() throws JsonProcessingException {
        Map<String, Object> props = clientProps(ToolDefaults.CONSUMER, consumerConfig, consumerProperties);
        boolean group = groupId != null;
        if (group) {
            props.put("group.id", groupId);
            props.putIfAbsent("auto.offset.reset", fromBeginning ? "earliest" : "latest");
            props.put("enable.auto.commit", String.valueOf(enableAutoCommit));
            putIfSet(props, "group.instance.id", groupInstanceId);
            putIfSet(props, "session.timeout.ms", sessionTimeoutMs);
            putIfSet(props, "partition.assignment.strategy", assignmentStrategy);
        }
        Topics.requireExists(props, topic);
        long count = 0;
        CountDownLatch finished = new CountDownLatch(1);
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(
                new io.tributary.client.config.ConsumerConfig(props), new StringDeserializer(), new StringDeserializer())) {
            Thread hook = ConsumerTools.installWakeupHook(consumer, finished);
            try {
                if (group) {
                    consumer.subscribe(List.of(topic), new EventPrinter());
                    event("startup_complete", Map.of());
                } else {
                    List<TopicPartition> tps = ConsumerTools.assignAll(consumer, topic, null);
                    if (fromBeginning) {
                        consumer.seekToBeginning(tps);
                    } else {
                        consumer.seekToEnd(tps);
                    }
                }
                long lastRecordMs = System.currentTimeMillis();
                while (maxMessages < 0 || count < maxMessages) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        if (timeoutMs != null && System.currentTimeMillis() - lastRecordMs >= timeoutMs) {
                            break;
                        }
                        continue;
                    }
                    lastRecordMs = System.currentTimeMillis();
                    count += printBatch(consumer, records, count, group);
                }
            } catch (WakeupException stopping) {
                // SIGTERM/SIGINT: stop with what was printed.
            } finally {
                ConsumerTools.removeHook(hook);
            }
        } finally {
            finished.countDown();
        }
        if (group) {
            event("shutdown_complete", Map.of());
        }
        err.println("Consumed " + count + " records");
        return 0;
    }

    /** Prints a poll's records up to --max-messages; with a group, the batch summary and its commit. Returns the count printed. */
    private long printBatch(TributaryConsumer<String, String> consumer, ConsumerRecords<String, String> records, long before,
                            boolean group) throws JsonProcessingException {
        StringBuilder sb = new StringBuilder();
        Map<TopicPartition, long[]> ranges = new LinkedHashMap<>(); // count, min offset, max offset
        long printed = 0;
        for (ConsumerRecord<String, String> r : records) {
            if (maxMessages >= 0 && before + printed >= maxMessages) {
                if (group) {
                    ConsumerTools.rewindUnprinted(consumer, records, r);
                }
                break;
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("name", "record_data");
            line.put("partition", r.partition());
            line.put("offset", r.offset());
            line.put("key", r.key());
            line.put("value", r.value());
            sb.append(JSON.writeValueAsString(line)).append('\n');
            long[] range = ranges.computeIfAbsent(r.topicPartition(), tp -> new long[] {0, r.offset(), r.offset()});
            range[0]++;
            range[2] = r.offset();
            printed++;
        }
        out.print(sb);
        if (group) {
            List<Map<String, Object>> parts = new ArrayList<>();
            ranges.forEach((tp, range) -> parts.add(Map.of("topic", tp.topic(), "partition", tp.partition(), "count", range[0],
                    "minOffset", range[1], "maxOffset", range[2])));
            event("records_consumed", Map.of("count", printed, "partitions", parts));
            if (!enableAutoCommit) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
                ranges.forEach((tp, range) -> offsets.put(tp, new OffsetAndMetadata(range[2] + 1)));
                commit(consumer, offsets);
            }
        }
        out.flush();
        return printed;
    }

    private void commit(TributaryConsumer<String, String> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) throws JsonProcessingException {
        String error = null;
        try {
            consumer.commitSync(offsets);
        } catch (TributaryException e) {
            error = e.getMessage();
        }
        List<Map<String, Object>> list = new ArrayList<>();
        offsets.forEach((tp, o) -> list.add(Map.of("topic", tp.topic(), "partition", tp.partition(), "offset", o.offset())));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("offsets", list);
        fields.put("success", error == null);
        fields.put("error", error);
        event("offsets_committed", fields);
    }

    private void event(String name, Map<String, Object> fields) throws JsonProcessingException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("name", name);
        line.put("timestamp", System.currentTimeMillis());
        line.putAll(fields);
        out.println(JSON.writeValueAsString(line));
        out.flush();
    }

    private static void putIfSet(Map<String, Object> props, String key, Object value) {
        if (value != null) {
            props.put(key, String.valueOf(value));
        }
    }

    /** Prints rebalance callbacks as events; runs on the tool's thread inside poll(). */
    private final class EventPrinter implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            print("partitions_revoked", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            print("partitions_assigned", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            print("partitions_lost", partitions);
        }

        private void print(String name, Collection<TopicPartition> partitions) {
            List<Map<String, Object>> list = new ArrayList<>();
            new TreeSet<>(partitions).forEach(tp -> list.add(Map.of("topic", tp.topic(), "partition", tp.partition())));
            try {
                event(name, Map.of("partitions", list));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
