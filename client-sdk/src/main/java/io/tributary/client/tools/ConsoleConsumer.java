package io.tributary.client.tools;

import io.tributary.api.TopicPartition;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.consumer.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tributary-console-consumer.sh}: print records to standard output, as kafka-console-consumer.sh.
 *
 * <p>One instance runs once, on the tool's main thread; a shutdown hook only calls the consumer's wakeup().
 */
@Command(name = "tributary-console-consumer.sh", sortOptions = false,
        description = "Print the records of a topic to standard output, one per line.",
        footer = {"", "With --group the consumer joins that consumer group (subscribe) and commits what it printed;",
                "--from-beginning then applies only where the group has no committed offset. Without --group (or with",
                "--partition) partitions are assigned directly and nothing is committed.",
                "", "Example:",
                "  tributary-console-consumer.sh --bootstrap-server 127.0.0.1:9092 --topic orders --from-beginning \\",
                "      --property print.key=true"})
public final class ConsoleConsumer extends ToolCommand {
    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to read.")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the earliest record instead of the end of the log.")
    boolean fromBeginning;

    @Option(names = "--group", paramLabel = "GROUP", description = "Join this consumer group: partitions come from the group, offsets are committed.")
    String group;

    @Option(names = "--max-messages", paramLabel = "N", defaultValue = "-1", description = "Exit after N records (default: run until Ctrl-C or --timeout-ms).")
    long maxMessages;

    @Option(names = "--partition", paramLabel = "P", description = "Read only this partition.")
    Integer partition;

    @Option(names = "--offset", paramLabel = "OFFSET", description = "With --partition: earliest, latest, or an offset to start from.")
    String offset;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit when no record arrives for this long.")
    Long timeoutMs;

    @Option(names = "--property", paramLabel = "KEY=VALUE",
            description = "Formatter settings: print.key, print.timestamp, print.partition, print.offset, print.headers (true|false), key.separator, line.separator.")
    List<String> properties = new ArrayList<>();

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "A consumer config (repeatable).")
    List<String> consumerProperties = new ArrayList<>();

    @Option(names = {"--consumer.config", "--command-config"}, paramLabel = "FILE",
            description = "Consumer properties file (security.protocol, ssl.*, any consumer config).")
    Path consumerConfig;

    public static void main(String[] args) {
        System.exit(execute(new ConsoleConsumer(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        if (offset != null && partition == null) {
            throw new ToolException("--offset needs --partition");
        }
        Map<String, String> fmt = parseKeyValues(properties, "--property");
        warnUnknownKeys(fmt, Set.of("print.key", "print.timestamp", "print.partition", "print.offset", "print.headers",
                "key.separator", "line.separator"), "--property");
        boolean printKey = Boolean.parseBoolean(fmt.getOrDefault("print.key", "false"));
        boolean printTimestamp = Boolean.parseBoolean(fmt.getOrDefault("print.timestamp", "false"));
        boolean printPartition = Boolean.parseBoolean(fmt.getOrDefault("print.partition", "false"));
        boolean printOffset = Boolean.parseBoolean(fmt.getOrDefault("print.offset", "false"));
        boolean printHeaders = Boolean.parseBoolean(fmt.getOrDefault("print.headers", "false"));
        String keySeparator = fmt.getOrDefault("key.separator", "\t");
        String lineSeparator = fmt.getOrDefault("line.separator", "\n");
        Map<String, Object> props = clientProps(ToolDefaults.CONSUMER, consumerConfig, consumerProperties);
        if (group != null) {
            props.put("group.id", group);
            // --from-beginning only decides where a partition without a committed offset starts, as in Kafka.
            props.putIfAbsent("auto.offset.reset", fromBeginning ? "earliest" : "latest");
        }
        boolean subscribe = group != null && partition == null;
        Topics.requireExists(props, topic);
        long count = 0;
        CountDownLatch finished = new CountDownLatch(1);
        try (TributaryConsumer<byte[], byte[]> consumer = new TributaryConsumer<>(props)) {
            Thread hook = ConsumerTools.installWakeupHook(consumer, finished);
            try {
                if (subscribe) {
                    consumer.subscribe(List.of(topic));
                } else {
                    position(consumer, ConsumerTools.assignAll(consumer, topic, partition));
                }
                long lastRecordMs = System.currentTimeMillis();
                while (maxMessages < 0 || count < maxMessages) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        if (timeoutMs != null && System.currentTimeMillis() - lastRecordMs >= timeoutMs) {
                            break;
                        }
                        continue;
                    }
                    lastRecordMs = System.currentTimeMillis();
                    StringBuilder sb = new StringBuilder();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (maxMessages >= 0 && count >= maxMessages) {
                            if (subscribe) {
                                ConsumerTools.rewindUnprinted(consumer, records, r);
                            }
                            break;
                        }
                        if (printTimestamp) {
                            sb.append(r.timestampType().configName()).append(':').append(r.timestampMs()).append(keySeparator);
                        }
                        if (printPartition) {
                            sb.append("Partition:").append(r.partition()).append(keySeparator);
                        }
                        if (printOffset) {
                            sb.append("Offset:").append(r.offset()).append(keySeparator);
                        }
                        if (printHeaders) {
                            sb.append(r.headers().isEmpty() ? "NO_HEADERS" : r.headers().stream()
                                    .map(h -> h.key() + ":" + text(h.value())).reduce((a, b) -> a + "," + b).orElse("")).append(keySeparator);
                        }
                        if (printKey) {
                            sb.append(text(r.key())).append(keySeparator);
                        }
                        sb.append(text(r.value())).append(lineSeparator);
                        count++;
                    }
                    out.print(sb);
                    out.flush();
                }
            } catch (WakeupException stopping) {
                // Ctrl-C: finish normally with the count.
            } finally {
                ConsumerTools.removeHook(hook);
            }
        } finally {
            finished.countDown();
        }
        err.println("Processed a total of " + count + " messages");
        return 0;
    }

    private void position(TributaryConsumer<byte[], byte[]> consumer, List<TopicPartition> tps) {
        if (offset != null) {
            switch (offset) {
                case "earliest" -> consumer.seekToBeginning(tps);
                case "latest" -> consumer.seekToEnd(tps);
                default -> {
                    long o;
                    try {
                        o = Long.parseLong(offset);
                    } catch (NumberFormatException e) {
                        throw new ToolException("invalid --offset '" + offset + "': expected earliest, latest or a number");
                    }
                    tps.forEach(tp -> consumer.seek(tp, o));
                }
            }
        } else if (fromBeginning) {
            consumer.seekToBeginning(tps);
        } else {
            consumer.seekToEnd(tps);
        }
    }

    private static String text(byte[] b) {
        return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }
}
