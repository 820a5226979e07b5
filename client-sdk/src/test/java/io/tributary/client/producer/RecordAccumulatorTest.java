package io.tributary.client.producer;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.Compression;
import io.tributary.client.Cluster;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordAccumulatorTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private final Cluster cluster = PartitionerTest.cluster("t", 2);

    private static RecordAccumulator accumulator(int batchSizeBytes, long bufferMemoryBytes, long lingerMs) {
        return new RecordAccumulator(batchSizeBytes, bufferMemoryBytes, lingerMs, 100, 120_000, Compression.NONE);
    }

    @Test
    void recordsFillOneBatchUntilBatchSizeThenANewOne() {
        RecordAccumulator acc = accumulator(1024, 1 << 20, 1_000);
        byte[] value = new byte[100];
        int appended = 0;
        boolean sawFull = false;
        while (!sawFull) {
            RecordAccumulator.AppendResult r = acc.append(TP, 0, null, value, null, null, 0, false, 0);
            appended++;
            sawFull = r.batchIsFull();
            assertTrue(appended < 20, "batch.size 1024 should fill within a few 100-byte records");
        }
        Map<Integer, List<ProducerBatch>> drained = acc.drain(cluster, acc.ready(cluster, 0).readyNodes(), 1 << 20, 0);
        assertEquals(1, drained.get(1).size(), "one batch per partition per request");
        ProducerBatch first = drained.get(1).get(0);
        assertTrue(first.recordCount() >= 8 && first.recordCount() < appended, "first batch held " + first.recordCount());
        assertTrue(first.estimatedSizeBytes() <= 1024 + 100, "batch stays near batch.size");
    }

    @Test
    void batchIsNotReadyBeforeLingerAndReadyAfter() {
        RecordAccumulator acc = accumulator(16_384, 1 << 20, 50);
        acc.append(TP, 0, null, new byte[10], null, null, 0, false, 1_000);
        RecordAccumulator.ReadyCheckResult early = acc.ready(cluster, 1_010);
        assertTrue(early.readyNodes().isEmpty());
        assertEquals(40, early.nextReadyCheckDelayMs());
        assertEquals(1, acc.ready(cluster, 1_050).readyNodes().size());
    }

    @Test
    void flushMakesLingeringBatchesReady() {
        RecordAccumulator acc = accumulator(16_384, 1 << 20, 60_000);
        acc.append(TP, 0, null, new byte[10], null, null, 0, false, 0);
        assertTrue(acc.ready(cluster, 1).readyNodes().isEmpty());
        acc.beginFlush();
        assertEquals(1, acc.ready(cluster, 1).readyNodes().size());
    }

    @Test
    void fullBufferBlocksThenFailsAfterMaxBlockMs() {
        RecordAccumulator acc = accumulator(16_384, 2_048, 0);
        acc.append(TP, 0, null, new byte[1_500], null, null, 0, false, 0);
        long start = System.nanoTime();
        BufferExhaustedException e = assertThrows(BufferExhaustedException.class,
                () -> acc.append(TP, 0, null, new byte[1_000], null, null, 200, false, 0));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waitedMs >= 190, "blocked for max.block.ms before failing, waited " + waitedMs);
        assertTrue(e.getMessage().contains("200 ms"), e.getMessage());
    }

    @Test
    void blockedSendProceedsWhenABatchCompletesAndFreesMemory() throws Exception {
        RecordAccumulator acc = accumulator(16_384, 2_048, 0);
        acc.append(TP, 0, null, new byte[1_500], null, null, 0, false, 0);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<RecordAccumulator.AppendResult> blocked = pool.submit(
                    () -> acc.append(new TopicPartition("t", 1), 0, null, new byte[1_000], null, null, 10_000, false, 0));
            Thread.sleep(100);
            assertFalse(blocked.isDone(), "send must block while buffer.memory is used up");
            assertTrue(acc.memory().hasWaiters());
            ProducerBatch batch = acc.drain(cluster, acc.ready(cluster, 0).readyNodes(), 1 << 20, 0).get(1).get(0);
            batch.complete(0, -1);
            acc.deallocate(batch);
            assertTrue(blocked.get(5, TimeUnit.SECONDS).newBatchCreated());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void abortOnNewBatchLeavesTheChoiceToTheCaller() {
        RecordAccumulator acc = accumulator(16_384, 1 << 20, 0);
        RecordAccumulator.AppendResult r = acc.append(TP, 0, null, new byte[10], null, null, 0, true, 0);
        assertTrue(r.abortedForNewBatch());
        assertFalse(acc.hasUndrained());
    }

    @Test
    void retriedBatchGoesBackInFrontOfNewerOnes() {
        RecordAccumulator acc = accumulator(100, 1 << 20, 0);
        acc.append(TP, 0, null, new byte[90], null, null, 0, false, 0);
        ProducerBatch older = acc.drain(cluster, acc.ready(cluster, 0).readyNodes(), 1 << 20, 0).get(1).get(0);
        older.onSend(0);
        acc.append(TP, 0, null, new byte[90], null, null, 0, false, 0);
        acc.reenqueue(older, 0);
        ProducerBatch next = acc.drain(cluster, acc.ready(cluster, 1_000).readyNodes(), 1 << 20, 1_000).get(1).get(0);
        assertEquals(older, next);
    }

    @Test
    void batchesPastDeliveryTimeoutExpire() {
        RecordAccumulator acc = new RecordAccumulator(16_384, 1 << 20, 60_000, 100, 500, Compression.NONE);
        Future<RecordMetadata> f = acc.append(TP, 0, null, new byte[10], null, null, 0, false, 0).future();
        assertTrue(acc.expiredBatches(499).isEmpty());
        List<ProducerBatch> expired = acc.expiredBatches(500);
        assertEquals(1, expired.size());
        assertFalse(f.isDone(), "the sender fails expired batches; the accumulator only hands them over");
    }
}
