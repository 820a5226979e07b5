package io.tributary.client.integration;

import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.integration.GroupMemberDriver.Delivery;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer-group scenarios of the issue, against three real brokers: members share a topic's partitions,
 * move them on joins and leaves without reading a committed record twice, and a static member's restart moves
 * nothing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsumerGroupScenarioTest {
    private static final int PARTITIONS = 6;
    /** "Within a few seconds": the bound every rebalance in these scenarios must meet. */
    private static final long REBALANCE_BOUND_MS = 10_000;

    static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 3, Map.of(
                "group.initial.rebalance.delay.ms", 0,
                "offsets.topic.num.partitions", 5,
                "group.min.session.timeout.ms", 1_000));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Supplier<TributaryConsumer<String, String>> consumers(String group, Map<String, Object> extra) {
        return () -> {
            ConsumerConfig.Builder b = ConsumerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000)
                    .fetchMaxWaitMs(100)
                    .set("group.id", group)
                    .set("enable.auto.commit", false)
                    .set("auto.offset.reset", "earliest")
                    .set("session.timeout.ms", 6_000)
                    .set("heartbeat.interval.ms", 500)
                    .set("max.poll.records", 200);
            extra.forEach(b::set);
            return new TributaryConsumer<>(b.build(), new StringDeserializer(), new StringDeserializer());
        };
    }

    private static void produce(String topic, int count, int startAt) throws Exception {
        ProducerConfig config = ProducerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000)
                .set("acks", "all").set("linger.ms", 2).build();
        try (TributaryProducer<String, String> producer = new TributaryProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (int i = startAt; i < startAt + count; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, Integer.toString(i)));
            }
            producer.flush();
        }
    }

    private static void assertNoFailure(List<GroupMemberDriver> members) {
        for (GroupMemberDriver m : members) {
            assertNull(m.failure(), () -> "member " + m.name() + " failed: " + m.failure());
        }
    }

    private static Map<Integer, Long> endOffsets(String topic) {
        Map<Integer, Long> ends = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            ends.put(p, cluster.broker(cluster.leaderOf(topic, p)).partitionManager()
                    .partition(new TopicPartition(topic, p)).orElseThrow().log().highWatermark());
        }
        return ends;
    }

    /** Every offset below each partition's end delivered; returns how many deliveries were repeats. */
    private static int assertEveryRecordDelivered(Map<Delivery, AtomicInteger> deliveries, Map<Integer, Long> ends) {
        int repeats = 0;
        for (Map.Entry<Integer, Long> e : ends.entrySet()) {
            for (long o = 0; o < e.getValue(); o++) {
                AtomicInteger n = deliveries.get(new Delivery(e.getKey(), o));
                assertTrue(n != null && n.get() > 0, "partition " + e.getKey() + " offset " + o + " was never delivered");
                repeats += n.get() - 1;
            }
        }
        return repeats;
    }

    @Test
    void threeMembersOverSixPartitionsGetTwoEachAndConsumeEverythingExactlyOnce() throws Exception {
        String topic = "group-exactly-once";
        String group = "g-exactly-once";
        cluster.createTopic(topic, PARTITIONS, 3);
        produce(topic, 12_000, 0);
        Map<Delivery, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        List<GroupMemberDriver> members = new ArrayList<>();
        try {
            for (String name : List.of("a", "b", "c")) {
                members.add(new GroupMemberDriver(name, consumers(group, Map.of()), topic, deliveries, 5));
            }
            cluster.awaitCondition(() -> deliveries.size() >= 12_000 && members.stream().allMatch(m -> m.owned.size() == 2),
                    60_000, "12,000 records consumed and two partitions owned by each member");
            Set<TopicPartition> all = new HashSet<>();
            for (GroupMemberDriver m : members) {
                assertEquals(2, m.owned.size(), m.name() + " owns " + m.owned);
                all.addAll(m.owned);
            }
            assertEquals(PARTITIONS, all.size(), "the members' partitions are disjoint and cover the topic");
            assertNoFailure(members);
            int repeats = assertEveryRecordDelivered(deliveries, endOffsets(topic));
            assertEquals(0, repeats, "no record is delivered twice when every member commits what it processed");
        } finally {
            for (GroupMemberDriver m : members) {
                m.close();
            }
        }
        assertNoFailure(members);
        // Everything processed was committed: the group's offsets are the log end offsets.
        try (TributaryConsumer<String, String> probe = consumers(group, Map.of()).get()) {
            Set<TopicPartition> tps = new HashSet<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            Map<Integer, Long> ends = endOffsets(topic);
            probe.committed(tps).forEach((tp, om) ->
                    assertEquals(ends.get(tp.partition()), om == null ? null : om.offset(), "committed offset of " + tp));
        }
    }

    @Test
    void cooperativeMembersJoiningAndLeavingRebalanceQuicklyAndNeverReadACommittedRecordTwice() throws Exception {
        String topic = "group-cooperative";
        String group = "g-cooperative";
        cluster.createTopic(topic, PARTITIONS, 3);
        Map<Delivery, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger produced = new AtomicInteger();
        // One producer sending all the time (about 5,000 records/s) so every rebalance happens mid-stream.
        Thread producer = new Thread(() -> {
            ProducerConfig config = ProducerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000)
                    .set("acks", "all").set("linger.ms", 2).build();
            try (TributaryProducer<String, String> p = new TributaryProducer<>(config, new StringSerializer(), new StringSerializer())) {
                while (producing.get()) {
                    for (int i = 0; i < 50; i++) {
                        int n = produced.getAndIncrement();
                        p.send(new ProducerRecord<>(topic, n % PARTITIONS, null, Integer.toString(n)));
                    }
                    Thread.sleep(10);
                }
                p.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "scenario-producer");
        producer.start();
        Map<String, Object> cooperative = Map.of("partition.assignment.strategy", "cooperative-sticky");
        List<GroupMemberDriver> members = new ArrayList<>();
        try {
            members.add(new GroupMemberDriver("a", consumers(group, cooperative), topic, deliveries, 0));
            members.add(new GroupMemberDriver("b", consumers(group, cooperative), topic, deliveries, 0));
            cluster.awaitCondition(() -> members.get(0).owned.size() == 3 && members.get(1).owned.size() == 3,
                    REBALANCE_BOUND_MS * 2, "two members own three partitions each");
            Thread.sleep(2_000); // consume mid-stream for a while before the group changes
            Map<String, Set<TopicPartition>> before = snapshot(members);
            int[] revokedBefore = {members.get(0).everRevoked.size(), members.get(1).everRevoked.size()};

            long joinStart = System.nanoTime();
            members.add(new GroupMemberDriver("c", consumers(group, cooperative), topic, deliveries, 0));
            cluster.awaitCondition(() -> members.stream().allMatch(m -> m.owned.size() == 2), REBALANCE_BOUND_MS,
                    "three members own two partitions each after the third joined");
            long joinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joinStart);
            // Cooperative: a and b gave up exactly the partitions that moved to c, and kept the rest throughout.
            Set<TopicPartition> moved = new HashSet<>(members.get(2).owned);
            for (int i = 0; i < 2; i++) {
                GroupMemberDriver m = members.get(i);
                List<TopicPartition> revokedNow = m.everRevoked.subList(revokedBefore[i], m.everRevoked.size());
                Set<TopicPartition> kept = new HashSet<>(before.get(m.name()));
                kept.removeAll(moved);
                assertTrue(m.owned.containsAll(kept), m.name() + " kept " + kept + " (owns " + m.owned + ")");
                for (TopicPartition tp : revokedNow) {
                    assertTrue(moved.contains(tp) || !before.get(m.name()).contains(tp),
                            m.name() + " had " + tp + " revoked though it did not move");
                }
            }
            assertTrue(members.get(0).everRevoked.size() - revokedBefore[0] + members.get(1).everRevoked.size() - revokedBefore[1] <= 2,
                    "only the two partitions that moved were revoked");

            Thread.sleep(2_000);
            long leaveStart = System.nanoTime();
            GroupMemberDriver leaving = members.remove(0);
            leaving.stop();
            cluster.awaitCondition(() -> members.stream().allMatch(m -> m.owned.size() == 3), REBALANCE_BOUND_MS,
                    "the two remaining members own three partitions each after one left");
            long leaveMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - leaveStart);
            members.add(0, leaving);

            Thread.sleep(2_000);
            producing.set(false);
            producer.join(30_000);
            cluster.awaitCondition(() -> deliveries.size() >= produced.get(), 60_000, "every produced record consumed");
            Map<Integer, Long> ends = endOffsets(topic);
            int repeats = assertEveryRecordDelivered(deliveries, ends);
            assertNoFailure(members);
            System.out.printf("cooperative scenario: %d records, join rebalance %d ms, leave rebalance %d ms, %d repeats%n",
                    produced.get(), joinMs, leaveMs, repeats);
            assertEquals(0, repeats, "no partition is consumed twice past a commit");
        } finally {
            producing.set(false);
            for (GroupMemberDriver m : members) {
                m.close();
            }
        }
        assertNoFailure(members);
    }

    private static Map<String, Set<TopicPartition>> snapshot(List<GroupMemberDriver> members) {
        Map<String, Set<TopicPartition>> out = new HashMap<>();
        for (GroupMemberDriver m : members) {
            out.put(m.name(), new HashSet<>(m.owned));
        }
        return out;
    }

    @Test
    void staticMemberRestartingWithinTheSessionTimeoutCausesNoRebalance() throws Exception {
        String topic = "group-static";
        String group = "g-static";
        cluster.createTopic(topic, PARTITIONS, 3);
        produce(topic, 600, 0);
        Map<Delivery, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        Map<String, Object> s1 = Map.of("group.instance.id", "instance-1", "session.timeout.ms", 20_000);
        Map<String, Object> s2 = Map.of("group.instance.id", "instance-2", "session.timeout.ms", 20_000);
        GroupMemberDriver first = new GroupMemberDriver("s1", consumers(group, s1), topic, deliveries, 0);
        GroupMemberDriver other = new GroupMemberDriver("s2", consumers(group, s2), topic, deliveries, 0);
        GroupMemberDriver restarted = null;
        try {
            cluster.awaitCondition(() -> first.owned.size() == 3 && other.owned.size() == 3, REBALANCE_BOUND_MS * 2,
                    "two static members own three partitions each");
            Set<TopicPartition> firstOwned = new HashSet<>(first.owned);
            Set<TopicPartition> otherOwned = new HashSet<>(other.owned);
            int otherCallbacks = other.rebalanceCallbacks.get();

            first.stop(); // a static member's close does not leave the group
            restarted = new GroupMemberDriver("s1-restarted", consumers(group, s1), topic, deliveries, 0);
            GroupMemberDriver r = restarted;
            cluster.awaitCondition(() -> r.owned.equals(firstOwned), REBALANCE_BOUND_MS,
                    "the restarted static member gets its previous partitions back");
            // Give a wrongly triggered rebalance time to show itself.
            Thread.sleep(3_000);
            assertEquals(otherOwned, other.owned, "the other member's partitions did not move");
            assertEquals(otherCallbacks, other.rebalanceCallbacks.get(), "the other member saw no rebalance callback");
            assertTrue(other.everLost.isEmpty());
            assertNoFailure(List.of(first, other, restarted));
        } finally {
            first.close();
            other.close();
            if (restarted != null) {
                restarted.close();
            }
        }
    }
}
