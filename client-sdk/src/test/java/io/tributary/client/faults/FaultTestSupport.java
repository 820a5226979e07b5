package io.tributary.client.faults;

import io.tributary.api.TributaryException;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.RecordMetadata;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Shared pieces of the process-level fault tests. */
final class FaultTestSupport {
    static final int PARTITIONS = 6;
    static final Map<String, String> TOPIC_CONFIG = Map.of("min.insync.replicas", "2");
    /** Records per second the background producer offers (2 shared cores run 7 JVMs). */
    static final double RATE = 300;

    private FaultTestSupport() {
    }

    /** On a failure: print each broker's log tail and keep the cluster directory. */
    static TestWatcher logsOnFailure(Supplier<ProcessCluster> cluster) {
        return new TestWatcher() {
            @Override
            public void testFailed(ExtensionContext context, Throwable cause) {
                ProcessCluster c = cluster.get();
                if (c != null) {
                    ProcessCluster.log(context.getDisplayName() + " failed: " + cause);
                    c.printAllLogTails(120);
                    c.keepDir = true;
                }
            }
        };
    }

    /** Partition → leader as one running broker's metadata says. */
    static Map<Integer, PartitionMetadata> partitions(MetadataResponse md, String topic, int partitions) {
        Map<Integer, PartitionMetadata> out = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            Optional<PartitionMetadata> pm = ProcessCluster.partition(md, topic, p);
            pm.ifPresent(x -> out.put(x.getPartition(), x));
        }
        return out;
    }

    static List<Integer> ledBy(MetadataResponse md, String topic, int partitions, int broker) {
        List<Integer> out = new ArrayList<>();
        partitions(md, topic, partitions).forEach((p, pm) -> {
            if (pm.getLeaderId() == broker) {
                out.add(p);
            }
        });
        return out;
    }

    static String describe(MetadataResponse md, String topic, int partitions) {
        StringBuilder sb = new StringBuilder("controller=" + md.getControllerId());
        partitions(md, topic, partitions).forEach((p, pm) -> sb.append(' ').append(p).append(":L").append(pm.getLeaderId())
                .append("/e").append(pm.getLeaderEpoch()).append("/isr").append(pm.getIsrList()));
        return sb.toString();
    }

    static long percentile50(List<Long> xs) {
        List<Long> s = xs.stream().sorted().toList();
        return s.isEmpty() ? -1 : s.get((s.size() - 1) / 2);
    }

    /** What one synchronous send batch produced: acknowledgements and failures by value. */
    record SendResult(Map<String, ProducerDriver.Ack> acked, Map<String, TributaryException> failed) {
    }

    /**
     * Sends {@code perPartition} values {@code <prefix>-<p>-<i>} to every partition with a fresh SDK producer
     * ({@code acks}, {@code retries}) and waits for every outcome.
     */
    static SendResult sendEach(String bootstrap, String topic, String prefix, int perPartition, String acks, int retries,
                               long deliveryTimeoutMs) throws InterruptedException {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", acks);
        props.put("retries", Integer.toString(retries));
        props.put("request.timeout.ms", Long.toString(Math.min(deliveryTimeoutMs, 10_000)));
        props.put("delivery.timeout.ms", Long.toString(deliveryTimeoutMs));
        props.put("linger.ms", "0");
        Map<String, Future<RecordMetadata>> futures = new LinkedHashMap<>();
        Map<String, ProducerDriver.Ack> acked = new LinkedHashMap<>();
        Map<String, TributaryException> failed = new LinkedHashMap<>();
        try (TributaryProducer<String, String> producer = new TributaryProducer<>(new ProducerConfig(props),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    String value = prefix + "-" + p + "-" + i;
                    futures.put(value, producer.send(new ProducerRecord<>(topic, p, null, value)));
                }
            }
            producer.flush();
            for (Map.Entry<String, Future<RecordMetadata>> e : futures.entrySet()) {
                try {
                    RecordMetadata md = e.getValue().get(deliveryTimeoutMs + 30_000, TimeUnit.MILLISECONDS);
                    acked.put(e.getKey(), new ProducerDriver.Ack(md.partition(), md.offset(), System.nanoTime()));
                } catch (ExecutionException ex) {
                    failed.put(e.getKey(), ex.getCause() instanceof TributaryException te ? te
                            : new TributaryException(io.tributary.api.ErrorCode.UNKNOWN_SERVER_ERROR, ex.getCause().toString()));
                } catch (java.util.concurrent.TimeoutException ex) {
                    throw new AssertionError("no outcome for " + e.getKey() + " within the delivery timeout");
                }
            }
            producer.close(Duration.ofSeconds(10));
        }
        return new SendResult(acked, failed);
    }

    /**
     * Duplicates are counted always; with the idempotent producer in effect (the SDK default for acks=all with
     * retries, SPEC §1) there must be none (SPEC §14). {@code -Dtributary.faults.idempotence=false} runs the
     * scenarios with a plain at-least-once producer, where duplicates are only reported.
     */
    static void checkDuplicates(ProducerDriver producer, Verifier.Figures figures) {
        ProcessCluster.log(figures.scenario() + ": producer idempotence " + (producer.idempotent ? "on" : "off") + ", "
                + figures.duplicates() + " duplicates");
        if (producer.idempotent) {
            org.junit.jupiter.api.Assertions.assertEquals(0, figures.duplicates(), "duplicates with the idempotent producer");
        }
    }

    /**
     * With the idempotent producer, retries never reorder records within a partition (SPEC §1): the consumed order of
     * each partition must be the send order.
     */
    static void checkOrder(ProducerDriver producer, Verifier.Figures figures) {
        ProcessCluster.log(figures.scenario() + ": producer idempotence " + (producer.idempotent ? "on" : "off") + ", "
                + figures.reordered() + " records out of send order within their partition");
        if (producer.idempotent) {
            org.junit.jupiter.api.Assertions.assertEquals(0, figures.reordered(), "records reordered with the idempotent producer");
        }
    }

    /**
     * A send the producer reported failed is not a durability violation (the record may or may not be written), but
     * under these faults with retries up to delivery.timeout.ms none is expected: keep the cluster directory and
     * print what the brokers logged about the partitions concerned, for diagnosis.
     */
    static void diagnoseFailedSends(ProcessCluster cluster, ProducerDriver producer, String topic) throws java.io.IOException {
        if (producer.failed.isEmpty()) {
            return;
        }
        cluster.keepDir = true;
        java.util.Set<String> partitions = new java.util.TreeSet<>();
        // The driver sends value <tag>-r<round>-<seq> to partition seq % PARTITIONS.
        producer.failed.keySet().forEach(v -> partitions.add(topic + "-" + Long.parseLong(v.substring(v.lastIndexOf('-') + 1)) % PARTITIONS));
        producer.failed.values().forEach(e -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(topic) + "-\\d+").matcher(e);
            while (m.find()) {
                partitions.add(m.group());
            }
        });
        ProcessCluster.log(topic + ": failed sends " + new TreeMap<>(producer.failed) + "; keeping the cluster directory");
        for (int b : cluster.brokerIds()) {
            for (String tp : partitions) {
                List<String> lines = cluster.grepLog(b, tp);
                ProcessCluster.log("broker " + b + " log lines about " + tp + " (last 30 of " + lines.size() + "):\n  "
                        + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
            }
        }
    }
}
