package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import static io.tributary.coordination.ZkTestCluster.WAIT;
import static io.tributary.coordination.ZkTestCluster.await;
import static io.tributary.coordination.ZkTestCluster.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class TopicLifecycleTest {
    private ZkTestCluster cluster;
    private final Map<Integer, RecordingRoleListener> roles = new HashMap<>();

    @BeforeEach
    void startEnsemble() throws Exception {
        cluster = new ZkTestCluster();
    }

    @AfterEach
    void stopEnsemble() throws Exception {
        cluster.close();
    }

    private void startBrokers(String... racks) throws Exception {
        for (int i = 0; i < racks.length; i++) {
            startBroker(i + 1, racks[i]);
        }
        awaitValue("a controller", WAIT, cluster::activeController);
    }

    private BrokerCoordination startBroker(int id, String rack) throws Exception {
        RecordingRoleListener listener = roles.computeIfAbsent(id, k -> new RecordingRoleListener());
        return cluster.startBroker(cluster.config(id, rack), listener);
    }

    private TopicAdmin admin() {
        return cluster.broker(cluster.activeController().map(c -> c.brokerId() == 2 ? 3 : 2).orElse(2)).topicAdmin();
    }

    private String topicId(String topic) throws Exception {
        return admin().readAssignment(topic).orElseThrow().topicId();
    }

    private static void assertError(ErrorCode expected, String messagePart, Executable call) {
        TributaryException e = assertThrows(TributaryException.class, call);
        assertEquals(expected, e.error(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    @Test
    void createTopicWritesAssignmentConfigAndLeaderStatesAnOperatorCanRead() throws Exception {
        startBrokers(null, null, null);
        admin().createTopic(new TopicAdmin.NewTopic("orders", 0, 0,
                Map.of(0, List.of(1, 2), 1, List.of(2, 3), 2, List.of(3, 1)), Map.of("retention.ms", "86400000")));
        cluster.awaitState(new TopicPartition("orders", 2), "created", s -> s.leader() == 3);

        assertEquals("{\"version\":1,\"topic_id\":\"" + topicId("orders")
                + "\",\"partitions\":{\"0\":[1,2],\"1\":[2,3],\"2\":[3,1]}}", cluster.get("/tributary/brokers/topics/orders"));
        assertEquals("{\"version\":1,\"config\":{\"retention.ms\":\"86400000\"}}", cluster.get("/tributary/config/topics/orders"));
        assertEquals("{\"version\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1,2],\"controller_epoch\":1" + cluster.leaderStamp(1) + "}",
                cluster.get("/tributary/brokers/topics/orders/partitions/0/state"));
        assertEquals("{\"version\":1,\"leader\":2,\"leader_epoch\":0,\"isr\":[2,3],\"controller_epoch\":1" + cluster.leaderStamp(2) + "}",
                cluster.get("/tributary/brokers/topics/orders/partitions/1/state"));
        assertTrue(cluster.get("/tributary/cluster/id").matches("\\{\"version\":1,\"id\":\"[0-9a-f-]{36}\"}"),
                cluster.get("/tributary/cluster/id"));
        await("broker 2 told its roles", WAIT, () -> roles.get(2).saw("follower orders-0 of=1 epoch=0")
                && roles.get(2).saw("leader orders-1 epoch=0"));
        assertTrue(!roles.get(2).events.toString().contains("orders-2"), "broker 2 hosts no replica of orders-2");
        RecordingRoleListener late = new RecordingRoleListener();
        cluster.broker(3).addPartitionRoleListener(late);
        await("a listener added late is told the current roles", WAIT,
                () -> late.saw("leader orders-2 epoch=0") && late.saw("follower orders-1 of=2 epoch=0"));

        TopicMetadata md = awaitValue("cache shows the topic", WAIT, () -> cluster.broker(1).metadata().topic("orders")
                .filter(t -> t.partitions().values().stream().allMatch(p -> p.state() != null)));
        assertEquals(Map.of("retention.ms", "86400000"), md.config());
        assertEquals(List.of(3, 1), md.partitions().get(2).replicas());
    }

    @Test
    void createTopicSpreadsLeadersAndReplicasAcrossBrokersAndRacks() throws Exception {
        startBrokers("rack-a", "rack-a", "rack-b", "rack-b");
        admin().createTopic(new TopicAdmin.NewTopic("spread", 8, 2));
        TopicAssignment a = admin().readAssignment("spread").orElseThrow();
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, String> rackOf = Map.of(1, "rack-a", 2, "rack-a", 3, "rack-b", 4, "rack-b");
        a.partitions().forEach((p, replicas) -> {
            assertEquals(2, replicas.size());
            Set<String> racks = new HashSet<>();
            replicas.forEach(r -> racks.add(rackOf.get(r)));
            assertEquals(2, racks.size(), "partition " + p + " must span both racks: " + replicas);
            leaders.merge(replicas.get(0), 1, Integer::sum);
        });
        assertEquals(Map.of(1, 2, 2, 2, 3, 2, 4, 2), leaders, "each broker leads 2 of 8 partitions");
        for (int p = 0; p < 8; p++) {
            int preferred = a.replicas(p).get(0);
            cluster.awaitState(new TopicPartition("spread", p), "led by preferred", s -> s.leader() == preferred);
        }
    }

    @Test
    void createTopicRejectsBadNamesCollisionsAndReplicationFactorAboveLiveBrokers() throws Exception {
        startBrokers(null, null, null);
        TopicAdmin admin = admin();
        assertError(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor: 4 larger than available brokers: 3",
                () -> admin.createTopic(new TopicAdmin.NewTopic("too-wide", 1, 4)));
        assertError(ErrorCode.INVALID_TOPIC_EXCEPTION, "contains ' '",
                () -> admin.createTopic(new TopicAdmin.NewTopic("bad name", 1, 1)));
        assertError(ErrorCode.INVALID_TOPIC_EXCEPTION, "cannot be",
                () -> admin.createTopic(new TopicAdmin.NewTopic("..", 1, 1)));
        assertError(ErrorCode.INVALID_PARTITIONS, "larger than 0",
                () -> admin.createTopic(new TopicAdmin.NewTopic("empty", 0, 1)));
        admin.createTopic(new TopicAdmin.NewTopic("metrics.cpu", 1, 1));
        assertError(ErrorCode.INVALID_TOPIC_EXCEPTION, "collides with existing topic 'metrics.cpu'",
                () -> admin.createTopic(new TopicAdmin.NewTopic("metrics_cpu", 1, 1)));
        assertError(ErrorCode.TOPIC_ALREADY_EXISTS, "already exists",
                () -> admin.createTopic(new TopicAdmin.NewTopic("metrics.cpu", 1, 1)));
        assertError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "not a live broker",
                () -> admin.createTopic(new TopicAdmin.NewTopic("ghost", 0, 0, Map.of(0, List.of(1, 9)), Map.of())));
        assertError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "does not exist", () -> admin.deleteTopic("nope"));
        assertNull(cluster.get("/tributary/brokers/topics/too-wide"));
        assertNull(cluster.get("/tributary/brokers/topics/metrics_cpu"));
    }

    @Test
    void deleteTopicRemovesEveryZnodeAndTellsReplicasToDeleteTheirLogs() throws Exception {
        startBrokers(null, null, null);
        admin().createTopic(new TopicAdmin.NewTopic("doomed", 0, 0,
                Map.of(0, List.of(1, 2), 1, List.of(2, 3)), Map.of("retention.ms", "1000")));
        cluster.awaitState(new TopicPartition("doomed", 1), "created", s -> s.leader() == 2);
        await("broker 3 follows doomed-1", WAIT, () -> roles.get(3).saw("follower doomed-1 of=2 epoch=0"));

        admin().deleteTopic("doomed");
        await("topic znodes gone", WAIT, () -> {
            try {
                return cluster.stat("/tributary/brokers/topics/doomed") == null;
            } catch (Exception e) {
                return false;
            }
        });
        assertNull(cluster.get("/tributary/config/topics/doomed"));
        assertNull(cluster.get("/tributary/admin/delete_topics/doomed"));
        assertEquals(List.of(), cluster.operator().getChildren().forPath("/tributary/admin/delete_topics"));
        await("replicas told to delete", WAIT, () -> roles.get(1).saw("stop doomed-0 delete=true")
                && roles.get(2).saw("stop doomed-0 delete=true") && roles.get(2).saw("stop doomed-1 delete=true")
                && roles.get(3).saw("stop doomed-1 delete=true"));

        // The name is free again.
        admin().createTopic(new TopicAdmin.NewTopic("doomed", 0, 0, Map.of(0, List.of(3)), Map.of()));
        cluster.awaitState(new TopicPartition("doomed", 0), "re-created", s -> s.leader() == 3);
    }

    @Test
    void partitionIncreaseExtendsAssignmentAndControllerCreatesNewStates() throws Exception {
        startBrokers(null, null, null);
        admin().createTopic(new TopicAdmin.NewTopic("growing", 0, 0,
                Map.of(0, List.of(1, 2), 1, List.of(2, 3)), Map.of()));
        cluster.awaitState(new TopicPartition("growing", 1), "created", s -> s.leader() == 2);

        admin().createPartitions("growing", 4);
        cluster.awaitState(new TopicPartition("growing", 2), "created", s -> s.leader() == 3);
        cluster.awaitState(new TopicPartition("growing", 3), "created", s -> s.leader() == 1);
        assertEquals("{\"version\":1,\"topic_id\":\"" + topicId("growing")
                        + "\",\"partitions\":{\"0\":[1,2],\"1\":[2,3],\"2\":[3,1],\"3\":[1,3]}}",
                cluster.get("/tributary/brokers/topics/growing"));
        assertEquals("{\"version\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1,3],\"controller_epoch\":1" + cluster.leaderStamp(1) + "}",
                cluster.get("/tributary/brokers/topics/growing/partitions/3/state"));
        assertError(ErrorCode.INVALID_PARTITIONS, "must be larger", () -> admin().createPartitions("growing", 4));
    }

    @Test
    void reassignmentMovesReplicasOnceNewOnesJoinTheIsr() throws Exception {
        startBrokers(null, null, null);
        TopicPartition tp = new TopicPartition("moving", 0);
        admin().createTopic(new TopicAdmin.NewTopic("moving", 0, 0, Map.of(0, List.of(1, 2)), Map.of()));
        cluster.awaitState(tp, "created", s -> s.leader() == 1);
        String id = topicId("moving");

        admin().reassignPartitions(Map.of(tp, List.of(2, 3)));
        assertEquals("{\"version\":1,\"partitions\":[{\"topic\":\"moving\",\"partition\":0,\"replicas\":[2,3]}]}",
                cluster.get("/tributary/admin/reassign_partitions"));
        assertError(ErrorCode.REASSIGNMENT_IN_PROGRESS, "already in progress",
                () -> admin().reassignPartitions(Map.of(tp, List.of(3, 1))));
        String moving = "{\"version\":1,\"topic_id\":\"" + id + "\",\"partitions\":{\"0\":[2,3,1]},"
                + "\"adding_replicas\":{\"0\":[3]},\"removing_replicas\":{\"0\":[1]}}";
        await("assignment widened", WAIT, () -> {
            try {
                return moving.equals(cluster.get("/tributary/brokers/topics/moving"));
            } catch (Exception e) {
                return false;
            }
        });
        await("new replica told to follow", WAIT, () -> roles.get(3).saw("follower moving-0 of=1 epoch=0"));
        ZkTestCluster.sleep(500);
        assertEquals(moving, cluster.get("/tributary/brokers/topics/moving"), "waits until broker 3 is in sync");

        // Broker 3 caught up: the leader adds it to the ISR, as replication will.
        VersionedPartitionState vs = cluster.broker(1).partitionStateStore().read(tp).orElseThrow();
        assertTrue(cluster.broker(1).partitionStateStore()
                .compareAndSet(tp, vs.state().withIsr(List.of(1, 2, 3)), vs.zkVersion()).succeeded());

        await("reassignment request removed", WAIT, () -> {
            try {
                return cluster.stat("/tributary/admin/reassign_partitions") == null;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("{\"version\":1,\"topic_id\":\"" + id + "\",\"partitions\":{\"0\":[2,3]}}",
                cluster.get("/tributary/brokers/topics/moving"));
        assertEquals("{\"version\":1,\"leader\":2,\"leader_epoch\":1,\"isr\":[2,3],\"controller_epoch\":1" + cluster.leaderStamp(2) + "}",
                cluster.get("/tributary/brokers/topics/moving/partitions/0/state"));
        await("roles updated", WAIT, () -> roles.get(1).saw("stop moving-0 delete=true")
                && roles.get(2).saw("leader moving-0 epoch=1") && roles.get(3).saw("follower moving-0 of=2 epoch=1"));
    }

    @Test
    void preferredLeaderElectionMovesLeadershipBackToFirstReplica() throws Exception {
        startBrokers(null, null, null);
        TopicPartition tp = new TopicPartition("pref", 0);
        int controller = cluster.activeController().orElseThrow().brokerId();
        int preferred = controller == 1 ? 2 : 1;
        int other = 6 - controller - preferred;
        admin().createTopic(new TopicAdmin.NewTopic("pref", 0, 0, Map.of(0, List.of(preferred, other)), Map.of()));
        cluster.awaitState(tp, "created", s -> s.leader() == preferred);

        cluster.stopBroker(preferred);
        cluster.awaitState(tp, "failed over", s -> s.leader() == other && s.leaderEpoch() == 1);
        startBroker(preferred, null);
        await("returning broker follows", WAIT, () -> roles.get(preferred).saw("follower pref-0 of=" + other + " epoch=1"));
        VersionedPartitionState vs = cluster.broker(other).partitionStateStore().read(tp).orElseThrow();
        assertTrue(cluster.broker(other).partitionStateStore()
                .compareAndSet(tp, vs.state().withIsr(List.of(other, preferred)), vs.zkVersion()).succeeded());

        admin().electPreferredLeaders(List.of(tp));
        PartitionState s = cluster.awaitState(tp, "preferred leader back", st -> st.leader() == preferred);
        assertEquals(2, s.leaderEpoch());
        assertEquals("{\"version\":1,\"leader\":" + preferred + ",\"leader_epoch\":2,\"isr\":[" + other + "," + preferred
                + "],\"controller_epoch\":1" + cluster.leaderStamp(preferred) + "}", cluster.get("/tributary/brokers/topics/pref/partitions/0/state"));
        await("request removed", WAIT, () -> {
            try {
                return cluster.stat("/tributary/admin/preferred_replica_election") == null;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void newControllerFinishesRequestsLeftHalfDoneByADeadController() throws Exception {
        startBrokers(null, null, null);
        admin().createTopic(new TopicAdmin.NewTopic("old", 0, 0, Map.of(0, List.of(1, 2)), Map.of()));
        cluster.awaitState(new TopicPartition("old", 0), "created", s -> s.leader() == 1);
        for (int id = 1; id <= 3; id++) {
            cluster.stopBroker(id);
        }
        // What a controller that died mid-way leaves behind: a deletion request it never ran, and a topic whose
        // assignment is written but whose partition states were never created.
        cluster.put("/tributary/admin/delete_topics/old", "{\"version\":1,\"timestamp\":1}");
        cluster.put("/tributary/brokers/topics/fresh",
                "{\"version\":1,\"topic_id\":\"5f0c6b1e-0000-4000-8000-000000000001\",\"partitions\":{\"0\":[2,3]}}");

        startBrokers(null, null, null);
        cluster.awaitState(new TopicPartition("fresh", 0), "created by the new controller", s -> s.leader() == 2);
        await("old deleted", WAIT, () -> {
            try {
                return cluster.stat("/tributary/brokers/topics/old") == null
                        && cluster.stat("/tributary/admin/delete_topics/old") == null;
            } catch (Exception e) {
                return false;
            }
        });
        // Brokers start one by one, so the ISR is whichever replicas were registered when the state was made.
        String epoch = cluster.get("/tributary/controller_epoch");
        String state = cluster.get("/tributary/brokers/topics/fresh/partitions/0/state");
        assertTrue(state.equals("{\"version\":1,\"leader\":2,\"leader_epoch\":0,\"isr\":[2,3],\"controller_epoch\":" + epoch
                        + cluster.leaderStamp(2) + "}")
                || state.equals("{\"version\":1,\"leader\":2,\"leader_epoch\":0,\"isr\":[2],\"controller_epoch\":" + epoch
                        + cluster.leaderStamp(2) + "}"),
                state);
    }
}
