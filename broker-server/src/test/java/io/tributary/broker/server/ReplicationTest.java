package io.tributary.broker.server;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.broker.log.LogReadInfo;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.coordination.PartitionMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replication among real brokers in one JVM: ISR, high watermark, acks=all, failover, divergent logs. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReplicationTest {
    private static final Map<String, Object> FAST = Map.of("replica.lag.time.max.ms", 3_000L);

    private static ByteBuffer record(String value) {
        return RecordBatchBuilder.create().append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)).build();
    }

    private static PartitionProduceResult produce(EmbeddedCluster c, String topic, String value, int acks) {
        int leader = c.leaderOf(topic, 0);
        return TestClients.produce(c.channel(leader), topic, 0, record(value), acks);
    }

    private static PartitionMetadata partitionState(EmbeddedCluster c, String topic) {
        return c.anyRunningBroker().coordination().metadata().partition(new TopicPartition(topic, 0)).orElseThrow();
    }

    /** Every record value in a replica's log, with offsets, straight from its disk. */
    private static List<String> logOf(EmbeddedCluster c, int brokerId, String topic) {
        PartitionLog log = c.broker(brokerId).logManager().getLog(new TopicPartition(topic, 0)).orElseThrow();
        List<String> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            LogReadInfo info = log.read(next, 1 << 20, Long.MAX_VALUE, true);
            for (RecordBatch b : RecordBatch.iterate(info.records())) {
                b.ensureValid(Integer.MAX_VALUE);
                for (var r : b.decodeRecords().getRecordsList()) {
                    out.add((b.baseOffset() + r.getOffsetDelta()) + "@" + b.leaderEpoch() + ":" + r.getValue().toStringUtf8());
                }
                next = b.nextOffset();
            }
        }
        return out;
    }

    private static void awaitIdenticalLogs(EmbeddedCluster c, String topic, List<Integer> brokers) {
        c.awaitCondition(() -> {
            List<String> first = logOf(c, brokers.get(0), topic);
            return brokers.stream().allMatch(b -> logOf(c, b, topic).equals(first));
        }, 30_000, "identical logs on " + brokers);
    }

    @Test
    void acksAllWaitsForEveryInSyncReplicaAndReplicasConvergeToIdenticalLogs() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, FAST)) {
            c.createTopic("replicated", 1, 3, Map.of("min.insync.replicas", "2"));
            for (int i = 0; i < 50; i++) {
                PartitionProduceResult r = produce(c, "replicated", "v" + i, -1);
                assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
                assertEquals(i, r.getBaseOffset());
            }
            // acks=all returned: every ISR member has everything, so the high watermark is at the end.
            int leader = c.leaderOf("replicated", 0);
            assertEquals(50, c.broker(leader).logManager().getLog(new TopicPartition("replicated", 0)).orElseThrow().highWatermark());
            awaitIdenticalLogs(c, "replicated", List.of(1, 2, 3));
            assertEquals(3, partitionState(c, "replicated").isr().size());
            try (TestClients.Fetcher f = new TestClients.Fetcher(c.channel(leader), TestClients.Fetcher.session("replicated", 0, 0).build())) {
                assertEquals(50, f.next(10_000).getPartitions(0).getHighWatermark());
            }
        }
    }

    @Test
    void belowMinInSyncReplicasAcksAllIsRefusedBeforeAppendAndAcksOneStillWorks() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, FAST)) {
            c.createTopic("min-isr", 1, 3, Map.of("min.insync.replicas", "2"));
            assertTrue(produce(c, "min-isr", "before", -1).getError().getCode().isEmpty());
            int leader = c.leaderOf("min-isr", 0);
            List<Integer> followers = new ArrayList<>(List.of(1, 2, 3));
            followers.remove(Integer.valueOf(leader));
            for (int f : followers) {
                c.stopBroker(f);
            }
            c.awaitCondition(() -> partitionState(c, "min-isr").isr().equals(List.of(leader)), 30_000, "ISR shrunk to the leader");
            PartitionLog log = c.broker(leader).logManager().getLog(new TopicPartition("min-isr", 0)).orElseThrow();
            long endBefore = log.logEndOffset();
            PartitionProduceResult refused = produce(c, "min-isr", "refused", -1);
            assertEquals("NOT_ENOUGH_REPLICAS", refused.getError().getCode());
            assertEquals(endBefore, log.logEndOffset(), "nothing appended");
            PartitionProduceResult acksOne = produce(c, "min-isr", "acks-one", 1);
            assertTrue(acksOne.getError().getCode().isEmpty(), acksOne.getError().toString());

            // The followers come back, catch up, rejoin the ISR; acks=all works again.
            for (int f : followers) {
                c.startBroker(f);
            }
            c.awaitCondition(() -> partitionState(c, "min-isr").isr().size() == 3, 30_000, "ISR expanded back to 3");
            assertTrue(produce(c, "min-isr", "after", -1).getError().getCode().isEmpty());
            awaitIdenticalLogs(c, "min-isr", List.of(1, 2, 3));
        }
    }

    @Test
    void leaderLossElectsAnInSyncReplicaThatHasEveryAcknowledgedRecord() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, FAST)) {
            c.createTopic("failover", 1, 3, Map.of("min.insync.replicas", "2"));
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                if (produce(c, "failover", "a" + i, -1).getError().getCode().isEmpty()) {
                    acked.add("a" + i);
                }
            }
            int oldLeader = c.leaderOf("failover", 0);
            int oldEpoch = partitionState(c, "failover").state().state().leaderEpoch();
            long stopped = System.nanoTime();
            c.stopBroker(oldLeader);
            c.awaitCondition(() -> {
                int l = c.leaderOf("failover", 0);
                return l > 0 && l != oldLeader && c.runningBrokers().containsKey(l)
                        && c.broker(l).partitionManager().partition(new TopicPartition("failover", 0)).map(p -> p.isLeader()).orElse(false);
            }, 30_000, "a new leader");
            System.out.printf("leader failover after clean stop: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped));
            assertTrue(partitionState(c, "failover").state().state().leaderEpoch() > oldEpoch, "leader epoch bumped");
            for (int i = 0; i < 10; i++) {
                PartitionProduceResult r = produce(c, "failover", "b" + i, -1);
                if (r.getError().getCode().isEmpty()) {
                    acked.add("b" + i);
                }
            }
            int newLeader = c.leaderOf("failover", 0);
            List<String> values = logOf(c, newLeader, "failover").stream().map(s -> s.substring(s.indexOf(':') + 1)).toList();
            assertTrue(values.containsAll(acked), "every acknowledged record is on the new leader");
            assertEquals(40, acked.size());

            // The old leader returns as a follower and converges.
            c.startBroker(oldLeader);
            awaitIdenticalLogs(c, "failover", List.of(1, 2, 3));
        }
    }

    @Test
    void divergentSuffixOfAFormerLeaderIsTruncatedByLeaderEpochKip101() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 2, FAST)) {
            c.createTopic("diverge", 1, 2, Map.of("min.insync.replicas", "1", "unclean.leader.election.enable", "true"));
            for (int i = 0; i < 10; i++) {
                assertTrue(produce(c, "diverge", "common" + i, -1).getError().getCode().isEmpty());
            }
            int first = c.leaderOf("diverge", 0);
            int second = first == 1 ? 2 : 1;
            awaitIdenticalLogs(c, "diverge", List.of(1, 2));
            // The follower goes away; the leader appends alone (acks=1: never replicated).
            c.stopBroker(second);
            c.awaitCondition(() -> partitionState(c, "diverge").isr().equals(List.of(first)), 30_000, "ISR = leader only");
            for (int i = 0; i < 5; i++) {
                assertTrue(produce(c, "diverge", "lost" + i, 1).getError().getCode().isEmpty());
            }
            // The leader dies; the other replica comes back and, unclean election allowed, leads with new writes.
            c.stopBroker(first);
            c.startBroker(second);
            c.awaitCondition(() -> c.leaderOf("diverge", 0) == second && c.broker(second).partitionManager()
                    .partition(new TopicPartition("diverge", 0)).map(p -> p.isLeader()).orElse(false), 30_000, "unclean leader");
            for (int i = 0; i < 3; i++) {
                assertTrue(produce(c, "diverge", "new" + i, 1).getError().getCode().isEmpty());
            }
            // The old leader returns: its unreplicated suffix (offsets 10..14, old epoch) must go.
            c.startBroker(first);
            awaitIdenticalLogs(c, "diverge", List.of(1, 2));
            List<String> log = logOf(c, first, "diverge");
            assertEquals(13, log.size(), log.toString());
            assertTrue(log.stream().noneMatch(s -> s.contains("lost")), log.toString());
            assertTrue(log.get(10).endsWith(":new0"), log.toString());
        }
    }

    @Test
    void leadershipReturnsToThePreferredReplicaAfterItRecovers() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, Map.of("replica.lag.time.max.ms", 3_000L,
                "leader.imbalance.check.interval.seconds", 1L))) {
            c.createTopic("preferred", 1, 3, Map.of("min.insync.replicas", "2"));
            int preferred = c.anyRunningBroker().coordination().metadata().topic("preferred").orElseThrow()
                    .assignment().replicas(0).get(0);
            assertEquals(preferred, c.leaderOf("preferred", 0));
            c.stopBroker(preferred);
            c.awaitCondition(() -> c.leaderOf("preferred", 0) != preferred && c.leaderOf("preferred", 0) > 0, 30_000, "failover");
            assertTrue(produce(c, "preferred", "while-away", -1).getError().getCode().isEmpty());
            long back = System.nanoTime();
            c.startBroker(preferred);
            c.awaitCondition(() -> c.leaderOf("preferred", 0) == preferred, 30_000, "leadership back on the preferred replica");
            System.out.printf("preferred replica leads again %d ms after its restart%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back));
            c.awaitCondition(() -> c.broker(preferred).partitionManager().partition(new TopicPartition("preferred", 0))
                    .map(p -> p.isLeader()).orElse(false), 30_000, "preferred replica acting as leader");
            assertTrue(produce(c, "preferred", "back-home", -1).getError().getCode().isEmpty());
            awaitIdenticalLogs(c, "preferred", List.of(1, 2, 3));
        }
    }
}
