package io.tributary.client.integration;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.admin.ClusterDescription;
import io.tributary.client.admin.ConfigAlteration;
import io.tributary.client.admin.ConfigResource;
import io.tributary.client.admin.ListedOffset;
import io.tributary.client.admin.NewTopic;
import io.tributary.client.admin.OffsetSpec;
import io.tributary.client.admin.ResourceConfig;
import io.tributary.client.admin.TopicDescription;
import io.tributary.client.admin.TopicOutcome;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.AdminConfig;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminIntegrationTest {
    static EmbeddedCluster cluster;
    static TributaryAdmin admin;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 3, Map.of());
        ProducerConsumerIntegrationTest.cluster = cluster;
        admin = new TributaryAdmin(AdminConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000).build());
    }

    @AfterAll
    static void stop() throws Exception {
        admin.close();
        cluster.close();
    }

    @Test
    void topicLifecycleCreateDescribeIncreaseDelete() {
        Map<String, TopicOutcome> created = admin.createTopics(List.of(new NewTopic("admin-t", 3, 2, Map.of("retention.ms", "3600000"))), false);
        assertTrue(created.get("admin-t").succeeded(), String.valueOf(created.get("admin-t").error()));
        assertFalse(created.get("admin-t").topicId().isEmpty());
        cluster.awaitLeadersKnown("admin-t", 3);
        assertTrue(admin.listTopics(false).contains("admin-t"));

        TopicDescription d = admin.describeTopics(List.of("admin-t")).get("admin-t");
        assertNull(d.error());
        assertEquals(3, d.partitions().size());
        d.partitions().forEach(p -> assertEquals(2, p.replicas().size()));

        TopicOutcome again = admin.createTopics(List.of(new NewTopic("admin-t", 3, 2)), false).get("admin-t");
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, again.error().error());

        assertTrue(admin.createPartitions(Map.of("admin-t", 5)).get("admin-t").succeeded());
        cluster.awaitCondition(() -> admin.describeTopics(List.of("admin-t")).get("admin-t").partitions().size() == 5, 30_000, "5 partitions");

        assertTrue(admin.deleteTopics(List.of("admin-t")).get("admin-t").succeeded());
        cluster.awaitCondition(() -> !admin.listTopics(false).contains("admin-t"), 30_000, "topic deleted");
    }

    @Test
    void invalidRequestsComeBackAsNamedErrors() {
        TopicOutcome badName = admin.createTopics(List.of(new NewTopic("bad name!", 1, 1)), false).get("bad name!");
        assertNotNull(badName.error());
        assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION, badName.error().error());
        TopicOutcome validateOnly = admin.createTopics(List.of(new NewTopic("only-validated", 1, 1)), true).get("only-validated");
        assertTrue(validateOnly.succeeded());
        assertFalse(admin.listTopics(false).contains("only-validated"));
    }

    @Test
    void topicConfigsCanBeDescribedAndAltered() {
        cluster.createTopic("admin-configs", 1, 1);
        ConfigResource r = ConfigResource.topic("admin-configs");
        ResourceConfig altered = admin.alterConfigs(Map.of(r, new ConfigAlteration(Map.of("retention.ms", "86400000"), List.of())), false).get(r);
        assertNull(altered == null ? null : altered.error());
        cluster.awaitCondition(() -> "86400000".equals(admin.describeConfigs(List.of(r)).get(r).get("retention.ms").value()),
                30_000, "altered retention.ms visible");
        assertEquals("DYNAMIC", admin.describeConfigs(List.of(r)).get(r).get("retention.ms").source());
        admin.alterConfigs(Map.of(r, new ConfigAlteration(Map.of(), List.of("retention.ms"))), false);
        cluster.awaitCondition(() -> !"DYNAMIC".equals(admin.describeConfigs(List.of(r)).get(r).get("retention.ms").source()),
                30_000, "retention.ms back to default");
    }

    @Test
    void describeClusterListsEveryBrokerAndTheController() {
        ClusterDescription c = admin.describeCluster();
        assertEquals(3, c.brokers().size());
        assertTrue(c.controllerId() > 0);
        assertFalse(c.clusterId().isEmpty());
    }

    @Test
    void listOffsetsAsksEachLeader() throws Exception {
        cluster.createTopic("admin-offsets", 3, 1);
        try (TributaryProducer<String, String> p = ProducerConsumerIntegrationTest.producer(Map.of())) {
            for (int i = 0; i < 30; i++) {
                p.send(new ProducerRecord<>("admin-offsets", i % 3, null, "v" + i)).get();
            }
        }
        Map<TopicPartition, OffsetSpec> specs = Map.of(new TopicPartition("admin-offsets", 0), OffsetSpec.latest(),
                new TopicPartition("admin-offsets", 1), OffsetSpec.earliest(), new TopicPartition("admin-offsets", 2), OffsetSpec.latest());
        Map<TopicPartition, ListedOffset> offsets = admin.listOffsets(specs);
        assertEquals(10, offsets.get(new TopicPartition("admin-offsets", 0)).offset());
        assertEquals(0, offsets.get(new TopicPartition("admin-offsets", 1)).offset());
        assertEquals(10, offsets.get(new TopicPartition("admin-offsets", 2)).highWatermark());
    }
}
