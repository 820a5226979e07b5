package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import static io.tributary.coordination.ZkTestCluster.WAIT;
import static io.tributary.coordination.ZkTestCluster.await;
import static io.tributary.coordination.ZkTestCluster.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PartitionFailoverTest {
    /** SPEC §4: a partition whose leader is killed has a new leader within the session timeout + 2 s. */
    private static final long FAILOVER_TARGET_MS = ZkTestCluster.SESSION_TIMEOUT_MS + 2_000;

    private ZkTestCluster cluster;
    private final Map<Integer, RecordingRoleListener> roles = new HashMap<>();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new ZkTestCluster();
        for (int id = 1; id <= 3; id++) {
            RecordingRoleListener listener = new RecordingRoleListener();
            roles.put(id, listener);
            cluster.startBroker(cluster.proxiedConfig(id, null), listener);
        }
        awaitValue("a controller", WAIT, cluster::activeController);
    }

    @AfterEach
    void stopCluster() throws Exception {
        cluster.close();
    }

    private void createTopic(String name, Map<Integer, List<Integer>> assignment, Map<String, String> config)
            throws Exception {
        cluster.broker(1).topicAdmin().createTopic(new TopicAdmin.NewTopic(name, 0, 0, assignment, config));
        for (int p : assignment.keySet()) {
            int preferred = assignment.get(p).get(0);
            cluster.awaitState(new TopicPartition(name, p), "led by " + preferred, s -> s.leader() == preferred);
        }
    }

    @Test
    void brokerLossMovesLeadershipToIsrMemberWithBumpedLeaderEpoch() throws Exception {
        createTopic("orders", Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1), 2, List.of(3, 1, 2)), Map.of());
        int controller = cluster.activeController().orElseThrow().brokerId();
        int victim = controller == 2 ? 3 : 2;
        TopicPartition led = new TopicPartition("orders", victim - 1);
        await("victim told it leads", WAIT, () -> roles.get(victim).saw("leader " + led + " epoch=0"));

        long crashedAt = System.nanoTime();
        cluster.partitionBroker(victim);
        PartitionState moved = cluster.awaitState(led, "has a new leader", s -> s.leader() != victim && !s.isOffline());
        long failoverMs = (System.nanoTime() - crashedAt) / 1_000_000;
        ZkTestCluster.report("partition leader failover after broker crash (session timeout "
                + ZkTestCluster.SESSION_TIMEOUT_MS + " ms)", failoverMs);
        assertTrue(failoverMs < FAILOVER_TARGET_MS, "failover took " + failoverMs + " ms");

        List<Integer> replicas = cluster.broker(controller).metadata().partition(led).orElseThrow().replicas();
        assertEquals(replicas.get(1), moved.leader(), "the next in-sync replica in assignment order leads");
        assertEquals(1, moved.leaderEpoch(), "leader epoch bumped");
        assertFalse(moved.isr().contains(victim), "dead broker left the ISR");
        assertEquals(2, moved.isr().size());
        for (int p = 0; p < 3; p++) {
            TopicPartition tp = new TopicPartition("orders", p);
            PartitionState s = cluster.awaitState(tp, "without the dead broker", st -> !st.isr().contains(victim));
            if (!tp.equals(led)) {
                assertEquals(0, s.leaderEpoch(), "a partition whose leader survived keeps its leader epoch");
            }
        }
        int newLeader = moved.leader();
        await("new leader told it leads", WAIT, () -> roles.get(newLeader).saw("leader " + led + " epoch=1"));

        // The zombie learns it lost its session and must stop acting as leader.
        await("zombie sees its session lost", WAIT,
                () -> roles.get(victim).sessionStates.contains(SessionState.LOST));
        assertFalse(cluster.broker(victim).isServing());

        // When it comes back it is told its partitions, as a follower of the new leader.
        long healedAt = System.nanoTime();
        cluster.healBroker(victim);
        await("returning broker told it follows", WAIT,
                () -> roles.get(victim).saw("follower " + led + " of=" + newLeader + " epoch=1"));
        ZkTestCluster.report("returning broker told its partitions as follower", (System.nanoTime() - healedAt) / 1_000_000);
        await("returning broker serving", WAIT, () -> cluster.broker(victim).isServing());
        assertEquals(newLeader, cluster.state(led).orElseThrow().leader(), "a returning broker does not take leadership back");
    }

    @Test
    void leaderRegisteredWithAnotherBrokerEpochThanItWasElectedWithIsReplacedWithANewLeaderEpoch() throws Exception {
        // What a controller sees when it takes over at the very moment a leader restarted (kill -9 and an immediate
        // restart): the leader is registered and alive, but not the incarnation that was elected.
        createTopic("bounced", Map.of(0, List.of(2, 3, 1)), Map.of());
        TopicPartition tp = new TopicPartition("bounced", 0);
        VersionedPartitionState elected = cluster.broker(1).partitionStateStore().read(tp).orElseThrow();
        long epochOf2 = cluster.broker(1).metadata().brokers().get(2).brokerEpoch();
        assertEquals(epochOf2, elected.state().leaderBrokerEpoch(), "the controller stamps the leader's broker epoch");

        assertTrue(cluster.broker(1).partitionStateStore()
                .compareAndSet(tp, elected.state().withLeaderBrokerEpoch(epochOf2 - 1), elected.zkVersion()).succeeded());
        PartitionState moved = cluster.awaitState(tp, "re-elected", s -> s.leaderEpoch() == 1);
        assertEquals(3, moved.leader(), "the next in-sync replica leads");
        assertFalse(moved.isr().contains(2), "the restarted leader leaves the ISR until it catches up again");
        assertEquals(cluster.broker(1).metadata().brokers().get(3).brokerEpoch(), moved.leaderBrokerEpoch());
    }

    @Test
    void controllerCrashElectsNewControllerWhichMovesTheDeadControllersLeadership() throws Exception {
        createTopic("payments", Map.of(0, List.of(1, 2, 3), 1, List.of(2, 3, 1), 2, List.of(3, 1, 2)), Map.of());
        int old = cluster.activeController().orElseThrow().brokerId();
        TopicPartition led = new TopicPartition("payments", old - 1);

        long crashedAt = System.nanoTime();
        cluster.partitionBroker(old);
        awaitValue("another broker in /controller", WAIT, () -> {
            try {
                return Optional.ofNullable(cluster.get("/tributary/controller"))
                        .filter(json -> !json.contains("\"brokerid\":" + old + ","));
            } catch (Exception e) {
                return Optional.empty();
            }
        });
        long controllerMs = (System.nanoTime() - crashedAt) / 1_000_000;
        PartitionState moved = cluster.awaitState(led, "has a new leader", s -> s.leader() != old && !s.isOffline());
        long leaderMs = (System.nanoTime() - crashedAt) / 1_000_000;
        ZkTestCluster.report("controller failover after controller crash", controllerMs);
        ZkTestCluster.report("leader failover of the crashed controller's partition", leaderMs);
        // Reported against SPEC's target; asserted with 2 s more slack, since this path waits for two
        // expirations to be noticed (controller znode, then broker registration) on a shared 2-core machine.
        assertTrue(leaderMs < FAILOVER_TARGET_MS + 2_000, "failover took " + leaderMs + " ms");
        BrokerCoordination next = awaitValue("exactly one broker acting as controller", WAIT, cluster::activeController);
        assertNotEquals(old, next.brokerId());
        assertEquals(1, moved.leaderEpoch());
        assertEquals(next.controller().activeFence().orElseThrow().epoch(), moved.controllerEpoch(),
                "the state carries the new controller's epoch");
        assertEquals("2", cluster.get("/tributary/controller_epoch"));
    }

    @Test
    void onlyIsrMemberDeathTakesPartitionOfflineRatherThanElectingOutOfSyncReplica() throws Exception {
        int controller = cluster.activeController().orElseThrow().brokerId();
        List<Integer> others = List.of(1, 2, 3).stream().filter(b -> b != controller).toList();
        int leader = others.get(0);
        int follower = others.get(1);
        createTopic("solo", Map.of(0, List.of(leader, follower)), Map.of());
        createTopic("solo-unclean", Map.of(0, List.of(leader, follower)), Map.of("unclean.leader.election.enable", "true"));
        TopicPartition clean = new TopicPartition("solo", 0);
        TopicPartition unclean = new TopicPartition("solo-unclean", 0);

        // The leader drops its lagging follower from the ISR, as it would after replica.lag.time.max.ms.
        for (TopicPartition tp : List.of(clean, unclean)) {
            VersionedPartitionState vs = cluster.broker(leader).partitionStateStore().read(tp).orElseThrow();
            assertEquals(List.of(leader, follower), vs.state().isr());
            assertTrue(cluster.broker(leader).partitionStateStore()
                    .compareAndSet(tp, vs.state().withIsr(List.of(leader)), vs.zkVersion()).succeeded());
        }

        long crashedAt = System.nanoTime();
        cluster.partitionBroker(leader);
        PartitionState offline = cluster.awaitState(clean, "offline", PartitionState::isOffline);
        ZkTestCluster.report("partition offline after its only in-sync replica crashed",
                (System.nanoTime() - crashedAt) / 1_000_000);
        assertEquals("{\"version\":1,\"leader\":-1,\"leader_epoch\":1,\"isr\":[" + leader + "],\"controller_epoch\":1}",
                cluster.get("/tributary/brokers/topics/solo/partitions/0/state"));
        PartitionState uncleanState = cluster.awaitState(unclean, "unclean leader", s -> s.leader() == follower);
        assertEquals(List.of(follower), uncleanState.isr());
        assertEquals(1, uncleanState.leaderEpoch());

        ZkTestCluster.sleep(1_000);
        assertTrue(cluster.state(clean).orElseThrow().isOffline(), "the out-of-sync replica must not be elected");
        assertNotEquals(follower, cluster.state(clean).orElseThrow().leader());

        // When the last in-sync replica returns, it leads again: nothing acknowledged is lost.
        cluster.healBroker(leader);
        PartitionState back = cluster.awaitState(clean, "led by returning ISR member", s -> s.leader() == leader);
        assertEquals(2, back.leaderEpoch());
        assertEquals(List.of(leader), back.isr());
    }
}
