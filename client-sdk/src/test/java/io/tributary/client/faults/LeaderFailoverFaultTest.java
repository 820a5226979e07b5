package io.tributary.client.faults;

import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.PartitionMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tributary.client.faults.FaultTestSupport.PARTITIONS;
import static io.tributary.client.faults.FaultTestSupport.RATE;
import static io.tributary.client.faults.FaultTestSupport.TOPIC_CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenarios 1 and 2 of the process-level fault tests: a producer (acks=all, retries) runs all the time while a
 * broker is repeatedly taken away and brought back: kill -9 of a partition leader (20 rounds), kill -9 of the
 * controller, SIGTERM of a leader, and a hard bounce (kill -9 and immediate restart). Afterwards every record the
 * producer saw acknowledged must be consumable at the offset it was acknowledged with (0 lost), duplicates are
 * counted, and all three replicas of every partition must hold identical logs on disk.
 *
 * <p>Three ZooKeeper nodes and three brokers, each a separate JVM on 127.0.0.1 ({@link ProcessCluster}). Rounds:
 * {@code -Dtributary.faults.leaderKillRounds} (default 20) and {@code -Dtributary.faults.variantRounds} (default 5).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class LeaderFailoverFaultTest {
    private static final int LEADER_KILL_ROUNDS = Integer.getInteger("tributary.faults.leaderKillRounds", 20);
    private static final int VARIANT_ROUNDS = Integer.getInteger("tributary.faults.variantRounds", 5);

    private static final int ZK_ROUNDS = Integer.getInteger("tributary.faults.zkRounds", 2);
    private static final long SEED = Long.getLong("tributary.faults.seed", System.nanoTime());

    private ProcessCluster cluster;
    private final Random random = new Random(SEED);

    @RegisterExtension
    final TestWatcher logsOnFailure = FaultTestSupport.logsOnFailure(() -> cluster);

    enum Victim { PARTITION_LEADER, CONTROLLER }

    enum Fault { KILL9, SIGTERM, HARD_BOUNCE }

    @BeforeAll
    void startCluster() throws Exception {
        ProcessCluster.log("LeaderFailoverFaultTest seed " + SEED + " (-Dtributary.faults.seed=" + SEED + " repeats the victim choices)");
        cluster = ProcessCluster.start(3, 3, Map.of());
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void killMinus9OfPartitionLeadersLosesNoAcknowledgedRecord() throws Exception {
        runRounds("kill-leader", LEADER_KILL_ROUNDS, Victim.PARTITION_LEADER, Fault.KILL9);
    }

    @Test
    @Order(2)
    void killMinus9OfTheControllerLosesNoAcknowledgedRecord() throws Exception {
        runRounds("kill-controller", VARIANT_ROUNDS, Victim.CONTROLLER, Fault.KILL9);
    }

    @Test
    @Order(3)
    void cleanShutdownOfPartitionLeadersLosesNoAcknowledgedRecord() throws Exception {
        runRounds("sigterm-leader", VARIANT_ROUNDS, Victim.PARTITION_LEADER, Fault.SIGTERM);
    }

    @Test
    @Order(4)
    void cleanShutdownOfTheControllerLosesNoAcknowledgedRecord() throws Exception {
        runRounds("sigterm-controller", VARIANT_ROUNDS, Victim.CONTROLLER, Fault.SIGTERM);
    }

    @Test
    @Order(5)
    void hardBounceOfPartitionLeadersLosesNoAcknowledgedRecord() throws Exception {
        runRounds("bounce-leader", VARIANT_ROUNDS, Victim.PARTITION_LEADER, Fault.HARD_BOUNCE);
    }

    /** SPEC §14 "ZooKeeper node loss": kill -9 of the ZooKeeper ensemble's leader under load, then its restart. */
    @Test
    @Order(6)
    void killMinus9OfTheZooKeeperLeaderLosesNoAcknowledgedRecord() throws Exception {
        String topic = "kill-zk-leader";
        cluster.createTopic(topic, PARTITIONS, 3, TOPIC_CONFIG);
        List<Long> electionMs = new ArrayList<>();
        ProducerDriver producer = new ProducerDriver(cluster.bootstrap(), topic, topic, PARTITIONS, RATE, Map.of()).start();
        Map<Integer, PartitionMetadata> first;
        try {
            producer.awaitMoreAcks(300, 30_000);
            first = FaultTestSupport.partitions(cluster.metadata(), topic, PARTITIONS);
            for (int round = 1; round <= ZK_ROUNDS; round++) {
                producer.round(round);
                int zkLeader = cluster.zkLeader();
                assertTrue(zkLeader > 0, "a ZooKeeper leader");
                long t0 = System.nanoTime();
                cluster.kill9Zk(zkLeader);
                cluster.awaitCondition(() -> cluster.zkLeader() > 0, 60_000, "a new ZooKeeper leader");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                electionMs.add(ms);
                ProcessCluster.log(String.format("%s round %d: zk-%d killed, zk-%d leads after %d ms", topic, round, zkLeader,
                        cluster.zkLeader(), ms));
                producer.awaitMoreAcks(300, 30_000);
                Thread.sleep(2_000);
                cluster.restartZk(zkLeader);
                cluster.awaitHealthy(topic, PARTITIONS, 60_000);
            }
            producer.awaitMoreAcks(200, 20_000);
        } finally {
            producer.stop();
        }
        Map<Integer, PartitionMetadata> last = FaultTestSupport.partitions(cluster.metadata(), topic, PARTITIONS);
        long epochChanges = first.keySet().stream().filter(p -> first.get(p).getLeaderEpoch() != last.get(p).getLeaderEpoch()).count();
        List<Verifier.Consumed> consumed = Verifier.consumeAll(cluster.bootstrap(), topic, PARTITIONS, 120_000);
        Verifier.Figures figures = Verifier.compare(topic + " (kill -9 of the ZooKeeper leader, " + ZK_ROUNDS + " rounds)",
                producer, consumed, electionMs);
        ProcessCluster.log(figures.line() + " (failover = ZooKeeper leader election); partitions whose leader changed: "
                + epochChanges);
        FaultTestSupport.checkDuplicates(producer, figures);
        FaultTestSupport.checkOrder(producer, figures);
        FaultTestSupport.diagnoseFailedSends(cluster, producer, topic);
        Verifier.awaitIdenticalReplicas(cluster, topic, PARTITIONS, 30_000);
        assertEquals(0, figures.lost(), "acknowledged records lost: " + figures.lostSample());
        assertEquals(0, figures.ackedOffsetMismatches(), "acknowledged offsets holding another record: " + figures.mismatchSample());
    }

    /**
     * The durability promise at its limit (SPEC §1: an acknowledged record survives the loss of any R-1 brokers by
     * kill -9): two of the three brokers are killed at the same moment under acks=all load; the survivor leads every
     * partition (acks=all is refused below min ISR meanwhile, the producer retries), then both come back.
     */
    @Test
    @Order(7)
    void killMinus9OfTwoBrokersAtOnceLosesNoAcknowledgedRecord() throws Exception {
        String topic = "kill-two";
        int rounds = Integer.getInteger("tributary.faults.twoKillRounds", 2);
        cluster.createTopic(topic, PARTITIONS, 3, TOPIC_CONFIG);
        List<Long> failoverMs = new ArrayList<>();
        ProducerDriver producer = new ProducerDriver(cluster.bootstrap(), topic, topic, PARTITIONS, RATE, Map.of()).start();
        try {
            producer.awaitMoreAcks(300, 30_000);
            for (int round = 1; round <= rounds; round++) {
                producer.round(round);
                cluster.awaitHealthy(topic, PARTITIONS, 60_000);
                producer.awaitMoreAcks(300, 20_000);
                int survivor = 1 + random.nextInt(3);
                List<Integer> victims = new ArrayList<>(cluster.brokerIds());
                victims.remove(Integer.valueOf(survivor));
                ProcessCluster.log(String.format("%s round %d/%d: kill -9 brokers %s at once | %s", topic, round, rounds, victims,
                        FaultTestSupport.describe(cluster.metadata(), topic, PARTITIONS)));
                long t0 = System.nanoTime();
                for (int v : victims) {
                    cluster.kill9(v);
                }
                cluster.awaitCondition(() -> FaultTestSupport.partitions(cluster.metadataFrom(survivor), topic, PARTITIONS)
                        .values().stream().allMatch(pm -> pm.getLeaderId() == survivor && pm.getIsrList().equals(List.of(survivor))),
                        60_000, "broker " + survivor + " leading everything with ISR [" + survivor + "]");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                failoverMs.add(ms);
                ProcessCluster.log(String.format("%s round %d: survivor %d leads every partition, ISR = itself, after %d ms | %s", topic, round,
                        survivor, ms, FaultTestSupport.describe(cluster.metadataFrom(survivor), topic, PARTITIONS)));
                Thread.sleep(1_000);
                for (int v : victims) {
                    cluster.startBroker(v);
                }
            }
            cluster.awaitHealthy(topic, PARTITIONS, 60_000);
            producer.awaitMoreAcks(300, 30_000);
        } finally {
            producer.stop();
        }
        List<Verifier.Consumed> consumed = Verifier.consumeAll(cluster.bootstrap(), topic, PARTITIONS, 120_000);
        Verifier.Figures figures = Verifier.compare(topic + " (kill -9 of 2 of 3 brokers at once, " + rounds + " rounds)",
                producer, consumed, failoverMs);
        ProcessCluster.log(figures.line());
        FaultTestSupport.checkDuplicates(producer, figures);
        FaultTestSupport.checkOrder(producer, figures);
        FaultTestSupport.diagnoseFailedSends(cluster, producer, topic);
        Verifier.awaitIdenticalReplicas(cluster, topic, PARTITIONS, 30_000);
        assertEquals(0, figures.lost(), "acknowledged records lost: " + figures.lostSample());
        assertEquals(0, figures.ackedOffsetMismatches(), "acknowledged offsets holding another record: " + figures.mismatchSample());
    }

    private void runRounds(String topic, int rounds, Victim victimKind, Fault fault) throws Exception {
        long started = System.nanoTime();
        cluster.createTopic(topic, PARTITIONS, 3, TOPIC_CONFIG);
        List<Long> failoverMs = new ArrayList<>();
        List<Long> resumeMs = new ArrayList<>();
        List<Long> controllerFailoverMs = new ArrayList<>();
        int refusedRestarts = 0;
        ProducerDriver producer = new ProducerDriver(cluster.bootstrap(), topic, topic, PARTITIONS, RATE, Map.of()).start();
        try {
            producer.awaitMoreAcks(300, 30_000);
            for (int round = 1; round <= rounds; round++) {
                producer.round(round);
                cluster.awaitHealthy(topic, PARTITIONS, 60_000);
                producer.awaitMoreAcks(100, 10_000);
                MetadataResponse before = cluster.metadata();
                int victim = victimKind == Victim.CONTROLLER ? before.getControllerId()
                        : ProcessCluster.partition(before, topic, random.nextInt(PARTITIONS)).orElseThrow().getLeaderId();
                List<Integer> led = FaultTestSupport.ledBy(before, topic, PARTITIONS, victim);
                Map<Integer, PartitionMetadata> old = FaultTestSupport.partitions(before, topic, PARTITIONS);
                ProcessCluster.log(String.format("%s round %d/%d: %s broker %d (leads %s) | %s", topic, round, rounds,
                        fault, victim, led, FaultTestSupport.describe(before, topic, PARTITIONS)));
                long t0 = System.nanoTime();
                CompletableFuture<Integer> bounce = null;
                Process stopping = null;
                switch (fault) {
                    case KILL9 -> cluster.kill9(victim);
                    case SIGTERM -> stopping = cluster.sigtermNoWait(victim);
                    case HARD_BOUNCE -> {
                        cluster.kill9(victim);
                        bounce = CompletableFuture.supplyAsync(() -> {
                            try {
                                return cluster.startBroker(victim);
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
                    }
                }
                // Failover: every partition the victim led has a newer leader epoch and a live leader; for the
                // controller as victim, another controller is also elected.
                cluster.awaitCondition(() -> {
                    MetadataResponse md = cluster.metadata();
                    if (victimKind == Victim.CONTROLLER && (md.getControllerId() <= 0 || md.getControllerId() == victim)) {
                        return false;
                    }
                    for (int p : led) {
                        PartitionMetadata pm = ProcessCluster.partition(md, topic, p).orElseThrow();
                        if (pm.getLeaderEpoch() <= old.get(p).getLeaderEpoch() || pm.getLeaderId() <= 0
                                || !cluster.runningBrokers().contains(pm.getLeaderId())) {
                            return false;
                        }
                    }
                    return true;
                }, 60_000, "failover from broker " + victim);
                long failedOver = System.nanoTime();
                long ms = TimeUnit.NANOSECONDS.toMillis(failedOver - t0);
                failoverMs.add(ms);
                if (victimKind == Victim.CONTROLLER) {
                    controllerFailoverMs.add(ms);
                }
                // Produce resumption: the first acknowledgement on each of those partitions after the failover.
                long resume = 0;
                for (int p : led) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (producer.lastAckNanos.getOrDefault(p, 0L) < failedOver && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    resume = Math.max(resume, producer.lastAckNanos.getOrDefault(p, 0L) - t0);
                }
                if (!led.isEmpty()) {
                    resumeMs.add(TimeUnit.NANOSECONDS.toMillis(resume));
                }
                ProcessCluster.log(String.format("%s round %d: failover %d ms, produce resumed on %s after %d ms | %s",
                        topic, round, ms, led, TimeUnit.NANOSECONDS.toMillis(resume),
                        FaultTestSupport.describe(cluster.metadata(), topic, PARTITIONS)));
                if (stopping != null) {
                    cluster.awaitExit(victim, stopping);
                    ProcessCluster.log(String.format("%s round %d: broker %d exited %d ms after SIGTERM", topic, round, victim,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
                }
                if (bounce != null) {
                    refusedRestarts += bounce.get(90, TimeUnit.SECONDS);
                } else {
                    Thread.sleep(fault == Fault.SIGTERM ? 2_000 : 1_000);
                    refusedRestarts += cluster.startBroker(victim);
                }
            }
            cluster.awaitHealthy(topic, PARTITIONS, 60_000);
            producer.awaitMoreAcks(200, 20_000);
        } finally {
            producer.stop();
        }
        List<Verifier.Consumed> consumed = Verifier.consumeAll(cluster.bootstrap(), topic, PARTITIONS, 120_000);
        Verifier.Figures figures = Verifier.compare(topic + " (" + fault + " of " + victimKind + ", " + rounds + " rounds)",
                producer, consumed, failoverMs);
        ProcessCluster.log(figures.line());
        FaultTestSupport.checkDuplicates(producer, figures);
        FaultTestSupport.checkOrder(producer, figures);
        FaultTestSupport.diagnoseFailedSends(cluster, producer, topic);
        ProcessCluster.log(String.format("%s: produce resumed after p50=%d ms max=%d ms %s; restarts refused while the old "
                        + "session lived: %d; run time %d s", topic, FaultTestSupport.percentile50(resumeMs),
                resumeMs.stream().mapToLong(x -> x).max().orElse(-1), resumeMs, refusedRestarts,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)));
        Map<Integer, List<Verifier.LogRecord>> logs = Verifier.awaitIdenticalReplicas(cluster, topic, PARTITIONS, 30_000);
        long replicaRecords = logs.values().stream().mapToLong(List::size).sum();
        ProcessCluster.log(topic + ": all 3 replicas of all " + PARTITIONS + " partitions identical on disk ("
                + replicaRecords + " records each)");
        assertEquals(0, figures.lost(), "acknowledged records lost: " + figures.lostSample());
        assertEquals(0, figures.ackedOffsetMismatches(), "acknowledged offsets holding another record: " + figures.mismatchSample());
        assertEquals(figures.consumed(), replicaRecords, "the consumer read exactly what the replicas hold");
        assertTrue(figures.acked() > 1_000, "the producer made progress: " + figures.acked());
    }
}
