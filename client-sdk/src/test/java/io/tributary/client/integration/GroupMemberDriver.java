package io.tributary.client.integration;

import io.tributary.api.TopicPartition;
import io.tributary.client.consumer.ConsumerRebalanceListener;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.consumer.TributaryConsumer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One group member on its own thread, consuming the way a careful application does: process what poll returns,
 * commit it synchronously, and commit again from {@code onPartitionsRevoked} so the next owner starts exactly where
 * this one stopped. Every delivery is counted in a map shared by all members of a scenario, so the scenario can
 * tell records read twice from records never read.
 */
public final class GroupMemberDriver implements AutoCloseable {
    /** A delivery: partition and offset (the scenarios use one topic). */
    public record Delivery(int partition, long offset) {
    }

    private final String name;
    private final TributaryConsumer<String, String> consumer;
    private final Map<Delivery, AtomicInteger> deliveries;
    private final Thread thread;
    private final long pollPauseMs;
    private volatile boolean running = true;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    public final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    public final List<TopicPartition> everRevoked = new CopyOnWriteArrayList<>();
    public final List<TopicPartition> everLost = new CopyOnWriteArrayList<>();
    public final AtomicInteger rebalanceCallbacks = new AtomicInteger();
    /** Offsets this member saw acknowledged by commitSync, per partition (the highest). */
    public final Map<TopicPartition, Long> acknowledgedCommits = new ConcurrentHashMap<>();

    public GroupMemberDriver(String name, Supplier<TributaryConsumer<String, String>> factory, String topic,
                      Map<Delivery, AtomicInteger> deliveries, long pollPauseMs) {
        this.name = name;
        this.consumer = factory.get();
        this.deliveries = deliveries;
        this.pollPauseMs = pollPauseMs;
        this.thread = new Thread(() -> run(topic), "member-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String topic) {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    rebalanceCallbacks.incrementAndGet();
                    commitPositions(partitions);
                    owned.removeAll(partitions);
                    everRevoked.addAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        rebalanceCallbacks.incrementAndGet();
                    }
                    owned.addAll(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    rebalanceCallbacks.incrementAndGet();
                    owned.removeAll(partitions);
                    everLost.addAll(partitions);
                }
            });
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                Map<TopicPartition, OffsetAndMetadata> processed = new HashMap<>();
                for (ConsumerRecord<String, String> r : records) {
                    deliveries.computeIfAbsent(new Delivery(r.partition(), r.offset()), k -> new AtomicInteger()).incrementAndGet();
                    processed.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!processed.isEmpty()) {
                    consumer.commitSync(processed);
                    processed.forEach((tp, om) -> acknowledgedCommits.merge(tp, om.offset(), Math::max));
                }
                if (pollPauseMs > 0) {
                    Thread.sleep(pollPauseMs);
                }
            }
            // Commits nothing more (everything processed is committed) and leaves the group unless static.
            consumer.close(Duration.ofSeconds(10));
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    private void commitPositions(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
        }
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
            offsets.forEach((tp, om) -> acknowledgedCommits.merge(tp, om.offset(), Math::max));
        }
    }

    public String name() {
        return name;
    }

    public Throwable failure() {
        return failure.get();
    }

    /** Stops polling and closes the consumer. */
    public void stop() throws InterruptedException {
        running = false;
        thread.join(TimeUnit.SECONDS.toMillis(30));
        if (thread.isAlive()) {
            throw new AssertionError("member " + name + " did not stop within 30 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (thread.isAlive()) {
            stop();
        }
    }
}
