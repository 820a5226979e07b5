package io.tributary.client.tools;

import io.tributary.api.TopicPartition;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;

/**
 * {@code tributary-e2e-latency.sh}: Kafka's {@code kafka.tools.EndToEndLatency} (org.apache.kafka.tools.EndToEndLatency)
 * for Tributary. One record in flight at a time: send it synchronously ({@code send().get()}, linger.ms=0), then poll
 * until that record is consumed; the time from before the send to after the poll is one sample.
 *
 * <p>Same settings as Kafka's tool: the consumer is assigned every partition of the topic at its end and uses
 * {@code fetch.max.wait.ms=0} (no temporal batching, so it spins); the producer uses {@code linger.ms=0} and the given
 * acks. Idempotence is off, as Kafka's producer turns it off implicitly for acks=1. Records are {@code --record-size}
 * bytes of one random capital letter, from a {@code Random(0)}.
 *
 * <p>Same output: {@code i<TAB>ms} every 1000 records, then
 * <pre>
 * Avg latency: A.AAAA ms
 * Percentiles: 50th = P50, 99th = P99, 99.9th = P999
 * </pre>
 * where the percentiles are whole milliseconds (each sample truncated), as in Kafka's tool.
 *
 * <p>One instance runs once, on the tool's main thread.
 */
@Command(name = "tributary-e2e-latency.sh", sortOptions = false,
        description = "Measure end-to-end latency: produce one record, consume it, repeat.",
        footer = {"", "Example:",
                "  tributary-e2e-latency.sh --bootstrap-server 127.0.0.1:9092 --topic e2e --num-records 10000 \\",
                "      --producer-acks 1 --record-size 100"})
public final class EndToEndLatency extends ToolCommand {
    /** How long one poll may wait for the record just sent (Kafka's POLL_TIMEOUT_MS). */
    static final long POLL_TIMEOUT_MS = 60_000;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to produce to and consume from.")
    String topic;

    @Option(names = "--num-records", required = true, paramLabel = "N", description = "Number of records to send.")
    int numRecords;

    @Option(names = "--producer-acks", required = true, paramLabel = "ACKS", description = "1 or all (a latency test needs an acknowledgement).")
    String acks;

    @Option(names = "--record-size", required = true, paramLabel = "BYTES", description = "Value size of each record in bytes.")
    int recordSizeBytes;

    @Option(names = "--command-config", paramLabel = "FILE", description = "Client properties file, applied to both producer and consumer.")
    Path commandConfig;

    public static void main(String[] args) {
        System.exit(execute(new EndToEndLatency(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() throws InterruptedException {
        if (!List.of("1", "all", "-1").contains(acks)) {
            throw new ToolException("latency testing requires synchronous acknowledgement: --producer-acks must be 1 or all");
        }
        if (numRecords < 1 || recordSizeBytes < 0) {
            throw new ToolException("--num-records must be >= 1 and --record-size >= 0");
        }
        Map<String, Object> consumerProps = new HashMap<>(clientProps(ToolDefaults.CONSUMER, commandConfig, List.of()));
        consumerProps.put("auto.offset.reset", "latest");
        consumerProps.put("fetch.max.wait.ms", "0");
        Map<String, Object> producerProps = new HashMap<>(clientProps(ToolDefaults.PRODUCER, commandConfig, List.of()));
        producerProps.put("linger.ms", "0");
        producerProps.put("acks", acks);
        producerProps.putIfAbsent("enable.idempotence", "false");
        Topics.requireExists(producerProps, topic);

        double totalNanos = 0;
        long[] latenciesMs = new long[numRecords];
        Random random = new Random(0);
        try (TributaryConsumer<byte[], byte[]> consumer = new TributaryConsumer<>(consumerProps);
             TributaryProducer<byte[], byte[]> producer = new TributaryProducer<>(producerProps)) {
            List<TopicPartition> tps = ConsumerTools.assignAll(consumer, topic, null);
            consumer.seekToEnd(tps);
            tps.forEach(consumer::position);
            for (int i = 0; i < numRecords; i++) {
                byte[] message = new byte[recordSizeBytes];
                Arrays.fill(message, (byte) (random.nextInt(26) + 65));
                long begin = System.nanoTime();
                try {
                    producer.send(new ProducerRecord<>(topic, message)).get();
                } catch (ExecutionException e) {
                    throw new ToolException("send of record " + i + " failed: " + oneLine(e.getCause()));
                }
                // Returns as soon as records arrive, else after the timeout (like Kafka's poll).
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(POLL_TIMEOUT_MS));
                long elapsed = System.nanoTime() - begin;
                validate(message, records, i);
                if (i % 1000 == 0) {
                    out.println(i + "\t" + elapsed / 1000.0 / 1000.0);
                }
                totalNanos += elapsed;
                latenciesMs[i] = elapsed / 1000 / 1000;
            }
        }
        out.printf("Avg latency: %.4f ms%n", totalNanos / numRecords / 1000.0 / 1000.0);
        Arrays.sort(latenciesMs);
        out.printf("Percentiles: 50th = %d, 99th = %d, 99.9th = %d%n", latenciesMs[(int) (numRecords * 0.5)],
                latenciesMs[(int) (numRecords * 0.99)], latenciesMs[(int) (numRecords * 0.999)]);
        return 0;
    }

    private static void validate(byte[] sent, ConsumerRecords<byte[], byte[]> records, int i) {
        if (records.isEmpty()) {
            throw new ToolException("poll() timed out before finding record " + i + " (timeout: " + POLL_TIMEOUT_MS + " ms)");
        }
        byte[] read = records.iterator().next().value();
        if (!Arrays.equals(sent, read)) {
            throw new ToolException("record " + i + ": the record read did not match the record sent");
        }
        if (records.count() != 1) {
            throw new ToolException("only one record was expected per poll; found " + records.count() + " for record " + i);
        }
    }
}
