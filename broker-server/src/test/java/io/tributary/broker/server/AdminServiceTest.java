package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.AlterConfigsRequest;
import io.tributary.api.v1.ConfigEntry;
import io.tributary.api.v1.ConfigResource;
import io.tributary.api.v1.ConfigSource;
import io.tributary.api.v1.CreatePartitionsRequest;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.CreateTopicsResponse;
import io.tributary.api.v1.DeleteTopicsRequest;
import io.tributary.api.v1.DescribeClusterRequest;
import io.tributary.api.v1.DescribeClusterResponse;
import io.tributary.api.v1.DescribeConfigsRequest;
import io.tributary.api.v1.DescribeTopicsRequest;
import io.tributary.api.v1.DescribeTopicsResponse;
import io.tributary.api.v1.ListTopicsRequest;
import io.tributary.api.v1.NewTopic;
import io.tributary.api.v1.PartitionIncrease;
import io.tributary.api.v1.PartitionOffsets;
import io.tributary.api.v1.ResourceAlteration;
import io.tributary.api.v1.ResourceType;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admin calls through any broker of a 3-broker cluster. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdminServiceTest {
    private static EmbeddedCluster cluster;
    private static AdminGrpc.AdminBlockingStub admin;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 3, Map.of());
        admin = AdminGrpc.newBlockingStub(cluster.channel(3));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static AdminGrpc.AdminBlockingStub admin() {
        return admin.withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void createDescribeIncreaseAndDeleteATopicThroughAnyBroker() {
        CreateTopicsResponse created = admin().createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(20_000)
                .addTopics(NewTopic.newBuilder().setName("admin-topic").setNumPartitions(3).setReplicationFactor(1)
                        .putConfigs("retention.ms", "3600000"))
                .addTopics(NewTopic.newBuilder().setName("bad topic").setNumPartitions(1).setReplicationFactor(1))
                .addTopics(NewTopic.newBuilder().setName("too-replicated").setNumPartitions(1).setReplicationFactor(4))
                .addTopics(NewTopic.newBuilder().setName("bad-config").setNumPartitions(1).setReplicationFactor(1)
                        .putConfigs("retention.ms", "soon"))
                .build());
        assertTrue(created.getTopics(0).getError().getCode().isEmpty(), created.getTopics(0).toString());
        assertFalse(created.getTopics(0).getTopicId().isEmpty());
        assertEquals("INVALID_TOPIC_EXCEPTION", created.getTopics(1).getError().getCode());
        assertEquals("INVALID_REPLICATION_FACTOR", created.getTopics(2).getError().getCode());
        assertEquals("INVALID_CONFIG", created.getTopics(3).getError().getCode());
        assertTrue(created.getTopics(3).getError().getMessage().contains("retention.ms"), created.getTopics(3).getError().getMessage());
        assertEquals("TOPIC_ALREADY_EXISTS", admin().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(NewTopic.newBuilder().setName("admin-topic").setNumPartitions(1).setReplicationFactor(1)).build())
                .getTopics(0).getError().getCode());
        assertTrue(admin().listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("admin-topic"));
        cluster.awaitLeadersKnown("admin-topic", 3);

        // Put records in each partition through its leader, then describe through broker 3: offsets come from
        // every leader, local or remote.
        for (int p = 0; p < 3; p++) {
            for (int i = 0; i <= p; i++) {
                TestClients.produce(cluster.channel(cluster.leaderOf("admin-topic", p)), "admin-topic", p,
                        RecordBatchBuilder.create().append(1L, null, new byte[] {1}).build(), 1);
            }
        }
        DescribeTopicsResponse described = admin().describeTopics(DescribeTopicsRequest.newBuilder().addNames("admin-topic").build());
        List<PartitionOffsets> offsets = described.getTopics(0).getOffsetsList();
        assertEquals(3, offsets.size());
        for (int p = 0; p < 3; p++) {
            assertEquals(p + 1, offsets.get(p).getLogEndOffset(), "partition " + p + ": " + offsets.get(p));
            assertEquals(p + 1, offsets.get(p).getHighWatermark());
        }

        assertTrue(admin().createPartitions(CreatePartitionsRequest.newBuilder().setTimeoutMs(20_000)
                .addTopics(PartitionIncrease.newBuilder().setTopic("admin-topic").setTotalCount(5)).build())
                .getTopics(0).getError().getCode().isEmpty());
        assertEquals(5, admin().describeTopics(DescribeTopicsRequest.newBuilder().addNames("admin-topic").build())
                .getTopics(0).getMetadata().getPartitionsCount());
        assertEquals("INVALID_PARTITIONS", admin().createPartitions(CreatePartitionsRequest.newBuilder()
                .addTopics(PartitionIncrease.newBuilder().setTopic("admin-topic").setTotalCount(2)).build())
                .getTopics(0).getError().getCode());

        assertTrue(admin().deleteTopics(DeleteTopicsRequest.newBuilder().addNames("admin-topic").setTimeoutMs(20_000).build())
                .getTopics(0).getError().getCode().isEmpty());
        assertFalse(admin().listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("admin-topic"));
        assertEquals("UNKNOWN_TOPIC_OR_PARTITION", admin().deleteTopics(DeleteTopicsRequest.newBuilder()
                .addNames("admin-topic").build()).getTopics(0).getError().getCode());
    }

    @Test
    void describeAndAlterTopicConfigs() {
        cluster.createTopic("configured", 1, 1, Map.of("segment.bytes", "1048576"));
        ConfigResource topic = ConfigResource.newBuilder().setType(ResourceType.RESOURCE_TYPE_TOPIC).setName("configured").build();
        Map<String, ConfigEntry> before = entries(topic);
        assertEquals("1048576", before.get("segment.bytes").getValue());
        assertEquals(ConfigSource.CONFIG_SOURCE_DYNAMIC, before.get("segment.bytes").getSource());
        assertEquals(ConfigSource.CONFIG_SOURCE_DEFAULT, before.get("retention.ms").getSource());
        assertEquals("604800000", before.get("retention.ms").getValue());

        var altered = admin().alterConfigs(AlterConfigsRequest.newBuilder().addResources(ResourceAlteration.newBuilder()
                .setResource(topic).putSet("retention.ms", "1000").addDelete("segment.bytes")).build());
        assertTrue(altered.getResources(0).getError().getCode().isEmpty(), altered.toString());
        cluster.awaitCondition(() -> entries(topic).get("retention.ms").getValue().equals("1000"), 10_000, "config change visible");
        assertEquals(ConfigSource.CONFIG_SOURCE_DEFAULT, entries(topic).get("segment.bytes").getSource());
        // The leader's log follows the change.
        int leader = cluster.leaderOf("configured", 0);
        cluster.awaitCondition(() -> cluster.broker(leader).logManager()
                .getLog(new io.tributary.api.TopicPartition("configured", 0)).orElseThrow().config().retentionMs() == 1000, 10_000,
                "log config updated");

        var invalid = admin().alterConfigs(AlterConfigsRequest.newBuilder().addResources(ResourceAlteration.newBuilder()
                .setResource(topic).putSet("no.such.key", "1")).build());
        assertEquals("INVALID_CONFIG", invalid.getResources(0).getError().getCode());

        ConfigResource broker = ConfigResource.newBuilder().setType(ResourceType.RESOURCE_TYPE_BROKER).setName("3").build();
        Map<String, ConfigEntry> brokerEntries = entries(broker);
        assertEquals("3", brokerEntries.get("broker.id").getValue());
        assertTrue(brokerEntries.get("broker.id").getReadOnly());
    }

    @Test
    void compactedTopicTakesCleanupPolicyAtCreationAndAlterationAndRefusesKeylessRecords() {
        CreateTopicsResponse created = admin().createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(20_000)
                .addTopics(NewTopic.newBuilder().setName("compacted").setNumPartitions(1).setReplicationFactor(1)
                        .putConfigs("cleanup.policy", "compact").putConfigs("delete.retention.ms", "1000"))
                .addTopics(NewTopic.newBuilder().setName("badly-compacted").setNumPartitions(1).setReplicationFactor(1)
                        .putConfigs("cleanup.policy", "compress"))
                .build());
        assertTrue(created.getTopics(0).getError().getCode().isEmpty(), created.getTopics(0).toString());
        assertEquals("INVALID_CONFIG", created.getTopics(1).getError().getCode());
        ConfigResource topic = ConfigResource.newBuilder().setType(ResourceType.RESOURCE_TYPE_TOPIC).setName("compacted").build();
        Map<String, ConfigEntry> described = entries(topic);
        assertEquals("compact", described.get("cleanup.policy").getValue());
        assertEquals(ConfigSource.CONFIG_SOURCE_DYNAMIC, described.get("cleanup.policy").getSource());
        assertEquals("0.5", described.get("min.cleanable.dirty.ratio").getValue());
        assertEquals(ConfigSource.CONFIG_SOURCE_DEFAULT, described.get("min.compaction.lag.ms").getSource());

        cluster.awaitLeadersKnown("compacted", 1);
        int leader = cluster.leaderOf("compacted", 0);
        assertEquals("INVALID_RECORD", TestClients.produce(cluster.channel(leader), "compacted", 0,
                RecordBatchBuilder.create().append(1L, null, new byte[] {1}).build(), 1).getError().getCode());
        assertTrue(TestClients.produce(cluster.channel(leader), "compacted", 0,
                RecordBatchBuilder.create().append(1L, new byte[] {7}, new byte[] {1}).build(), 1).getError().getCode().isEmpty());

        var altered = admin().alterConfigs(AlterConfigsRequest.newBuilder().addResources(ResourceAlteration.newBuilder()
                .setResource(topic).putSet("cleanup.policy", "compact,delete")).build());
        assertTrue(altered.getResources(0).getError().getCode().isEmpty(), altered.toString());
        cluster.awaitCondition(() -> cluster.broker(leader).logManager()
                .getLog(new io.tributary.api.TopicPartition("compacted", 0)).orElseThrow().config().delete(), 10_000,
                "the leader's log deletes and compacts");
    }

    private static Map<String, ConfigEntry> entries(ConfigResource r) {
        var resp = admin().describeConfigs(DescribeConfigsRequest.newBuilder().addResources(r).build()).getResources(0);
        assertTrue(resp.getError().getCode().isEmpty(), resp.getError().toString());
        Map<String, ConfigEntry> m = new java.util.HashMap<>();
        resp.getEntriesList().forEach(e -> m.put(e.getName(), e));
        return m;
    }

    @Test
    void describeClusterNamesEveryBrokerAndTheController() {
        DescribeClusterResponse c = admin().describeCluster(DescribeClusterRequest.getDefaultInstance());
        assertEquals(3, c.getBrokersCount());
        assertTrue(c.getControllerId() >= 1 && c.getControllerId() <= 3);
        assertFalse(c.getClusterId().isEmpty());
    }

    @Test
    void serverReflectionListsTheServicesLikeGrpcurlList() throws Exception {
        ManagedChannel channel = cluster.channel(1);
        List<String> services = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
                value.getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        req.onCompleted();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertTrue(services.containsAll(List.of("tributary.v1.Producer", "tributary.v1.Consumer", "tributary.v1.Metadata",
                "tributary.v1.Admin", "grpc.health.v1.Health")), services.toString());
    }
}
