package io.tributary.client.faults;

import io.tributary.client.config.ProducerConfig;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Produces unique values {@code <tag>-r<round>-<seq>} round-robin over a topic's partitions from a background
 * thread with the SDK producer (acks=all, unlimited retries within delivery.timeout.ms) at a fixed rate, and
 * records every outcome: acknowledged (partition, offset, time) or failed. Values are never reused, so the
 * verifier can count lost and duplicated records.
 */
final class ProducerDriver implements AutoCloseable {
    record Ack(int partition, long offset, long atNanos) {
    }

    private final String topic;
    private final String tag;
    private final int partitions;
    private final double recordsPerSecond;
    private final TributaryProducer<String, String> producer;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile int round;
    private final AtomicLong sent = new AtomicLong();
    final Map<String, Ack> acked = new ConcurrentHashMap<>();
    final Map<String, String> failed = new ConcurrentHashMap<>();
    /** Latest acknowledgement time per partition (System.nanoTime). */
    final Map<Integer, Long> lastAckNanos = new ConcurrentHashMap<>();
    private volatile Throwable sendFailure;
    /** Whether enable.idempotence is in effect (the SDK's default for acks=all with retries). */
    final boolean idempotent;

    ProducerDriver(String bootstrap, String topic, String tag, int partitions, double recordsPerSecond,
                   Map<String, Object> overrides) {
        this.topic = topic;
        this.tag = tag;
        this.partitions = partitions;
        this.recordsPerSecond = recordsPerSecond;
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("client.id", "fault-producer-" + tag);
        props.put("acks", "all");
        props.put("retries", Integer.toString(Integer.MAX_VALUE));
        props.put("delivery.timeout.ms", "120000");
        // A paused (SIGSTOP) leader never answers: give up on a request after 8 s and retry at the new leader.
        props.put("request.timeout.ms", "8000");
        props.put("retry.backoff.ms", "100");
        props.put("linger.ms", "5");
        String idempotence = System.getProperty("tributary.faults.idempotence");
        if (idempotence != null) {
            props.put("enable.idempotence", idempotence);
        }
        props.putAll(overrides);
        ProducerConfig config = new ProducerConfig(props);
        idempotent = config.idempotenceEnabled();
        producer = new TributaryProducer<>(config, new StringSerializer(), new StringSerializer());
        thread = new Thread(this::run, "fault-producer-" + tag);
        thread.setDaemon(true);
    }

    ProducerDriver start() {
        thread.start();
        return this;
    }

    void round(int r) {
        round = r;
    }

    private void run() {
        long start = System.nanoTime();
        try {
            for (long seq = 0; !stopping; seq++) {
                int partition = (int) (seq % partitions);
                String value = tag + "-r" + round + "-" + seq;
                producer.send(new ProducerRecord<>(topic, partition, null, value), (md, e) -> {
                    if (e == null) {
                        long now = System.nanoTime();
                        acked.put(value, new Ack(md.partition(), md.offset(), now));
                        lastAckNanos.merge(md.partition(), now, Math::max);
                    } else {
                        failed.put(value, e.toString());
                    }
                });
                sent.incrementAndGet();
                long aheadNanos = start + (long) ((seq + 1) * 1e9 / recordsPerSecond) - System.nanoTime();
                if (aheadNanos > 0) {
                    TimeUnit.NANOSECONDS.sleep(aheadNanos);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            sendFailure = t;
        }
    }

    long sent() {
        return sent.get();
    }

    /** Waits until at least {@code n} more records are acknowledged (bounded), so a phase really produced. */
    void awaitMoreAcks(int n, long timeoutMs) throws InterruptedException {
        long target = acked.size() + n;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (acked.size() < target && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Stops sending, waits for every outstanding send's outcome, closes the producer. */
    void stop() throws InterruptedException {
        stopping = true;
        thread.join(30_000);
        producer.flush();
        producer.close(Duration.ofSeconds(30));
        if (sendFailure != null) {
            throw new AssertionError("send() failed", sendFailure);
        }
        long outcomes = acked.size() + failed.size();
        if (outcomes != sent.get()) {
            throw new AssertionError("sent " + sent.get() + " records but have " + outcomes + " outcomes");
        }
    }

    @Override
    public void close() {
        stopping = true;
        producer.close(Duration.ofSeconds(5));
    }
}
