package io.tributary.client.faults;

import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.PartitionProduceResult;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static io.tributary.client.faults.FaultTestSupport.PARTITIONS;
import static io.tributary.client.faults.FaultTestSupport.RATE;
import static io.tributary.client.faults.FaultTestSupport.TOPIC_CONFIG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scenarios 3-6 of the process-level fault tests, on three ZooKeeper nodes and three brokers in separate JVMs:
 * min.insync.replicas enforcement, no unclean election of out-of-sync replicas, zombie fencing of a leader whose
 * ZooKeeper session expired while it was paused (SIGSTOP), and KIP-101 truncation of a former leader's divergent
 * suffix. Each ends with replicas compared record by record from their segment files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplicaSafetyFaultTest {
    private ProcessCluster cluster;
    private static final long SEED = Long.getLong("tributary.faults.seed", System.nanoTime());

    private final Random random = new Random(SEED);

    @RegisterExtension
    final TestWatcher logsOnFailure = FaultTestSupport.logsOnFailure(() -> cluster);

    @BeforeAll
    void startCluster() throws Exception {
        ProcessCluster.log("ReplicaSafetyFaultTest seed " + SEED + " (-Dtributary.faults.seed=" + SEED + " repeats the broker choices)");
        cluster = ProcessCluster.start(3, 3, Map.of());
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every broker of the cluster running again (earlier scenarios of this class may have left one down). */
    private void allBrokersUp() throws Exception {
        for (int id : cluster.brokerIds()) {
            if (!cluster.isRunning(id)) {
                cluster.startBroker(id);
            }
        }
    }

    private List<Integer> others(int broker) {
        List<Integer> out = new ArrayList<>(cluster.brokerIds());
        out.remove(Integer.valueOf(broker));
        return out;
    }

    private void awaitAllLedBySoleIsr(String topic, int leader) {
        cluster.awaitCondition(() -> {
            MetadataResponse md = cluster.metadataFrom(leader);
            for (PartitionMetadata pm : FaultTestSupport.partitions(md, topic, PARTITIONS).values()) {
                if (pm.getLeaderId() != leader || !pm.getIsrList().equals(List.of(leader))) {
                    return false;
                }
            }
            return true;
        }, 30_000, "every partition of " + topic + " led by " + leader + " with ISR [" + leader + "]");
    }

    private Verifier.Figures verify(String scenario, Map<String, ProducerDriver.Ack> acked, long sent, long failed,
                                    List<Long> failoverMs, String topic) throws Exception {
        List<Verifier.Consumed> consumed = Verifier.consumeAll(cluster.bootstrap(), topic, PARTITIONS, 120_000);
        Verifier.Figures figures = Verifier.compare(scenario, sent, acked, failed, consumed, failoverMs);
        ProcessCluster.log(figures.line());
        Map<Integer, List<Verifier.LogRecord>> logs = Verifier.awaitIdenticalReplicas(cluster, topic, PARTITIONS, 30_000);
        long replicaRecords = logs.values().stream().mapToLong(List::size).sum();
        ProcessCluster.log(topic + ": all 3 replicas of all " + PARTITIONS + " partitions identical on disk (" + replicaRecords
                + " records each)");
        assertEquals(0, figures.lost(), "acknowledged records lost: " + figures.lostSample());
        assertEquals(0, figures.ackedOffsetMismatches(), "acknowledged offsets holding another record: " + figures.mismatchSample());
        assertEquals(figures.consumed(), replicaRecords, "the consumer read exactly what the replicas hold");
        return figures;
    }

    private static void addAll(Map<String, ProducerDriver.Ack> into, FaultTestSupport.SendResult r, String what) {
        assertTrue(r.failed().isEmpty(), what + " failed: " + r.failed());
        into.putAll(r.acked());
    }

    // ------------------------------------------------------------------------------------------------ scenario 3

    @Test
    @Order(1)
    void belowMinInSyncReplicasAcksAllIsRefusedAndAppendsNothingWhileAcksOneWorks() throws Exception {
        String topic = "min-isr";
        allBrokersUp();
        cluster.createTopic(topic, PARTITIONS, 3, TOPIC_CONFIG);
        Map<String, ProducerDriver.Ack> acked = new HashMap<>();
        addAll(acked, FaultTestSupport.sendEach(cluster.bootstrap(), topic, "before", 20, "all", Integer.MAX_VALUE, 60_000), "acks=all before");

        int survivor = 1 + random.nextInt(3);
        for (int b : others(survivor)) {
            cluster.sigterm(b);
        }
        awaitAllLedBySoleIsr(topic, survivor);

        Map<Integer, Long> endBefore = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            endBefore.put(p, cluster.listOffsets(survivor, topic, p).getLogEndOffset());
        }
        // Raw gRPC: the broker's exact answer to acks=all, per partition.
        Set<String> rawCodes = new TreeSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            PartitionProduceResult r = cluster.produceRaw(survivor, topic, p, "refused-raw-" + p, -1, 10_000);
            rawCodes.add(r.getError().getCode());
            assertEquals("NOT_ENOUGH_REPLICAS", r.getError().getCode(), "partition " + p + ": " + r);
            assertEquals(-1, r.getBaseOffset());
        }
        // The SDK without retries sees the same code; with retries it would keep trying until delivery.timeout.ms.
        FaultTestSupport.SendResult sdkAll = FaultTestSupport.sendEach(cluster.bootstrap(), topic, "refused-sdk", 5, "all", 0, 10_000);
        assertTrue(sdkAll.acked().isEmpty(), "acks=all acknowledged with |ISR| = 1 < min.insync.replicas: " + sdkAll.acked());
        Set<ErrorCode> sdkCodes = new TreeSet<>();
        sdkAll.failed().values().forEach(e -> sdkCodes.add(e.error()));
        assertEquals(Set.of(ErrorCode.NOT_ENOUGH_REPLICAS), sdkCodes, "SDK errors: " + sdkAll.failed());
        for (int p = 0; p < PARTITIONS; p++) {
            ListOffsetsResult lo = cluster.listOffsets(survivor, topic, p);
            assertEquals(endBefore.get(p), lo.getLogEndOffset(), "partition " + p + ": acks=all refused but appended");
        }
        ProcessCluster.log(String.format("min-isr: survivor %d, acks=all refused with raw codes %s and SDK codes %s "
                + "(%d SDK sends), log end offsets unchanged %s", survivor, rawCodes, sdkCodes, sdkAll.failed().size(), endBefore));

        FaultTestSupport.SendResult acksOne = FaultTestSupport.sendEach(cluster.bootstrap(), topic, "acks1", 10, "1", 0, 10_000);
        addAll(acked, acksOne, "acks=1 with one replica");
        ProcessCluster.log("min-isr: acks=1 with the ISR at the leader alone: " + acksOne.acked().size() + " acknowledged");

        long t0 = System.nanoTime();
        for (int b : others(survivor)) {
            cluster.startBroker(b);
        }
        cluster.awaitHealthy(topic, PARTITIONS, 60_000);
        long isrBackMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        addAll(acked, FaultTestSupport.sendEach(cluster.bootstrap(), topic, "after", 20, "all", Integer.MAX_VALUE, 60_000), "acks=all after");
        ProcessCluster.log("min-isr: followers restarted, ISR full again after " + isrBackMs + " ms, acks=all works again");

        Verifier.Figures f = verify("min-isr", acked, acked.size() + sdkAll.failed().size() + PARTITIONS,
                sdkAll.failed().size() + PARTITIONS, List.of(), topic);
        assertEquals(0, Verifier.consumeAll(cluster.bootstrap(), topic, PARTITIONS, 60_000).stream()
                .filter(c -> c.value().startsWith("refused")).count(), "a refused acks=all record was appended");
        assertEquals(0, f.presentButNotAcked(), "records present that were never acknowledged");
    }

    // ------------------------------------------------------------------------------------------------ scenario 4

    @Test
    @Order(2)
    void outOfSyncReplicasAreNeverElectedThePartitionWaitsOfflineForTheLastInSyncReplica() throws Exception {
        String topic = "offline";
        allBrokersUp();
        cluster.createTopic(topic, PARTITIONS, 3, TOPIC_CONFIG);
        Map<String, ProducerDriver.Ack> acked = new HashMap<>();
        addAll(acked, FaultTestSupport.sendEach(cluster.bootstrap(), topic, "replicated", 30, "all", Integer.MAX_VALUE, 60_000), "acks=all");

        int leader = cluster.leaderOf(topic, random.nextInt(PARTITIONS));
        List<Integer> followers = others(leader);
        for (int b : followers) {
            cluster.sigterm(b);
        }
        awaitAllLedBySoleIsr(topic, leader);
        // Acknowledged by the sole in-sync replica only (acks=1; acks=all is refused below min ISR).
        FaultTestSupport.SendResult alone = FaultTestSupport.sendEach(cluster.bootstrap(), topic, "leader-only", 10, "1", 0, 10_000);
        addAll(acked, alone, "acks=1 to the sole in-sync replica");
        Map<Integer, Integer> epochs = new TreeMap<>();
        FaultTestSupport.partitions(cluster.metadataFrom(leader), topic, PARTITIONS).forEach((p, pm) -> epochs.put(p, pm.getLeaderEpoch()));

        long killed = System.nanoTime();
        cluster.kill9(leader);
        for (int b : followers) {
            cluster.startBroker(b);
        }
        // Watch until well past the old leader's session expiry: no out-of-sync replica may lead.
        long watchUntil = killed + TimeUnit.MILLISECONDS.toNanos(ProcessCluster.ZK_SESSION_TIMEOUT_MS + 10_000L);
        long offlineAt = -1;
        Set<String> refusals = new TreeSet<>();
        int samples = 0;
        while (System.nanoTime() < watchUntil) {
            for (int b : followers) {
                MetadataResponse md;
                try {
                    md = cluster.metadataFrom(b);
                } catch (RuntimeException notYet) {
                    continue;
                }
                boolean allOffline = true;
                for (PartitionMetadata pm : FaultTestSupport.partitions(md, topic, PARTITIONS).values()) {
                    if (followers.contains(pm.getLeaderId())) {
                        fail("out-of-sync replica " + pm.getLeaderId() + " elected leader of " + topic + "-" + pm.getPartition()
                                + ": " + FaultTestSupport.describe(md, topic, PARTITIONS));
                    }
                    allOffline &= pm.getLeaderId() == -1;
                }
                samples++;
                if (allOffline && offlineAt < 0) {
                    offlineAt = System.nanoTime();
                    ProcessCluster.log("offline: every partition offline (leader -1) " + TimeUnit.NANOSECONDS.toMillis(offlineAt - killed)
                            + " ms after the kill: " + FaultTestSupport.describe(md, topic, PARTITIONS));
                }
            }
            if (offlineAt > 0) {
                for (int b : followers) {
                    for (int p = 0; p < PARTITIONS; p++) {
                        PartitionProduceResult r = cluster.produceRaw(b, topic, p, "must-not-land-" + b + "-" + p, 1, 5_000);
                        assertFalse(r.getError().getCode().isEmpty(), "out-of-sync replica " + b + " accepted a produce to "
                                + topic + "-" + p + " at offset " + r.getBaseOffset());
                        refusals.add(r.getError().getCode());
                    }
                }
            }
            Thread.sleep(200);
        }
        assertTrue(offlineAt > 0, "the partitions never went offline after the last in-sync replica died");
        MetadataResponse offline = cluster.metadata();
        for (PartitionMetadata pm : FaultTestSupport.partitions(offline, topic, PARTITIONS).values()) {
            assertEquals(-1, pm.getLeaderId(), "partition " + pm.getPartition() + " still offline");
            assertEquals(List.of(leader), pm.getIsrList(), "ISR keeps the last in-sync replica");
        }
        ProcessCluster.log("offline: " + samples + " metadata samples, no out-of-sync replica led; produces to them refused with "
                + refusals + "; " + FaultTestSupport.describe(offline, topic, PARTITIONS));

        long restarted = System.nanoTime();
        cluster.startBroker(leader);
        cluster.awaitCondition(() -> FaultTestSupport.partitions(cluster.metadata(), topic, PARTITIONS).values().stream()
                .allMatch(pm -> pm.getLeaderId() == leader), 30_000, "the last in-sync replica leading again");
        long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
        ProcessCluster.log("offline: broker " + leader + " restarted; it leads every partition again " + backMs
                + " ms after its restart (" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed) + " ms after the kill)");
        cluster.awaitHealthy(topic, PARTITIONS, 60_000);
        addAll(acked, FaultTestSupport.sendEach(cluster.bootstrap(), topic, "after", 10, "all", Integer.MAX_VALUE, 60_000), "acks=all after");
        Verifier.Figures f = verify("offline (kill -9 of the sole in-sync replica, followers restarted)", acked, acked.size(), 0,
                List.of(backMs), topic);
        assertEquals(0, f.presentButNotAcked(), "records present that were never acknowledged");
    }

    // ------------------------------------------------------------------------------------------------ scenario 5

    @Test
    @Order(3)
    void aPausedLeaderWhoseSessionExpiredIsFencedAndReplicasConverge() throws Exception {
        pausedLeader("zombie", false);
    }

    /** The same with the controller as the paused leader: on waking up it is a deposed controller too. */
    @Test
    @Order(4)
    void aPausedControllerAndLeaderWhoseSessionExpiredIsFencedAndReplicasConverge() throws Exception {
        pausedLeader("zombie-controller", true);
    }

    private void pausedLeader(String topic, boolean pauseTheController) throws Exception {
        allBrokersUp();
        cluster.createTopic(topic, PARTITIONS, 3, TOPIC_CONFIG);
        ProducerDriver producer = new ProducerDriver(cluster.bootstrap(), topic, "load", PARTITIONS, RATE, Map.of()).start();
        Map<String, ProducerDriver.Ack> zombieAcked = new ConcurrentHashMap<>();
        Map<String, String> zombieOutcomes = new ConcurrentHashMap<>();
        List<Long> failoverMs = new ArrayList<>();
        int zombie;
        List<Integer> led;
        try {
            producer.awaitMoreAcks(500, 30_000);
            MetadataResponse before = cluster.metadata();
            int controller = before.getControllerId();
            zombie = pauseTheController ? controller : others(controller).get(random.nextInt(2));
            int z = zombie;
            led = FaultTestSupport.ledBy(before, topic, PARTITIONS, zombie);
            assertFalse(led.isEmpty(), "broker " + zombie + " leads no partition of " + topic);
            Map<Integer, PartitionMetadata> old = FaultTestSupport.partitions(before, topic, PARTITIONS);
            ProcessCluster.log(topic + ": pausing broker " + zombie + " (leads " + led + "); " + FaultTestSupport.describe(before, topic, PARTITIONS));
            long t0 = System.nanoTime();
            cluster.sigstop(zombie);
            // Requests that reach the paused leader and are read when it wakes up: acks=all and acks=1.
            for (int p : led) {
                for (int i = 0; i < 3; i++) {
                    sendAsyncRaw(zombie, topic, p, "zombie-all-" + p + "-" + i, -1, zombieAcked, zombieOutcomes);
                }
                sendAsyncRaw(zombie, topic, p, "zombie-one-" + p, 1, zombieAcked, zombieOutcomes);
            }
            cluster.awaitCondition(() -> {
                MetadataResponse md = cluster.metadata();
                for (int p : led) {
                    PartitionMetadata pm = ProcessCluster.partition(md, topic, p).orElseThrow();
                    if (pm.getLeaderEpoch() <= old.get(p).getLeaderEpoch() || pm.getLeaderId() <= 0 || pm.getLeaderId() == z) {
                        return false;
                    }
                }
                return !md.getBrokersList().stream().anyMatch(b -> b.getId() == z);
            }, 60_000, "new leaders elected while broker " + zombie + " is paused");
            long failedOver = System.nanoTime();
            failoverMs.add(TimeUnit.NANOSECONDS.toMillis(failedOver - t0));
            ProcessCluster.log(topic + ": new leaders after " + failoverMs.get(0) + " ms: " + FaultTestSupport.describe(cluster.metadata(), topic, PARTITIONS));
            producer.awaitMoreAcks(300, 20_000);
            Thread.sleep(1_000);
            cluster.sigcont(zombie);
            long resumed = System.nanoTime();
            // Once awake it must stop acting as leader: any produce to it for its old partitions is refused.
            Map<Integer, String> firstRefusal = new TreeMap<>();
            Map<String, PartitionProduceResult> probesAcked = new TreeMap<>();
            cluster.awaitCondition(() -> {
                for (int p : led) {
                    if (firstRefusal.containsKey(p)) {
                        continue;
                    }
                    String v = "probe-" + p + "-" + System.nanoTime();
                    PartitionProduceResult r = cluster.produceRaw(z, topic, p, v, -1, 3_000);
                    if (r.getError().getCode().isEmpty()) {
                        probesAcked.put(v, r);
                        zombieAcked.put(v, new ProducerDriver.Ack(p, r.getBaseOffset(), System.nanoTime()));
                    } else {
                        firstRefusal.put(p, r.getError().getCode());
                    }
                }
                return firstRefusal.size() == led.size();
            }, 30_000, "broker " + zombie + " refusing produces for its former partitions");
            ProcessCluster.log(topic + ": broker " + zombie + " refuses produces " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed)
                    + " ms after SIGCONT with " + firstRefusal + "; acks=all probes it acknowledged: " + probesAcked.keySet());
            cluster.awaitCondition(() -> zombieOutcomes.size() == 4 * led.size(), 60_000, "outcomes of the requests sent while paused");
            ProcessCluster.log(topic + ": requests sent while paused: " + new TreeMap<>(zombieOutcomes));
            cluster.awaitHealthy(topic, PARTITIONS, 60_000);
            producer.awaitMoreAcks(300, 20_000);
        } finally {
            producer.stop();
        }
        Map<String, ProducerDriver.Ack> acked = new HashMap<>(producer.acked);
        // acks=1 acknowledgements of a deposed leader carry no durability promise: report, do not require.
        Map<String, ProducerDriver.Ack> zombieAcksOne = new TreeMap<>();
        zombieAcked.forEach((v, a) -> {
            if (v.startsWith("zombie-one-")) {
                zombieAcksOne.put(v, a);
            } else {
                acked.put(v, a);
            }
        });
        Verifier.Figures f = verify(topic + " (SIGSTOP of " + (pauseTheController ? "controller and " : "") + "leader " + zombie
                + " past the session timeout, SIGCONT)", acked,
                producer.sent() + 4L * led.size(), producer.failed.size(), failoverMs, topic);
        FaultTestSupport.checkDuplicates(producer, f);
        FaultTestSupport.diagnoseFailedSends(cluster, producer, topic);
        Map<Integer, List<Verifier.LogRecord>> logs = Verifier.awaitIdenticalReplicas(cluster, topic, PARTITIONS, 30_000);
        List<String> zombieRecords = new ArrayList<>();
        logs.forEach((p, recs) -> recs.stream().filter(r -> r.value().startsWith("zombie-") || r.value().startsWith("probe-"))
                .forEach(r -> zombieRecords.add(p + "/" + r)));
        ProcessCluster.log(topic + ": acks=1 acknowledgements by the deposed leader: " + zombieAcksOne
                + "; records of the paused-time requests and probes in the final (identical) logs: " + zombieRecords);
        for (Map.Entry<String, ProducerDriver.Ack> e : zombieAcksOne.entrySet()) {
            // Whatever it acknowledged under its stale epoch must not survive as a conflicting record: either the
            // record is at that offset in every replica, or it is gone and the offset holds the new leader's record.
            List<Verifier.LogRecord> log = logs.get(e.getValue().partition());
            log.stream().filter(r -> r.offset() == e.getValue().offset()).findFirst()
                    .ifPresent(r -> ProcessCluster.log(topic + ": offset " + e.getValue().partition() + "/" + r.offset()
                            + " acknowledged to " + e.getKey() + " under a stale epoch now holds " + r));
        }
        assertTrue(f.acked() > 500, "the producer made progress: " + f.acked());
    }

    private void sendAsyncRaw(int broker, String topic, int partition, String value, int acks,
                              Map<String, ProducerDriver.Ack> acked, Map<String, String> outcomes) {
        io.tributary.api.v1.ProducerGrpc.newStub(cluster.channel(broker)).withDeadlineAfter(40, TimeUnit.SECONDS)
                .produceOnce(io.tributary.api.v1.ProduceRequest.newBuilder().setAcks(acks).setCorrelationId(7).setClientId("zombie-test")
                        .addPartitions(io.tributary.api.v1.PartitionProduceData.newBuilder().setTopic(topic).setPartition(partition)
                                .setRecords(com.google.protobuf.ByteString.copyFrom(io.tributary.api.batch.RecordBatchBuilder.create()
                                        .append(System.currentTimeMillis(), null, value.getBytes(java.nio.charset.StandardCharsets.UTF_8)).build())))
                        .build(), new StreamObserver<>() {
                            @Override
                            public void onNext(io.tributary.api.v1.ProduceResponse r) {
                                PartitionProduceResult pr = r.getPartitions(0);
                                if (pr.getError().getCode().isEmpty()) {
                                    acked.put(value, new ProducerDriver.Ack(partition, pr.getBaseOffset(), System.nanoTime()));
                                    outcomes.put(value, "acked at " + pr.getBaseOffset());
                                } else {
                                    outcomes.put(value, pr.getError().getCode());
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                outcomes.put(value, TributaryException.class.isInstance(t) ? t.toString()
                                        : io.grpc.Status.fromThrowable(t).getCode() + " " + io.grpc.Status.fromThrowable(t).getDescription());
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
    }

    // ------------------------------------------------------------------------------------------------ scenario 6

    @Test
    @Order(5)
    void aFormerLeaderTruncatesItsUnreplicatedDivergentSuffixKip101() throws Exception {
        String topic = "diverge";
        allBrokersUp();
        cluster.createTopic(topic, PARTITIONS, 3, Map.of("min.insync.replicas", "1", "unclean.leader.election.enable", "true"));
        Map<String, ProducerDriver.Ack> acked = new HashMap<>();
        addAll(acked, FaultTestSupport.sendEach(cluster.bootstrap(), topic, "common", 20, "all", Integer.MAX_VALUE, 60_000), "acks=all");
        cluster.awaitHealthy(topic, PARTITIONS, 30_000);
        Verifier.awaitIdenticalReplicas(cluster, topic, PARTITIONS, 30_000);

        int oldLeader = 1 + random.nextInt(3);
        List<Integer> followers = others(oldLeader);
        for (int b : followers) {
            cluster.sigterm(b);
        }
        awaitAllLedBySoleIsr(topic, oldLeader);
        // Appended and acknowledged by the old leader alone: never replicated.
        FaultTestSupport.SendResult unreplicated = FaultTestSupport.sendEach(cluster.bootstrap(), topic, "unreplicated", 5, "1", 0, 10_000);
        assertTrue(unreplicated.failed().isEmpty(), unreplicated.failed().toString());
        Map<Integer, Long> oldEnd = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            oldEnd.put(p, cluster.listOffsets(oldLeader, topic, p).getLogEndOffset());
        }
        Map<Integer, Integer> oldEpochs = new TreeMap<>();
        FaultTestSupport.partitions(cluster.metadataFrom(oldLeader), topic, PARTITIONS).forEach((p, pm) -> oldEpochs.put(p, pm.getLeaderEpoch()));

        long killed = System.nanoTime();
        cluster.kill9(oldLeader);
        for (int b : followers) {
            cluster.startBroker(b);
        }
        cluster.awaitCondition(() -> FaultTestSupport.partitions(cluster.metadata(), topic, PARTITIONS).values().stream()
                .allMatch(pm -> followers.contains(pm.getLeaderId())), 60_000, "unclean election of a former follower");
        long electedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        MetadataResponse unclean = cluster.metadata();
        ProcessCluster.log("diverge: old leader " + oldLeader + " (log ends " + oldEnd + ") killed; unclean leaders after "
                + electedMs + " ms: " + FaultTestSupport.describe(unclean, topic, PARTITIONS));
        FaultTestSupport.SendResult fresh = FaultTestSupport.sendEach(cluster.bootstrap(), topic, "new", 10, "all", Integer.MAX_VALUE, 60_000);
        addAll(acked, fresh, "acks=all to the new leaders");

        long restarted = System.nanoTime();
        cluster.startBroker(oldLeader);
        cluster.awaitHealthy(topic, PARTITIONS, 60_000);
        Map<Integer, List<Verifier.LogRecord>> logs = Verifier.awaitIdenticalReplicas(cluster, topic, PARTITIONS, 30_000);
        long convergedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
        long survivors = logs.values().stream().flatMap(List::stream).filter(r -> r.value().startsWith("unreplicated-")).count();
        long truncated = 0;
        for (Map.Entry<String, ProducerDriver.Ack> e : unreplicated.acked().entrySet()) {
            List<Verifier.LogRecord> log = logs.get(e.getValue().partition());
            Verifier.LogRecord at = log.stream().filter(r -> r.offset() == e.getValue().offset()).findFirst().orElse(null);
            assertTrue(at != null && at.value().startsWith("new-"), "offset " + e.getValue().partition() + "/" + e.getValue().offset()
                    + " of the old leader's unreplicated " + e.getKey() + " should hold the new leader's record, holds " + at);
            assertTrue(at.leaderEpoch() > oldEpochs.get(e.getValue().partition()), "new record under a newer epoch: " + at);
            truncated++;
        }
        ProcessCluster.log("diverge: the old leader rejoined; replicas identical " + convergedMs + " ms after its restart; "
                + truncated + " unreplicated acks=1 records truncated (lost by design of unclean election), " + survivors
                + " survived");
        assertEquals(0, survivors, "unreplicated suffix survived");
        List<String> truncation = cluster.grepLog(oldLeader, "runcat").stream().filter(l -> l.contains(topic + "-")).toList();
        ProcessCluster.log("diverge: broker " + oldLeader + " log lines about truncation: " + truncation.size()
                + (truncation.isEmpty() ? "" : " e.g. " + truncation.get(0)));
        verify("diverge (KIP-101: unreplicated suffix, unclean election, old leader returns)", acked, acked.size(), 0,
                List.of(electedMs), topic);
    }
}
