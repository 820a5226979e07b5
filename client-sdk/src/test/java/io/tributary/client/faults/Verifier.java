package io.tributary.client.faults;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.serialization.StringDeserializer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Reads back what the cluster holds: through the SDK consumer, and replica by replica from the segment files. */
final class Verifier {
    private Verifier() {
    }

    /** A record as consumed: where it is and its value. */
    record Consumed(int partition, long offset, String value) {
    }

    /** The outcome of comparing what was acknowledged with what can be consumed. */
    record Figures(String scenario, long sent, long acked, long failed, long consumed, long distinctConsumed, long lost,
                   long duplicates, long reordered, long ackedOffsetMismatches, long presentButNotAcked, List<Long> failoverMs,
                   List<String> lostSample, List<String> mismatchSample) {
        String line() {
            List<Long> sorted = failoverMs.stream().sorted().toList();
            String failover = sorted.isEmpty() ? "n/a" : String.format("n=%d p50=%d ms max=%d ms (all: %s)",
                    sorted.size(), sorted.get((sorted.size() - 1) / 2), sorted.get(sorted.size() - 1), failoverMs);
            return String.format("FIGURES %s: sent=%d acked=%d failed=%d consumed=%d distinct=%d lost=%d duplicates=%d "
                            + "reordered=%d acked-offset-mismatches=%d present-but-unacked=%d failover: %s",
                    scenario, sent, acked, failed, consumed, distinctConsumed, lost, duplicates, reordered, ackedOffsetMismatches,
                    presentButNotAcked, failover);
        }
    }

    /** Every record of the topic from the beginning to the high watermark each partition has now. */
    static List<Consumed> consumeAll(String bootstrap, String topic, int partitions, long timeoutMs) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("client.id", "fault-verifier");
        props.put("auto.offset.reset", "earliest");
        props.put("max.poll.records", "5000");
        List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        List<Consumed> out = new ArrayList<>();
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(new ConsumerConfig(props),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (!caughtUp(consumer, end)) {
                if (System.currentTimeMillis() > deadline) {
                    Map<TopicPartition, Long> positions = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
                    tps.forEach(tp -> positions.put(tp, consumer.position(tp)));
                    throw new AssertionError("consumer did not reach the end offsets " + end + " within " + timeoutMs
                            + " ms; positions " + positions);
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(new Consumed(r.partition(), r.offset(), r.value()));
                }
            }
        }
        return out;
    }

    private static boolean caughtUp(TributaryConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static Figures compare(String scenario, ProducerDriver producer, List<Consumed> consumed, List<Long> failoverMs) {
        if (!producer.failed.isEmpty()) {
            Map<String, Long> where = new HashMap<>();
            for (Consumed c : consumed) {
                if (producer.failed.containsKey(c.value())) {
                    where.merge(c.value() + " @" + c.partition() + "/" + c.offset(), 1L, Long::sum);
                }
            }
            ProcessCluster.log(scenario + ": " + producer.failed.size() + " sends failed, e.g. "
                    + new TreeMap<>(producer.failed).entrySet().stream().limit(5).toList()
                    + "; of those present in the log: " + new TreeMap<>(where).keySet().stream().limit(10).toList());
        }
        return compare(scenario, producer.sent(), producer.acked, producer.failed.size(), consumed, failoverMs);
    }

    static Figures compare(String scenario, long sent, Map<String, ProducerDriver.Ack> acked, long failed,
                           List<Consumed> consumed, List<Long> failoverMs) {
        Map<String, Integer> counts = new HashMap<>();
        Map<Long, String> byPosition = new HashMap<>();
        for (Consumed c : consumed) {
            counts.merge(c.value(), 1, Integer::sum);
            byPosition.put(((long) c.partition() << 40) | c.offset(), c.value());
        }
        long duplicates = counts.values().stream().mapToLong(n -> n - 1).sum();
        List<String> lost = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, ProducerDriver.Ack> e : acked.entrySet()) {
            if (!counts.containsKey(e.getKey())) {
                lost.add(e.getKey() + "@" + e.getValue().partition() + "/" + e.getValue().offset());
            }
            String at = byPosition.get(((long) e.getValue().partition() << 40) | e.getValue().offset());
            if (!e.getKey().equals(at)) {
                mismatched.add(e.getKey() + " acked at " + e.getValue().partition() + "/" + e.getValue().offset()
                        + " which holds " + at);
            }
        }
        long presentNotAcked = counts.keySet().stream().filter(v -> !acked.containsKey(v)).count();
        return new Figures(scenario, sent, acked.size(), failed, consumed.size(), counts.size(), lost.size(), duplicates,
                reordered(consumed),
                mismatched.size(), presentNotAcked, List.copyOf(failoverMs),
                lost.stream().sorted().limit(20).toList(), mismatched.stream().sorted().limit(20).toList());
    }

    private static final java.util.regex.Pattern DRIVER_VALUE = java.util.regex.Pattern.compile("-r\\d+-(\\d+)$");

    /**
     * Records out of send order within their partition: ProducerDriver values {@code <tag>-r<round>-<seq>} carry a
     * send sequence; counted are records whose sequence is below the previous one in the same partition (offset order).
     * Other values are ignored.
     */
    static long reordered(List<Consumed> consumed) {
        List<Consumed> sorted = new ArrayList<>(consumed);
        sorted.sort(java.util.Comparator.comparingInt(Consumed::partition).thenComparingLong(Consumed::offset));
        Map<Integer, Long> previous = new HashMap<>();
        long reordered = 0;
        for (Consumed c : sorted) {
            java.util.regex.Matcher m = DRIVER_VALUE.matcher(c.value() == null ? "" : c.value());
            if (!m.find()) {
                continue;
            }
            long seq = Long.parseLong(m.group(1));
            Long before = previous.put(c.partition(), seq);
            if (before != null && seq < before) {
                reordered++;
            }
        }
        return reordered;
    }

    // ---------------------------------------------------------------- replica logs from disk

    /** A record in a replica's log: offset, the batch's leader epoch, value. */
    record LogRecord(long offset, int leaderEpoch, String value) {
        @Override
        public String toString() {
            return offset + "@e" + leaderEpoch + ":" + value;
        }
    }

    /**
     * Every whole, valid batch of one replica's partition log, read from its {@code .log} segment files in offset
     * order (a torn batch at the very end of the active segment, being written right now, ends the read).
     */
    static List<LogRecord> readReplicaLog(Path logDir, String topic, int partition) throws IOException {
        Path dir = logDir.resolve(topic + "-" + partition);
        List<LogRecord> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> segments;
        try (Stream<Path> s = Files.list(dir)) {
            segments = s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        for (Path seg : segments) {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(seg));
            while (buf.remaining() >= RecordBatch.HEADER_SIZE) {
                int size = RecordBatch.sizeInBytes(buf, buf.position());
                if (size < RecordBatch.HEADER_SIZE || size > buf.remaining()) {
                    break;
                }
                RecordBatch b = RecordBatch.wrap(buf);
                if (!b.isValid()) {
                    break;
                }
                for (var r : b.decodeRecords().getRecordsList()) {
                    out.add(new LogRecord(b.baseOffset() + r.getOffsetDelta(), b.leaderEpoch(), r.getValue().toStringUtf8()));
                }
                buf.position(buf.position() + size);
            }
        }
        return out;
    }

    /** Null when every replica's log of the partition is identical, else a description of the first difference. */
    static String compareReplicas(ProcessCluster c, Collection<Integer> brokers, String topic, int partition) throws IOException {
        Map<Integer, List<LogRecord>> logs = new TreeMap<>();
        for (int b : brokers) {
            logs.put(b, readReplicaLog(c.logDir(b), topic, partition));
        }
        int first = logs.keySet().iterator().next();
        List<LogRecord> reference = logs.get(first);
        for (Map.Entry<Integer, List<LogRecord>> e : logs.entrySet()) {
            List<LogRecord> other = e.getValue();
            if (other.equals(reference)) {
                continue;
            }
            int n = Math.min(reference.size(), other.size());
            int i = 0;
            while (i < n && Objects.equals(reference.get(i), other.get(i))) {
                i++;
            }
            return String.format("%s-%d: broker %d has %d records, broker %d has %d; first difference at index %d: %s vs %s",
                    topic, partition, first, reference.size(), e.getKey(), other.size(), i,
                    i < reference.size() ? reference.get(i) : "(end)", i < other.size() ? other.get(i) : "(end)");
        }
        return null;
    }

    /**
     * Waits (bounded) until every replica of every partition holds an identical log, compared record by record
     * (offset, leader epoch, value) from the segment files; fails with the first difference.
     *
     * @return records per partition
     */
    static Map<Integer, List<LogRecord>> awaitIdenticalReplicas(ProcessCluster c, String topic, int partitions, long timeoutMs)
            throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Set<Integer> brokers = c.brokerIds();
        while (true) {
            String diff = null;
            for (int p = 0; p < partitions && diff == null; p++) {
                diff = compareReplicas(c, brokers, topic, p);
            }
            if (diff == null) {
                Map<Integer, List<LogRecord>> logs = new TreeMap<>();
                int b = brokers.iterator().next();
                for (int p = 0; p < partitions; p++) {
                    logs.put(p, readReplicaLog(c.logDir(b), topic, p));
                }
                return logs;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("replica logs differ after " + timeoutMs + " ms: " + diff);
            }
            Thread.sleep(250);
        }
    }
}
