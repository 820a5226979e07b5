package io.tributary.broker.server;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.broker.testing.EmbeddedCluster;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several brokers in one cluster with replication factor 1: routing, leader hints, restarts, health. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterServingTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sixPartitionsSpreadOverThreeBrokersWrongBrokerGetsALeaderHintAndRestartsKeepAllData() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(3, 3, Map.of())) {
            cluster.createTopic("spread", 6, 1);
            MetadataResponse md = MetadataGrpc.newBlockingStub(cluster.channel(2)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getMetadata(MetadataRequest.newBuilder().addTopics("spread").build());
            assertEquals(3, md.getBrokersCount());
            Map<Integer, Integer> ledBy = new HashMap<>();
            for (PartitionMetadata p : md.getTopics(0).getPartitionsList()) {
                ledBy.merge(p.getLeaderId(), 1, Integer::sum);
                assertEquals(1, p.getReplicasCount());
            }
            assertEquals(Map.of(1, 2, 2, 2, 3, 2), ledBy, "each broker leads two of the six partitions");

            // Produce 10 records to every partition, each to its leader.
            for (int p = 0; p < 6; p++) {
                int leader = cluster.leaderOf("spread", p);
                for (int i = 0; i < 10; i++) {
                    PartitionProduceResult r = TestClients.produce(cluster.channel(leader), "spread", p,
                            RecordBatchBuilder.create().append(1L, null, utf8(p + ":" + i)).build(), 1);
                    assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
                }
            }

            // The wrong broker answers NOT_LEADER_OR_FOLLOWER and names the leader.
            int leaderOf0 = cluster.leaderOf("spread", 0);
            int wrong = leaderOf0 % 3 + 1;
            PartitionProduceResult misrouted = TestClients.produce(cluster.channel(wrong), "spread", 0,
                    RecordBatchBuilder.create().append(1L, null, utf8("x")).build(), 1);
            assertEquals("NOT_LEADER_OR_FOLLOWER", misrouted.getError().getCode());
            assertTrue(misrouted.getError().getRetriable());
            assertEquals(leaderOf0, misrouted.getError().getLeader().getLeaderId());
            assertEquals(cluster.port(leaderOf0), misrouted.getError().getLeader().getPort());
            assertEquals("127.0.0.1", misrouted.getError().getLeader().getHost());

            // Restart one broker: its partitions come back with all their data.
            int victim = 2;
            cluster.stopBroker(victim);
            cluster.startBroker(victim);
            cluster.awaitLeadersKnown("spread", 6);
            for (int p = 0; p < 6; p++) {
                int leader = cluster.leaderOf("spread", p);
                try (TestClients.Fetcher f = new TestClients.Fetcher(cluster.channel(leader),
                        TestClients.Fetcher.session("spread", p, 0).build())) {
                    FetchResponse resp = f.next(10_000);
                    PartitionData pd = resp.getPartitions(0);
                    assertTrue(pd.getError().getCode().isEmpty(), pd.getError().toString());
                    int count = 0;
                    for (RecordBatch b : RecordBatch.iterate(pd.getRecords().asReadOnlyByteBuffer())) {
                        assertEquals(p + ":" + count, b.decodeRecords().getRecords(0).getValue().toStringUtf8());
                        count++;
                    }
                    assertEquals(10, count, "partition " + p + " (leader " + leader + ") lost data across the restart");
                }
            }
        }
    }

    @Test
    void healthIsNotServingWithoutAZooKeeperSessionAndServingWhenItReturns() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(1, 1, Map.of())) {
            HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(cluster.channel(1));
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(health));
            InstanceSpec zk = cluster.zookeeper().getInstances().iterator().next();
            long stopped = System.nanoTime();
            cluster.zookeeper().killServer(zk);
            cluster.awaitCondition(() -> check(health) == HealthCheckResponse.ServingStatus.NOT_SERVING, 20_000,
                    "NOT_SERVING after ZooKeeper died");
            System.out.printf("NOT_SERVING %d ms after ZooKeeper died%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped));

            // Leader actions are refused meanwhile: the broker cannot know it still leads.
            long restarted = System.nanoTime();
            cluster.zookeeper().restartServer(zk);
            cluster.awaitCondition(() -> check(health) == HealthCheckResponse.ServingStatus.SERVING, 30_000,
                    "SERVING after ZooKeeper returned");
            System.out.printf("SERVING %d ms after ZooKeeper returned%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));
        }
    }

    private static HealthCheckResponse.ServingStatus check(HealthGrpc.HealthBlockingStub health) {
        return health.withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.newBuilder().build()).getStatus();
    }

    static String reason(StatusRuntimeException e) throws Exception {
        com.google.rpc.Status s = StatusProto.fromThrowable(e);
        for (Any a : s.getDetailsList()) {
            if (a.is(ErrorInfo.class)) {
                return a.unpack(ErrorInfo.class).getReason();
            }
        }
        return null;
    }

    @Test
    void topicsAreAutoCreatedOnlyWhenEnabledAndProducersSeeARetriableErrorMeanwhile() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(1, 1, Map.of("auto.create.topics.enable", true, "num.partitions", 2))) {
            PartitionProduceResult first = TestClients.produce(cluster.channel(1), "born-on-produce", 0,
                    RecordBatchBuilder.create().append(1L, null, utf8("x")).build(), 1);
            assertEquals("LEADER_NOT_AVAILABLE", first.getError().getCode());
            assertTrue(first.getError().getRetriable());
            cluster.awaitCondition(() -> TestClients.produce(cluster.channel(1), "born-on-produce", 1,
                    RecordBatchBuilder.create().append(1L, null, utf8("y")).build(), 1).getError().getCode().isEmpty(),
                    20_000, "the auto-created topic accepting records");
            assertEquals(2, cluster.anyRunningBroker().coordination().metadata().topic("born-on-produce").orElseThrow()
                    .partitions().size(), "num.partitions applies");

            MetadataResponse md = MetadataGrpc.newBlockingStub(cluster.channel(1)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getMetadata(MetadataRequest.newBuilder().addTopics("born-on-metadata").setAllowAutoTopicCreation(true).build());
            assertEquals("LEADER_NOT_AVAILABLE", md.getTopics(0).getError().getCode());
            cluster.awaitCondition(() -> cluster.anyRunningBroker().coordination().metadata().topic("born-on-metadata").isPresent(),
                    20_000, "topic created from a metadata request");
            MetadataResponse notAllowed = MetadataGrpc.newBlockingStub(cluster.channel(1)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getMetadata(MetadataRequest.newBuilder().addTopics("not-asked-to-create").build());
            assertEquals("UNKNOWN_TOPIC_OR_PARTITION", notAllowed.getTopics(0).getError().getCode());
        }
    }
}
