package io.tributary.client.tools;

import io.tributary.api.TopicPartition;
import io.tributary.client.PartitionInfo;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.TributaryConsumer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Assignment and Ctrl-C handling shared by the consuming tools. Used by one tool run at a time. */
final class ConsumerTools {
    private ConsumerTools() {
    }

    /** Assigns every partition of the topic (or just {@code partition}) and positions them. */
    static List<TopicPartition> assignAll(TributaryConsumer<?, ?> consumer, String topic, Integer partition) {
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic)) {
            if (partition == null || p.partition() == partition) {
                tps.add(p.topicPartition());
            }
        }
        if (tps.isEmpty()) {
            throw new ToolCommand.ToolException("topic '" + topic + "' has no partition " + partition);
        }
        consumer.assign(tps);
        return tps;
    }

    /**
     * A tool that stops in the middle of a poll's records (--max-messages) seeks each partition back to its first
     * record not handed on, so the offsets committed on close are exactly what was printed.
     */
    static <K, V> void rewindUnprinted(TributaryConsumer<K, V> consumer, ConsumerRecords<K, V> records, ConsumerRecord<K, V> firstUnprinted) {
        Set<TopicPartition> done = new HashSet<>();
        boolean reached = false;
        for (ConsumerRecord<K, V> r : records) {
            reached |= r == firstUnprinted;
            if (reached && done.add(r.topicPartition())) {
                consumer.seek(r.topicPartition(), r.offset());
            }
        }
    }

    /**
     * On Ctrl-C (JVM shutdown) wakes the consumer's poll and waits briefly for the tool to finish printing.
     * The returned hook is removed by {@link #removeHook} when the tool ends on its own.
     */
    static Thread installWakeupHook(TributaryConsumer<?, ?> consumer, CountDownLatch finished) {
        Thread hook = new Thread(() -> {
            consumer.wakeup();
            try {
                finished.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tributary-tool-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting; the hook is running and will see the latch.
        }
    }
}
