package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import static io.tributary.coordination.ZkTestCluster.WAIT;
import static io.tributary.coordination.ZkTestCluster.await;
import static io.tributary.coordination.ZkTestCluster.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ZooKeeperQuorumLossTest {
    private ZkTestCluster cluster;
    private final Map<Integer, RecordingRoleListener> roles = new HashMap<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new ZkTestCluster();
        for (int id = 1; id <= 3; id++) {
            RecordingRoleListener listener = new RecordingRoleListener();
            roles.put(id, listener);
            cluster.startBroker(cluster.config(id, null), listener);
        }
        awaitValue("a controller", WAIT, cluster::activeController);
        cluster.broker(1).topicAdmin().createTopic(new TopicAdmin.NewTopic("steady", 0, 0,
                Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1), 2, List.of(3, 1, 2)), Map.of()));
        for (int p = 0; p < 3; p++) {
            int leader = p + 1;
            cluster.awaitState(new TopicPartition("steady", p), "led by " + leader, s -> s.leader() == leader);
        }
        // Roles reach each broker asynchronously, on its metadata thread: the tests compare counts against a
        // baseline, so wait until every broker has been told about all three partitions it hosts.
        await("every broker told its three roles", WAIT, () -> roles.values().stream().allMatch(r -> r.events.size() >= 3));
    }

    @AfterEach
    void stopCluster() throws Exception {
        cluster.close();
    }

    private Map<String, String> snapshotOfZnodes() throws Exception {
        Map<String, String> znodes = new HashMap<>();
        znodes.put("/tributary/controller_epoch", cluster.get("/tributary/controller_epoch"));
        znodes.put("/tributary/controller", cluster.get("/tributary/controller"));
        for (int id = 1; id <= 3; id++) {
            znodes.put("/tributary/brokers/ids/" + id, cluster.get("/tributary/brokers/ids/" + id));
        }
        for (int p = 0; p < 3; p++) {
            String path = "/tributary/brokers/topics/steady/partitions/" + p + "/state";
            znodes.put(path, cluster.get(path) + " zkVersion=" + cluster.stat(path).getVersion());
        }
        return znodes;
    }

    @Test
    void losingOneOfThreeZooKeeperServersChangesNothing() throws Exception {
        Map<String, String> before = snapshotOfZnodes();
        int controller = cluster.activeController().orElseThrow().brokerId();
        List<Integer> leadersAnnounced = new ArrayList<>();
        roles.forEach((id, r) -> leadersAnnounced.add(r.events.size()));

        InstanceSpec victim = cluster.zk.getInstances().iterator().next();
        cluster.zk.killServer(victim);
        // Clients of the dead server move to another one well within the session timeout.
        ZkTestCluster.sleep(ZkTestCluster.SESSION_TIMEOUT_MS + 1_000);
        for (int id = 1; id <= 3; id++) {
            BrokerCoordination b = cluster.broker(id);
            await("broker " + id + " serving", WAIT, b::isServing);
            assertFalse(b.metadataCache().sessionState() == SessionState.LOST);
        }
        assertEquals(before, snapshotOfZnodes(), "no session expired, no leader or ISR moved");
        assertEquals(controller, cluster.activeController().orElseThrow().brokerId());
        List<Integer> after = new ArrayList<>();
        roles.forEach((id, r) -> after.add(r.events.size()));
        assertEquals(leadersAnnounced, after, "no broker was told a new role");
        roles.values().forEach(r -> assertFalse(r.sessionStates.contains(SessionState.LOST)));

        cluster.broker(2).topicAdmin().createTopic(new TopicAdmin.NewTopic("after-loss", 0, 0,
                Map.of(0, List.of(3, 1)), Map.of()));
        cluster.awaitState(new TopicPartition("after-loss", 0), "led by 3", s -> s.leader() == 3);
    }

    @Test
    void losingTwoZooKeeperServersStopsLeadershipActionsAndRecoversWhenOneReturns() throws Exception {
        List<InstanceSpec> specs = new ArrayList<>(cluster.zk.getInstances());
        long killedAt = System.nanoTime();
        cluster.zk.killServer(specs.get(0));
        cluster.zk.killServer(specs.get(1));

        for (int id = 1; id <= 3; id++) {
            BrokerCoordination b = cluster.broker(id);
            await("broker " + id + " reports no quorum", Duration.ofSeconds(ZkTestCluster.SESSION_TIMEOUT_MS / 1000 + 2),
                    () -> !b.isServing());
            RecordingRoleListener r = roles.get(id);
            await("broker " + id + " told to stop leader actions", WAIT,
                    () -> r.sessionStates.contains(SessionState.SUSPENDED));
        }
        ZkTestCluster.report("all brokers report no quorum after losing 2 of 3 ZooKeeper servers",
                (System.nanoTime() - killedAt) / 1_000_000);

        long attemptAt = System.nanoTime();
        assertThrows(Exception.class, () -> cluster.broker(1).topicAdmin().createTopic(
                new TopicAdmin.NewTopic("during-outage", 0, 0, Map.of(0, List.of(1)), Map.of())));
        long failMs = (System.nanoTime() - attemptAt) / 1_000_000;
        ZkTestCluster.report("admin call without quorum failed after", failMs);
        assertTrue(failMs < 15_000, "an admin call must fail, not hang, without quorum");

        // Past the session timeout every broker treats its session as lost: no controller, no leader anywhere.
        for (int id = 1; id <= 3; id++) {
            RecordingRoleListener r = roles.get(id);
            await("broker " + id + " session lost", WAIT, () -> r.sessionStates.contains(SessionState.LOST));
        }
        await("no broker acts as controller", WAIT, () -> cluster.countActiveControllers() == 0);

        long restartedAt = System.nanoTime();
        cluster.zk.restartServer(specs.get(0));
        for (int id = 1; id <= 3; id++) {
            BrokerCoordination b = cluster.broker(id);
            await("broker " + id + " serving again", Duration.ofSeconds(30), b::isServing);
        }
        BrokerCoordination controller = awaitValue("one controller again", Duration.ofSeconds(30), cluster::activeController);
        ZkTestCluster.report("brokers serving and controller elected after quorum returned",
                (System.nanoTime() - restartedAt) / 1_000_000);
        assertTrue(controller.controller().activeFence().orElseThrow().epoch() >= 2);
        for (int p = 0; p < 3; p++) {
            TopicPartition tp = new TopicPartition("steady", p);
            PartitionState s = cluster.awaitState(tp, "has a live leader", st -> !st.isOffline());
            int leader = s.leader();
            await("leader of " + tp + " told it leads", WAIT,
                    () -> roles.get(leader).events.stream().anyMatch(e -> e.startsWith("leader " + tp + " ")));
        }
        cluster.broker(3).topicAdmin().createTopic(new TopicAdmin.NewTopic("after-outage", 0, 0,
                Map.of(0, List.of(2, 3)), Map.of()));
        cluster.awaitState(new TopicPartition("after-outage", 0), "led by 2", s -> s.leader() == 2);
    }
}
