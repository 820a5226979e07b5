package io.tributary.client.tools;

import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code tributary-producer-perf-test.sh}: kafka-producer-perf-test.sh's flags and output. A progress line every
 * {@code --reporting-interval} ms (5 s), then one final line:
 * {@code N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.}
 * With {@code --print-metrics}, the producer's metrics as they stood after the last record was acknowledged follow.
 *
 * <p>One instance runs once, on the tool's main thread; statistics are updated from the producer's sender thread under their own monitor.
 */
@Command(name = "tributary-producer-perf-test.sh", sortOptions = false,
        description = "Measure producer throughput and latency.",
        footer = {"", "Example:",
                "  tributary-producer-perf-test.sh --bootstrap-server 127.0.0.1:9092 --topic perf --num-records 1000000 \\",
                "      --record-size 100 --throughput -1 --producer-props acks=1 linger.ms=5"})
public final class ProducerPerformance extends ToolCommand {
    /** Latencies kept for percentiles: bounded, sampled evenly when there are more records. */
    private static final int MAX_LATENCY_SAMPLES = 500_000;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to produce to.")
    String topic;

    @Option(names = "--num-records", required = true, paramLabel = "N", description = "Number of records to send.")
    long numRecords;

    @Option(names = "--record-size", required = true, paramLabel = "BYTES", description = "Value size of each record in bytes.")
    int recordSizeBytes;

    @Option(names = "--throughput", required = true, paramLabel = "RECORDS_PER_SEC", description = "Target rate; -1 for no limit.")
    double throughput;

    @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE", description = "Producer configs, e.g. acks=all linger.ms=5.")
    List<String> producerProps = new ArrayList<>();

    @Option(names = {"--producer.config", "--command-config"}, paramLabel = "FILE",
            description = "Producer properties file (security.protocol, ssl.*, any producer config).")
    Path producerConfig;

    @Option(names = "--reporting-interval", paramLabel = "MS", defaultValue = "5000", description = "Progress line interval (default 5000).")
    long reportingIntervalMs;

    @Option(names = "--print-metrics", description = "Print the producer's metrics at the end of the run.")
    boolean printMetrics;

    public static void main(String[] args) {
        System.exit(execute(new ProducerPerformance(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        if (numRecords < 1 || recordSizeBytes < 0) {
            throw new ToolException("--num-records must be >= 1 and --record-size >= 0");
        }
        Map<String, Object> props = new HashMap<>(clientProps(ToolDefaults.PRODUCER, producerConfig, producerProps));
        Topics.requireExists(props, topic);
        byte[] payload = new byte[recordSizeBytes];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) ('A' + ThreadLocalRandom.current().nextInt(26));
        }
        Stats stats = new Stats(numRecords, reportingIntervalMs, out);
        AtomicReference<Exception> firstError = new AtomicReference<>();
        long startMs = System.currentTimeMillis();
        SortedMap<String, Double> finalMetrics = null;
        try (TributaryProducer<byte[], byte[]> producer = new TributaryProducer<>(props)) {
            for (long i = 0; i < numRecords; i++) {
                long sendStartMs = System.currentTimeMillis();
                long index = i;
                producer.send(new ProducerRecord<>(topic, null, payload), (md, e) -> {
                    if (e != null) {
                        firstError.compareAndSet(null, e);
                        stats.error();
                    } else {
                        long nowMs = System.currentTimeMillis();
                        stats.record(index, (int) (nowMs - sendStartMs), payload.length, nowMs);
                    }
                });
                throttle(i + 1, startMs);
            }
            producer.flush();
            if (printMetrics) {
                finalMetrics = producer.metrics().values();
            }
            producer.close(Duration.ofSeconds(30));
        }
        stats.printTotal();
        if (finalMetrics != null) {
            printMetrics(out, finalMetrics);
        }
        if (stats.errors() > 0) {
            throw new ToolException(stats.errors() + " record(s) failed; first error: " + oneLine(firstError.get()));
        }
        return 0;
    }

    /** Sleeps while ahead of --throughput, so the rate holds on average from the start. */
    private void throttle(long sent, long startMs) {
        if (throughput <= 0) {
            return;
        }
        long dueMs = startMs + (long) (sent * 1000.0 / throughput);
        long aheadMs = dueMs - System.currentTimeMillis();
        if (aheadMs >= 2) {
            try {
                Thread.sleep(aheadMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ToolException("interrupted");
            }
        }
    }

    /** Counts and latency samples, updated from the producer's sender thread. Thread-safe by its monitor. */
    static final class Stats {
        private final long startMs = System.currentTimeMillis();
        private final int[] latenciesMs;
        private final long sampling;
        private final long reportingIntervalMs;
        private final PrintStream out;
        private int samples;
        private long count;
        private long bytes;
        private long maxLatencyMs;
        private long totalLatencyMs;
        private long errors;
        private long windowStartMs = startMs;
        private long windowCount;
        private long windowBytes;
        private long windowMaxLatencyMs;
        private long windowTotalLatencyMs;

        Stats(long numRecords, long reportingIntervalMs, PrintStream out) {
            this.sampling = Math.max(1, numRecords / MAX_LATENCY_SAMPLES);
            this.latenciesMs = new int[(int) Math.min(numRecords / sampling + 1, MAX_LATENCY_SAMPLES + 1)];
            this.reportingIntervalMs = reportingIntervalMs;
            this.out = out;
        }

        synchronized void record(long index, int latencyMs, int sizeBytes, long nowMs) {
            count++;
            bytes += sizeBytes;
            totalLatencyMs += latencyMs;
            maxLatencyMs = Math.max(maxLatencyMs, latencyMs);
            windowCount++;
            windowBytes += sizeBytes;
            windowTotalLatencyMs += latencyMs;
            windowMaxLatencyMs = Math.max(windowMaxLatencyMs, latencyMs);
            if (index % sampling == 0 && samples < latenciesMs.length) {
                latenciesMs[samples++] = latencyMs;
            }
            if (nowMs - windowStartMs >= reportingIntervalMs) {
                double elapsedSec = (nowMs - windowStartMs) / 1000.0;
                out.printf("%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.%n",
                        windowCount, windowCount / elapsedSec, windowBytes / elapsedSec / (1024.0 * 1024.0),
                        windowTotalLatencyMs / (double) windowCount, (double) windowMaxLatencyMs);
                windowStartMs = nowMs;
                windowCount = 0;
                windowBytes = 0;
                windowTotalLatencyMs = 0;
                windowMaxLatencyMs = 0;
            }
        }

        synchronized void error() {
            errors++;
        }

        synchronized long errors() {
            return errors;
        }

        synchronized void printTotal() {
            double elapsedSec = Math.max(1, System.currentTimeMillis() - startMs) / 1000.0;
            int[] sorted = Arrays.copyOf(latenciesMs, samples);
            Arrays.sort(sorted);
            out.printf("%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
                            + "%d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.%n",
                    count, count / elapsedSec, bytes / elapsedSec / (1024.0 * 1024.0),
                    count == 0 ? 0.0 : totalLatencyMs / (double) count, (double) maxLatencyMs,
                    percentile(sorted, 0.5), percentile(sorted, 0.95), percentile(sorted, 0.99), percentile(sorted, 0.999));
        }

        private static int percentile(int[] sorted, double p) {
            return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, (long) (p * sorted.length))];
        }
    }
}
