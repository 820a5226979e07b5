package io.tributary.broker.server;

import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IdempotenceTest {

    private static InitProducerIdResponse init(EmbeddedCluster c, int broker, InitProducerIdRequest r) {
        return ProducerGrpc.newBlockingStub(c.channel(broker)).withDeadlineAfter(10, TimeUnit.SECONDS).initProducerId(r);
    }

    private static ByteBuffer batch(long pid, int epoch, int seq, String value) {
        return RecordBatchBuilder.options().producer(pid, (short) epoch, seq).build().append(1L, null, value.getBytes()).build();
    }

    @Test
    void producerIdsAreUniqueAcrossBrokersAndEpochsBump() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, Map.of())) {
            Set<Long> ids = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                InitProducerIdResponse r = init(c, 1 + i % 3, InitProducerIdRequest.getDefaultInstance());
                assertEquals(0, r.getProducerEpoch());
                assertTrue(ids.add(r.getProducerId()), "duplicate producer id " + r.getProducerId());
            }
            InitProducerIdResponse bumped = init(c, 2, InitProducerIdRequest.newBuilder().setProducerId(7).setProducerEpoch(3).build());
            assertEquals(7, bumped.getProducerId());
            assertEquals(4, bumped.getProducerEpoch());
        }
    }

    @Test
    void aRetryAfterLeaderFailoverIsDeduplicatedByTheNewLeader() throws Exception {
        try (EmbeddedCluster c = EmbeddedCluster.start(1, 3, Map.of("replica.lag.time.max.ms", 3_000L))) {
            c.createTopic("idem", 1, 3, Map.of("min.insync.replicas", "2"));
            long pid = init(c, 1, InitProducerIdRequest.getDefaultInstance()).getProducerId();
            int leader = c.leaderOf("idem", 0);
            long first = -1;
            for (int seq = 0; seq < 5; seq++) {
                PartitionProduceResult r = TestClients.produce(c.channel(leader), "idem", 0, batch(pid, 0, seq, "v" + seq), -1);
                assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
                if (seq == 4) {
                    first = r.getBaseOffset();
                }
            }
            // Same leader, same batch again: the original offset, nothing appended.
            PartitionProduceResult again = TestClients.produce(c.channel(leader), "idem", 0, batch(pid, 0, 4, "v4"), -1);
            assertEquals(first, again.getBaseOffset());
            // The leader dies as if the last response were lost; the producer retries at the new leader.
            c.stopBroker(leader);
            c.awaitCondition(() -> c.leaderOf("idem", 0) > 0 && c.leaderOf("idem", 0) != leader, 30_000, "new leader");
            int newLeader = c.leaderOf("idem", 0);
            c.awaitLeadersKnown("idem", 1);
            PartitionProduceResult retried = TestClients.produce(c.channel(newLeader), "idem", 0, batch(pid, 0, 4, "v4"), -1);
            assertTrue(retried.getError().getCode().isEmpty(), retried.getError().toString());
            assertEquals(first, retried.getBaseOffset(), "the new leader knows the batch from replication");
            PartitionProduceResult next = TestClients.produce(c.channel(newLeader), "idem", 0, batch(pid, 0, 5, "v5"), -1);
            assertEquals(first + 1, next.getBaseOffset());
            PartitionProduceResult gap = TestClients.produce(c.channel(newLeader), "idem", 0, batch(pid, 0, 9, "v9"), -1);
            assertEquals("OUT_OF_ORDER_SEQUENCE_NUMBER", gap.getError().getCode());
            PartitionProduceResult zombie = TestClients.produce(c.channel(newLeader), "idem", 0,
                    batch(pid, 1, 0, "new-epoch"), -1);
            assertTrue(zombie.getError().getCode().isEmpty());
            assertEquals("INVALID_PRODUCER_EPOCH", TestClients.produce(c.channel(newLeader), "idem", 0,
                    batch(pid, 0, 6, "old-epoch"), -1).getError().getCode());
        }
    }
}
