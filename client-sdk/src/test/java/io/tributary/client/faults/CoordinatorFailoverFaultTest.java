package io.tributary.client.faults;

import io.tributary.api.TopicPartition;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.CoordinatorResult;
import io.tributary.api.v1.FetchOffsetsRequest;
import io.tributary.api.v1.FetchOffsetsResponse;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.integration.GroupMemberDriver;
import io.tributary.client.integration.GroupMemberDriver.Delivery;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static io.tributary.client.faults.FaultTestSupport.PARTITIONS;
import static io.tributary.client.faults.FaultTestSupport.TOPIC_CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a consumer group's coordinator while two members consume and commit: the offsets the members saw
 * committed are still there on the new coordinator, and consumption goes on to the end of the log without skipping
 * a record. Re-deliveries (records read again because a member lost its partitions before its next commit) are
 * allowed and reported.
 *
 * <p>Three ZooKeeper nodes and three brokers, each a separate JVM on 127.0.0.1 ({@link ProcessCluster}); the
 * members run in the test JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CoordinatorFailoverFaultTest {
    private static final String TOPIC = "group-failover";
    private static final String GROUP = "g-failover";
    private static final int RECORDS = 30_000;

    private ProcessCluster cluster;

    @RegisterExtension
    final TestWatcher logsOnFailure = FaultTestSupport.logsOnFailure(() -> cluster);

    @BeforeAll
    void startCluster() throws Exception {
        cluster = ProcessCluster.start(3, 3, Map.of(
                "group.initial.rebalance.delay.ms", "0",
                "offsets.topic.num.partitions", "5",
                "group.min.session.timeout.ms", "1000"));
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Supplier<TributaryConsumer<String, String>> consumers() {
        return () -> new TributaryConsumer<>(ConsumerConfig.builder().bootstrapServers(cluster.bootstrap())
                .requestTimeoutMs(10_000).fetchMaxWaitMs(100)
                .set("group.id", GROUP)
                .set("enable.auto.commit", false)
                .set("auto.offset.reset", "earliest")
                .set("session.timeout.ms", 10_000)
                .set("heartbeat.interval.ms", 1_000)
                .set("max.poll.records", 50)
                .set("default.api.timeout.ms", 60_000)
                .build(), new StringDeserializer(), new StringDeserializer());
    }

    private CoordinatorResult coordinator(int askBroker) {
        return GroupsGrpc.newBlockingStub(cluster.channel(askBroker)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .findCoordinator(FindCoordinatorRequest.newBuilder().addGroupIds(GROUP).build()).getCoordinators(0);
    }

    private Map<TopicPartition, Long> committedOn(int coordinatorId) {
        FetchOffsetsResponse r = GroupsGrpc.newBlockingStub(cluster.channel(coordinatorId)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId(GROUP).build());
        Map<TopicPartition, Long> out = new HashMap<>();
        for (CommittedOffset c : r.getOffsetsList()) {
            assertTrue(c.getError().getCode().isEmpty(), "fetch offsets error: " + c.getError());
            out.put(new TopicPartition(c.getTopic(), c.getPartition()), c.getOffset());
        }
        return out;
    }

    @Test
    void killMinus9OfTheGroupCoordinatorKeepsCommittedOffsetsAndSkipsNoRecord() throws Exception {
        cluster.createTopic(TOPIC, PARTITIONS, 3, TOPIC_CONFIG);
        ProducerConfig pc = ProducerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(30_000)
                .set("acks", "all").set("linger.ms", 5).build();
        try (TributaryProducer<String, String> producer = new TributaryProducer<>(pc, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, Integer.toString(i)));
            }
            producer.flush();
        }
        Map<Delivery, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        List<GroupMemberDriver> members = new ArrayList<>();
        try {
            // Slow members (50 records per poll, 50 ms apart) so the kill lands mid-run.
            members.add(new GroupMemberDriver("a", consumers(), TOPIC, deliveries, 50));
            members.add(new GroupMemberDriver("b", consumers(), TOPIC, deliveries, 50));
            cluster.awaitCondition(() -> deliveries.size() >= RECORDS / 4, 120_000, "a quarter of the records consumed");

            CoordinatorResult before = coordinator(cluster.runningBrokers().iterator().next());
            int victim = before.getNode().getId();
            Map<TopicPartition, Long> acknowledged = new HashMap<>();
            for (GroupMemberDriver m : members) {
                m.acknowledgedCommits.forEach((tp, o) -> acknowledged.merge(tp, o, Math::max));
            }
            int consumedAtKill = deliveries.size();
            long t0 = System.nanoTime();
            cluster.kill9(victim);
            ProcessCluster.log("killed coordinator broker " + victim + " (offsets partition " + before.getPartition()
                    + ") after " + consumedAtKill + " distinct records consumed; commits acknowledged so far " + acknowledged);

            int[] after = new int[1];
            cluster.awaitCondition(() -> {
                for (int id : cluster.runningBrokers()) {
                    try {
                        CoordinatorResult c = coordinator(id);
                        if (c.getError().getCode().isEmpty() && c.getNode().getId() != victim) {
                            after[0] = c.getNode().getId();
                            return true;
                        }
                    } catch (RuntimeException notYet) {
                        // try the next broker
                    }
                }
                return false;
            }, 60_000, "a new coordinator for " + GROUP);
            assertNotEquals(victim, after[0]);
            // Intact: every offset a member saw acknowledged is on the new coordinator (or a later one).
            AtomicReference<Map<TopicPartition, Long>> committed = new AtomicReference<>();
            cluster.awaitCondition(() -> {
                try {
                    committed.set(committedOn(after[0]));
                    return true;
                } catch (RuntimeException loading) {
                    return false;
                }
            }, 30_000, "the new coordinator serves the group's offsets");
            for (Map.Entry<TopicPartition, Long> e : acknowledged.entrySet()) {
                Long now = committed.get().get(e.getKey());
                assertTrue(now != null && now >= e.getValue(), e.getKey() + ": acknowledged commit " + e.getValue()
                        + " but the new coordinator has " + now);
            }

            cluster.awaitCondition(() -> deliveries.size() >= RECORDS, 120_000, "every record consumed after the failover");
            long resumeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            for (GroupMemberDriver m : members) {
                assertNull(m.failure(), () -> "member " + m.name() + " failed: " + m.failure());
            }
            int repeats = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                for (long o = 0; o < RECORDS / PARTITIONS; o++) {
                    AtomicInteger n = deliveries.get(new Delivery(p, o));
                    assertTrue(n != null && n.get() > 0, "partition " + p + " offset " + o + " was skipped");
                    repeats += n.get() - 1;
                }
            }
            int lost = 0;
            for (GroupMemberDriver m : members) {
                lost += m.everLost.size();
            }
            ProcessCluster.log(String.format("coordinator failover: %d records, all consumed %d ms after the kill, "
                    + "%d re-delivered, %d partition(s) reported lost, coordinator %d -> %d",
                    RECORDS, resumeMs, repeats, lost, victim, after[0]));
        } finally {
            for (GroupMemberDriver m : members) {
                m.close();
            }
        }
        for (GroupMemberDriver m : members) {
            assertNull(m.failure(), () -> "member " + m.name() + " failed on close: " + m.failure());
        }
        // After a clean close every processed record is committed: offsets at the end of each partition.
        int coord = coordinator(cluster.runningBrokers().iterator().next()).getNode().getId();
        Map<TopicPartition, Long> last = committedOn(coord);
        for (int p = 0; p < PARTITIONS; p++) {
            assertEquals(Long.valueOf(RECORDS / PARTITIONS), last.get(new TopicPartition(TOPIC, p)), "final commit of partition " + p);
        }
    }
}
