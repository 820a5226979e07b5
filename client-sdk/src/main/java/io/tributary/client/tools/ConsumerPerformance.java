package io.tributary.client.tools;

import io.tributary.api.TopicPartition;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.TributaryConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * {@code tributary-consumer-perf-test.sh}: kafka-consumer-perf-test.sh's flags and output: a header line and a
 * result line ({@code start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
 * rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec}); a progress line every
 * {@code --reporting-interval} ms (to standard output with --show-detailed-stats, else to standard error). With
 * {@code --print-metrics}, the consumer's metrics as they stood at the end of the run follow the result line.
 *
 * <p>One instance runs once, on the tool's main thread.
 */
@Command(name = "tributary-consumer-perf-test.sh", sortOptions = false,
        description = "Measure consumer throughput.",
        footer = {"", "Example:", "  tributary-consumer-perf-test.sh --bootstrap-server 127.0.0.1:9092 --topic perf --messages 1000000"})
public final class ConsumerPerformance extends ToolCommand {
    private static final String HEADER = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
            + "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to consume.")
    String topic;

    @Option(names = "--messages", required = true, paramLabel = "N", description = "Number of records to consume.")
    long messages;

    @Option(names = "--from-latest", description = "Start at the end of the log instead of the beginning.")
    boolean fromLatest;

    @Option(names = "--group", paramLabel = "GROUP", description = "Consumer group id (carried for logs; partitions are assigned directly).")
    String group;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "10000", description = "Give up when no record arrives for this long (default 10000).")
    long timeoutMs;

    @Option(names = "--reporting-interval", paramLabel = "MS", defaultValue = "5000", description = "Progress line interval (default 5000).")
    long reportingIntervalMs;

    @Option(names = "--show-detailed-stats", description = "Print the progress lines to standard output in the result's format.")
    boolean detailed;

    @Option(names = "--hide-header", description = "Do not print the header line.")
    boolean hideHeader;

    @Option(names = "--fetch-size", paramLabel = "BYTES", description = "max.partition.fetch.bytes.")
    Integer fetchSizeBytes;

    @Option(names = "--date-format", paramLabel = "PATTERN", defaultValue = "yyyy-MM-dd HH:mm:ss:SSS", description = "Format of the times.")
    String dateFormat;

    @Option(names = {"--consumer.config", "--command-config"}, paramLabel = "FILE",
            description = "Consumer properties file (security.protocol, ssl.*, any consumer config).")
    Path consumerConfig;

    @Option(names = "--print-metrics", description = "Print the consumer's metrics at the end of the run.")
    boolean printMetrics;

    public static void main(String[] args) {
        System.exit(execute(new ConsumerPerformance(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        Map<String, Object> props = clientProps(ToolDefaults.CONSUMER, consumerConfig, List.of());
        if (group != null) {
            props.put("group.id", group);
            // Partitions are assigned directly and sought below: the group only names the run, it gets no commits.
            props.putIfAbsent("enable.auto.commit", "false");
        }
        if (fetchSizeBytes != null) {
            props.put("max.partition.fetch.bytes", fetchSizeBytes);
        }
        SimpleDateFormat fmt = new SimpleDateFormat(dateFormat);
        long count = 0;
        long bytes = 0;
        long startMs;
        long lastRecordMs;
        long endMs;
        SortedMap<String, Double> finalMetrics = null;
        try (TributaryConsumer<byte[], byte[]> consumer = new TributaryConsumer<>(props)) {
            // The consumer's own metadata says whether the topic exists: starting a second client (an admin) for the
            // check cost this tool about a tenth of its CPU in the consume benchmark.
            if (!consumer.listTopics().containsKey(topic)) {
                throw new ToolException("unknown topic '" + topic + "': it does not exist on the cluster at " + props.get("bootstrap.servers"));
            }
            List<TopicPartition> tps = ConsumerTools.assignAll(consumer, topic, null);
            if (fromLatest) {
                consumer.seekToEnd(tps);
            } else {
                consumer.seekToBeginning(tps);
            }
            startMs = System.currentTimeMillis();
            lastRecordMs = startMs;
            long windowStartMs = startMs;
            long windowCount = 0;
            long windowBytes = 0;
            if (!hideHeader && detailed) {
                out.println("time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                        + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");
            }
            while (count < messages && System.currentTimeMillis() - lastRecordMs < timeoutMs) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                if (!records.isEmpty()) {
                    lastRecordMs = now;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    count++;
                    long size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                    bytes += size;
                    windowCount++;
                    windowBytes += size;
                }
                if (now - windowStartMs >= reportingIntervalMs) {
                    double sec = (now - windowStartMs) / 1000.0;
                    double mb = bytes / (1024.0 * 1024.0);
                    if (detailed) {
                        out.printf("%s, %d, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f%n", fmt.format(new Date(now)), 0, mb,
                                windowBytes / (1024.0 * 1024.0) / sec, count, windowCount / sec, 0, now - windowStartMs,
                                windowBytes / (1024.0 * 1024.0) / sec, windowCount / sec);
                    } else {
                        err.printf("%d records consumed, %.1f records/sec (%.2f MB/sec)%n", count, windowCount / sec,
                                windowBytes / (1024.0 * 1024.0) / sec);
                    }
                    windowStartMs = now;
                    windowCount = 0;
                    windowBytes = 0;
                }
            }
            endMs = System.currentTimeMillis();
            if (printMetrics) {
                finalMetrics = consumer.metrics().values();
            }
        }
        double elapsedSec = Math.max(1, endMs - startMs) / 1000.0;
        double mb = bytes / (1024.0 * 1024.0);
        if (!hideHeader) {
            out.println(HEADER);
        }
        out.printf("%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f%n", fmt.format(new Date(startMs)), fmt.format(new Date(endMs)),
                mb, mb / elapsedSec, count, count / elapsedSec, 0, endMs - startMs, mb / elapsedSec, count / elapsedSec);
        if (finalMetrics != null) {
            printMetrics(out, finalMetrics);
        }
        if (count < messages) {
            throw new ToolException("exiting before consuming the expected number of messages: " + count + " of " + messages
                    + ", no record for " + timeoutMs + " ms (--timeout)");
        }
        return 0;
    }
}
