package io.tributary.coordination;

import static io.tributary.coordination.ZkTestCluster.WAIT;
import static io.tributary.coordination.ZkTestCluster.await;
import static io.tributary.coordination.ZkTestCluster.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.api.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControllerElectionTest {
    private ZkTestCluster cluster;

    @BeforeEach
    void startEnsemble() throws Exception {
        cluster = new ZkTestCluster();
    }

    @AfterEach
    void stopEnsemble() throws Exception {
        cluster.close();
    }

    @Test
    void exactlyOneControllerAmongThreeBrokers() throws Exception {
        for (int id = 1; id <= 3; id++) {
            cluster.startBroker(id);
        }
        BrokerCoordination controller = awaitValue("one active controller", WAIT, cluster::activeController);
        long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < end) {
            assertTrue(cluster.countActiveControllers() <= 1, "two brokers acting as controller at once");
            ZkTestCluster.sleep(20);
        }
        assertEquals(1, cluster.countActiveControllers());
        assertEquals("{\"version\":1,\"brokerid\":" + controller.brokerId() + ",\"timestamp\":",
                cluster.get("/tributary/controller").replaceAll("\"timestamp\":\\d+}", "\"timestamp\":"));
        assertEquals("1", cluster.get("/tributary/controller_epoch"));
        assertEquals(1, controller.controller().activeFence().orElseThrow().epoch());
    }

    @Test
    void controllerSessionExpiryElectsNewControllerAndFencesOldWrites() throws Exception {
        for (int id = 1; id <= 3; id++) {
            cluster.startBroker(id);
        }
        BrokerCoordination old = awaitValue("one active controller", WAIT, cluster::activeController);
        ControllerEpochFence oldFence = old.controller().activeFence().orElseThrow();

        long killedAt = System.nanoTime();
        cluster.expireSession(old);
        BrokerCoordination next = awaitValue("a different controller", WAIT, () -> cluster.activeController()
                .filter(c -> c.brokerId() != old.brokerId()));
        long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
        ZkTestCluster.report("controller failover after its session expired", failoverMs);
        assertTrue(failoverMs < ZkTestCluster.SESSION_TIMEOUT_MS + 3_000, "failover took " + failoverMs + " ms");
        ControllerEpochFence newFence = next.controller().activeFence().orElseThrow();
        assertEquals(oldFence.epoch() + 1, newFence.epoch());
        assertEquals(String.valueOf(newFence.epoch()), cluster.get("/tributary/controller_epoch"));
        await("old controller stepped down", WAIT, () -> !old.isController());

        // The deposed controller tries a write with the fence it won: ZooKeeper must reject the whole multi.
        String before = cluster.get("/tributary/cluster/id");
        FencedZkWriter oldWriter = new FencedZkWriter(old.client(), old.layout());
        ControllerFencedException fenced = assertThrows(ControllerFencedException.class, () -> oldWriter.write(oldFence,
                old.client().transactionOp().setData().forPath("/tributary/cluster/id",
                        "{\"version\":1,\"id\":\"hijacked\"}".getBytes(StandardCharsets.UTF_8))));
        assertEquals(ErrorCode.STALE_CONTROLLER_EPOCH, fenced.error());
        assertEquals(before, cluster.get("/tributary/cluster/id"));

        // The same write with the new controller's fence goes through (the fence is the only difference).
        FencedZkWriter newWriter = new FencedZkWriter(next.client(), next.layout());
        newWriter.write(newFence, next.client().transactionOp().setData().forPath("/tributary/cluster/id",
                before.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void cleanControllerShutdownHandsOverWithoutWaitingForSessionTimeout() throws Exception {
        for (int id = 1; id <= 3; id++) {
            cluster.startBroker(id);
        }
        BrokerCoordination old = awaitValue("one active controller", WAIT, cluster::activeController);
        long stoppedAt = System.nanoTime();
        cluster.stopBroker(old.brokerId());
        awaitValue("a new controller", WAIT, cluster::activeController);
        long ms = (System.nanoTime() - stoppedAt) / 1_000_000;
        ZkTestCluster.report("controller failover after clean shutdown", ms);
        assertTrue(ms < ZkTestCluster.SESSION_TIMEOUT_MS, "clean hand-over waited for the session timeout: " + ms);
        assertEquals("2", cluster.get("/tributary/controller_epoch"));
    }

    @Test
    void brokerWithDuplicateIdRefusesToStart() throws Exception {
        cluster.startBroker(1);
        BrokerIdInUseException e = assertThrows(BrokerIdInUseException.class,
                () -> cluster.startBroker(cluster.config(1, null), null));
        assertTrue(e.getMessage().contains("broker.id 1 is already registered"), e.getMessage());
        assertTrue(cluster.broker(1).isServing(), "the first broker must be unaffected");
    }

    @Test
    void brokerReRegistersWithNewEpochAfterSessionExpiry() throws Exception {
        BrokerCoordination broker = cluster.startBroker(2);
        Stat first = cluster.stat("/tributary/brokers/ids/2");
        assertEquals(first.getCzxid(), broker.brokerEpoch());
        assertEquals("{\"version\":1,\"host\":\"127.0.0.1\",\"port\":19002,\"endpoints\":[\"PLAINTEXT://127.0.0.1:19002\"],"
                        + "\"rack\":null,\"timestamp\":T,\"broker_epoch\":" + first.getCzxid() + "}",
                cluster.get("/tributary/brokers/ids/2").replaceAll("\"timestamp\":\\d+", "\"timestamp\":T"));

        long killedAt = System.nanoTime();
        cluster.expireSession(broker);
        Stat second = awaitValue("re-registration with a new czxid", WAIT, () -> {
            try {
                return Optional.ofNullable(cluster.stat("/tributary/brokers/ids/2"))
                        .filter(s -> s.getCzxid() != first.getCzxid());
            } catch (Exception e) {
                return Optional.empty();
            }
        });
        ZkTestCluster.report("broker re-registration after session expiry", (System.nanoTime() - killedAt) / 1_000_000);
        assertTrue(second.getCzxid() > first.getCzxid());
        await("broker epoch updated", WAIT, () -> broker.brokerEpoch() == second.getCzxid());
        assertTrue(cluster.get("/tributary/brokers/ids/2").endsWith("\"broker_epoch\":" + second.getCzxid() + "}"));
        assertNotEquals(first.getEphemeralOwner(), second.getEphemeralOwner());
        await("serving again", WAIT, broker::isServing);
        assertFalse(broker.sessionState() != SessionState.CONNECTED);
    }
}
