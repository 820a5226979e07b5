package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ZkDocumentsTest {
    private static <T extends ZkDocument> T roundTrip(ZkCodec<T> codec, T doc, String expectedJson) {
        assertEquals(expectedJson, codec.encodeToString(doc));
        T back = codec.decode(expectedJson.getBytes(StandardCharsets.UTF_8));
        assertEquals(doc, back);
        return back;
    }

    @Test
    void everyDocumentEncodesToTheSpecJsonAndBack() {
        roundTrip(ClusterIdDocument.CODEC, new ClusterIdDocument("c0ffee00-0000-4000-8000-000000000000"),
                "{\"version\":1,\"id\":\"c0ffee00-0000-4000-8000-000000000000\"}");
        roundTrip(BrokerInfo.CODEC, new BrokerInfo("10.0.0.1", 9092, List.of("PLAINTEXT://10.0.0.1:9092"), "r1", 1700000000000L)
                        .withBrokerEpoch(4294967319L),
                "{\"version\":1,\"host\":\"10.0.0.1\",\"port\":9092,\"endpoints\":[\"PLAINTEXT://10.0.0.1:9092\"],"
                        + "\"rack\":\"r1\",\"timestamp\":1700000000000,\"broker_epoch\":4294967319}");
        roundTrip(TopicAssignment.CODEC, new TopicAssignment("t-id", Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1),
                        10, List.of(3, 1, 2))),
                "{\"version\":1,\"topic_id\":\"t-id\",\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1],\"10\":[3,1,2]}}");
        roundTrip(TopicAssignment.CODEC, new TopicAssignment("t-id", Map.of(0, List.of(1, 2)))
                        .withPartition(0, List.of(2, 3, 1), List.of(3), List.of(1)),
                "{\"version\":1,\"topic_id\":\"t-id\",\"partitions\":{\"0\":[2,3,1]},"
                        + "\"adding_replicas\":{\"0\":[3]},\"removing_replicas\":{\"0\":[1]}}");
        roundTrip(PartitionState.CODEC, new PartitionState(1, 4, List.of(1, 2), 7),
                "{\"version\":1,\"leader\":1,\"leader_epoch\":4,\"isr\":[1,2],\"controller_epoch\":7}");
        roundTrip(ControllerInfo.CODEC, new ControllerInfo(1, 1700000000000L),
                "{\"version\":1,\"brokerid\":1,\"timestamp\":1700000000000}");
        roundTrip(EntityConfig.CODEC, new EntityConfig(Map.of("retention.ms", "86400000", "cleanup.policy", "compact")),
                "{\"version\":1,\"config\":{\"cleanup.policy\":\"compact\",\"retention.ms\":\"86400000\"}}");
        roundTrip(ConfigChangeNotification.CODEC, new ConfigChangeNotification("topics/orders"),
                "{\"version\":1,\"entity_path\":\"topics/orders\"}");
        roundTrip(TopicDeletionRequest.CODEC, new TopicDeletionRequest(1700000000000L),
                "{\"version\":1,\"timestamp\":1700000000000}");
        roundTrip(PartitionReassignment.CODEC, PartitionReassignment.of(Map.of(new TopicPartition("t", 0), List.of(2, 3))),
                "{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[2,3]}]}");
        roundTrip(PreferredReplicaElection.CODEC, PreferredReplicaElection.of(List.of(new TopicPartition("t", 1))),
                "{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":1}]}");
    }

    @Test
    void decodeRejectsMissingOrNewerVersionAndGarbageButIgnoresUnknownFields() {
        assertThrows(CorruptMetadataException.class, () -> PartitionState.CODEC.decode(
                "{\"leader\":1,\"leader_epoch\":0,\"isr\":[1],\"controller_epoch\":1}".getBytes(StandardCharsets.UTF_8)));
        CorruptMetadataException newer = assertThrows(CorruptMetadataException.class, () -> PartitionState.CODEC.decode(
                "{\"version\":2,\"leader\":1,\"leader_epoch\":0,\"isr\":[1],\"controller_epoch\":1}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(newer.getMessage().contains("version 2"), newer.getMessage());
        assertThrows(CorruptMetadataException.class, () -> PartitionState.CODEC.decode("not json".getBytes(StandardCharsets.UTF_8)));
        assertThrows(CorruptMetadataException.class, () -> PartitionState.CODEC.decode(new byte[0]));
        PartitionState s = PartitionState.CODEC.decode(("{\"version\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1],"
                + "\"controller_epoch\":1,\"leader_recovery_state\":0}").getBytes(StandardCharsets.UTF_8));
        assertEquals(new PartitionState(1, 0, List.of(1), 1), s);
    }

    @Test
    void layoutPathsSitUnderTheChrootAndParseBack() {
        ZkLayout layout = ZkConnect.parse("zk1:2181,zk2:2181/prod/tributary").layout();
        TopicPartition tp = new TopicPartition("orders", 3);
        assertEquals("/prod/tributary/brokers/topics/orders/partitions/3/state", layout.partitionStatePath(tp));
        assertEquals("/prod/tributary/brokers/ids/7", layout.brokerPath(7));
        assertEquals("/prod/tributary/controller_epoch", layout.controllerEpochPath());
        assertEquals("/prod/tributary/admin/reassign_partitions", layout.reassignPartitionsPath());
        assertEquals(Optional.of(tp), layout.parsePartitionStatePath(layout.partitionStatePath(tp)));
        assertEquals(OptionalInt.of(7), layout.parseBrokerPath(layout.brokerPath(7)));
        assertEquals(Optional.of("orders"), layout.parseTopicPath(layout.topicPath("orders")));
        assertEquals(Optional.empty(), layout.parseTopicPath(layout.partitionStatePath(tp)));
        assertEquals("/tributary/cluster/id", ZkConnect.parse("127.0.0.1:2181").layout().clusterIdPath());
        assertEquals("zk1:2181,zk2:2181", ZkConnect.parse("zk1:2181,zk2:2181/prod/tributary").hosts());
    }
}
