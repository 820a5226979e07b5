package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import static io.tributary.coordination.ZkTestCluster.WAIT;
import static io.tributary.coordination.ZkTestCluster.awaitValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PartitionStateCasTest {
    private ZkTestCluster cluster;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new ZkTestCluster();
        for (int id = 1; id <= 3; id++) {
            cluster.startBroker(id);
        }
        awaitValue("a controller", WAIT, cluster::activeController);
    }

    @AfterEach
    void stopCluster() throws Exception {
        cluster.close();
    }

    @Test
    void concurrentCasWritersToOnePartitionStateExactlyOneWins() throws Exception {
        TopicPartition tp = new TopicPartition("cas", 0);
        cluster.broker(1).topicAdmin().createTopic(new TopicAdmin.NewTopic("cas", 0, 0,
                Map.of(0, List.of(1, 2, 3)), Map.of()));
        cluster.awaitState(tp, "created", s -> s.leader() == 1);
        VersionedPartitionState start = cluster.broker(1).partitionStateStore().read(tp).orElseThrow();

        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<CasResult>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            // Each writer uses a different broker's client, as competing leaders and controllers would.
            PartitionStateStore store = cluster.broker(1 + i % 3).partitionStateStore();
            List<Integer> isr = i % 2 == 0 ? List.of(1, 2) : List.of(1, 3);
            PartitionState proposal = start.state().withIsr(isr);
            results.add(pool.submit(() -> {
                go.await();
                return store.compareAndSet(tp, proposal, start.zkVersion());
            }));
        }
        go.countDown();
        List<CasResult> outcomes = new ArrayList<>();
        for (Future<CasResult> f : results) {
            outcomes.add(f.get(20, TimeUnit.SECONDS));
        }
        pool.shutdown();

        List<CasResult> winners = outcomes.stream().filter(CasResult::succeeded).toList();
        assertEquals(1, winners.size(), "exactly one writer wins: " + outcomes);
        assertEquals(start.zkVersion() + 1, ((CasResult.Written) winners.get(0)).newZkVersion());
        PartitionState stored = cluster.state(tp).orElseThrow();
        for (CasResult r : outcomes) {
            if (r instanceof CasResult.VersionConflict conflict) {
                VersionedPartitionState current = conflict.current().orElseThrow();
                assertEquals(stored, current.state(), "a loser sees the winner's state");
                assertEquals(start.zkVersion() + 1, current.zkVersion());
            }
        }
        assertTrue(stored.isr().equals(List.of(1, 2)) || stored.isr().equals(List.of(1, 3)));
        assertEquals("{\"version\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":" + stored.isr().toString().replace(" ", "")
                + ",\"controller_epoch\":1" + cluster.leaderStamp(1) + "}", cluster.get("/tributary/brokers/topics/cas/partitions/0/state"));
    }
}
