package io.tributary.broker.replication;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.ReplicaFetchPartition;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicaPartitionData;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.coordination.BrokerInfo;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.PartitionRole;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.Authorizer;
import io.tributary.broker.security.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leader's side of replication on one broker's real logs, with broker 2 registered as its follower in the
 * metadata but no cluster, ZooKeeper or gRPC: the follower's fetch offset is its acknowledgement.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplicaFetchHandlerTest {
    private static final TopicPartition TP = new TopicPartition("replicated", 0);
    private static final long FOLLOWER_EPOCH = 77;

    @TempDir
    Path dir;
    private LogManager logs;
    private PartitionManager partitions;
    private IsrManager isr;
    private ScheduledExecutorService timer;
    private ReplicaFetchHandler handler;

    @BeforeEach
    void leaderWithOneFollower() throws Exception {
        BrokerConfig config = BrokerConfig.fromMap(Map.of("broker.id", "1", "zookeeper.connect", "127.0.0.1:1",
                "log.dirs", dir.toString()));
        logs = new LogManager(LogManager.Config.of(List.of(dir), LogConfig.defaults()), Time.SYSTEM);
        logs.startup();
        TreeMap<Integer, BrokerInfo> brokers = new TreeMap<>();
        brokers.put(1, new BrokerInfo("127.0.0.1", 9092, List.of(), null, 0).withBrokerEpoch(1));
        brokers.put(2, new BrokerInfo("127.0.0.1", 9093, List.of(), null, 0).withBrokerEpoch(FOLLOWER_EPOCH));
        ClusterMetadata md = new ClusterMetadata("c", 1, 1, brokers, new TreeMap<>(), Set.of(), null, -1, null, -1);
        partitions = new PartitionManager(1, logs, config::logConfigFor, () -> md, () -> true);
        partitions.onBecomeLeader(new PartitionRole(TP, "id", 1, 3, List.of(1, 2), List.of(1, 2), 1, 0));
        isr = new IsrManager(partitions, () -> {
            throw new AssertionError("the ISR must not change in these scenarios");
        }, () -> true, 60_000);
        timer = Executors.newSingleThreadScheduledExecutor();
        handler = new ReplicaFetchHandler(partitions, isr, timer, timer, RequestMetrics.unregistered(),
                new Authorization(Authorizer.ALLOW_ALL));
    }

    @AfterEach
    void close() throws Exception {
        timer.shutdownNow();
        isr.close();
        logs.close();
    }

    private Partition leader() {
        return partitions.leaderPartition(TP, OptionalInt.empty());
    }

    private void append(int records) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        leader().appendAsLeader(b.build(), OptionalInt.empty(), false);
    }

    private static ReplicaFetchRequest fetch(long offset, int maxWaitMs, long brokerEpoch) {
        return ReplicaFetchRequest.newBuilder().setReplicaId(2).setBrokerEpoch(brokerEpoch).setMaxWaitMs(maxWaitMs)
                .setMinBytes(1).setMaxBytes(1 << 20).addPartitions(ReplicaFetchPartition.newBuilder().setTopic(TP.topic())
                        .setPartition(0).setFetchOffset(offset).setCurrentLeaderEpoch(3).setPartitionMaxBytes(1 << 20)).build();
    }

    @Test
    void theFollowersNextFetchOffsetIsWhatMovesTheHighWatermark() throws Exception {
        append(3);
        CompletableFuture<Void> acked = leader().awaitHighWatermark(3);
        ReplicaPartitionData first = handler.fetch(RequestContext.INTERNAL, fetch(0, 0, FOLLOWER_EPOCH)).get(10, TimeUnit.SECONDS).getPartitions(0);
        assertTrue(first.getError().getCode().isEmpty(), first.getError().toString());
        assertFalse(first.getRecords().isEmpty());
        assertEquals(0, first.getHighWatermark(), "nothing is acknowledged before the follower asks past it");
        assertFalse(acked.isDone());

        ReplicaPartitionData second = handler.fetch(RequestContext.INTERNAL, fetch(3, 0, FOLLOWER_EPOCH)).get(10, TimeUnit.SECONDS).getPartitions(0);
        assertEquals(3, second.getHighWatermark());
        acked.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFetchAtTheLogEndWaitsForTheNextAppend() throws Exception {
        CompletableFuture<ReplicaFetchResponse> parked = handler.fetch(RequestContext.INTERNAL, fetch(0, 20_000, FOLLOWER_EPOCH));
        Thread.sleep(200);
        assertFalse(parked.isDone(), "answered with nothing to send");
        append(2);
        ReplicaPartitionData d = parked.get(10, TimeUnit.SECONDS).getPartitions(0);
        assertFalse(d.getRecords().isEmpty());
        assertEquals(2, d.getLogEndOffset());
    }

    @Test
    void aStaleBrokerEpochOrAnUnregisteredBrokerIsRefused() {
        TributaryException stale = assertThrows(TributaryException.class, () -> handler.fetch(RequestContext.INTERNAL, fetch(0, 0, FOLLOWER_EPOCH - 1)));
        assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, stale.error());
        TributaryException stranger = assertThrows(TributaryException.class, () -> handler.fetch(RequestContext.INTERNAL, fetch(0, 0, FOLLOWER_EPOCH)
                .toBuilder().setReplicaId(9).build()));
        assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, stranger.error());
    }

    @Test
    void aFetchAtAnOlderLeaderEpochIsFencedAndMovesNothing() throws Exception {
        append(3);
        ReplicaFetchRequest old = fetch(3, 0, FOLLOWER_EPOCH).toBuilder()
                .setPartitions(0, fetch(3, 0, FOLLOWER_EPOCH).getPartitions(0).toBuilder().setCurrentLeaderEpoch(2)).build();
        ReplicaPartitionData d = handler.fetch(RequestContext.INTERNAL, old).get(10, TimeUnit.SECONDS).getPartitions(0);
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH.name(), d.getError().getCode());
        assertEquals(0, leader().log().highWatermark(), "a fenced fetch acknowledged records");
    }
}
