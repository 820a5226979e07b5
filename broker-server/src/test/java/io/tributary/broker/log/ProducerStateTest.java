package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.broker.common.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Idempotent-producer sequence rules, enforced by the partition log, and their durability. */
class ProducerStateTest {
    private static final TopicPartition TP = new TopicPartition("idem", 0);

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime();
    private PartitionLog log;

    private PartitionLog open(boolean needsRecovery) throws IOException {
        log = PartitionLog.open(tmp.resolve(TP.toString()), TP, LogConfig.defaults(), 0L, needsRecovery, time, null);
        return log;
    }

    @AfterEach
    void close() throws IOException {
        if (log != null) {
            log.close();
        }
    }

    /** A batch of {@code count} records from producer {@code pid} at {@code epoch}, starting at {@code seq}. */
    private static ByteBuffer batch(long pid, int epoch, int seq, int count) {
        RecordBatchBuilder b = RecordBatchBuilder.options().producer(pid, (short) epoch, seq).build();
        for (int i = 0; i < count; i++) {
            b.append(1L, null, ("p" + pid + "e" + epoch + "s" + (seq + i)).getBytes());
        }
        return b.build();
    }

    private void assertRejected(ErrorCode expected, ByteBuffer b) {
        long end = log.logEndOffset();
        TributaryException e = assertThrows(TributaryException.class, () -> log.appendAsLeader(b, 0));
        assertEquals(expected, e.error(), e.getMessage());
        assertEquals(end, log.logEndOffset(), "nothing appended");
    }

    @Test
    void inOrderBatchesAppendAndARetryOfAnyOfTheLastFiveGetsTheOriginalOffsets() throws IOException {
        open(false);
        long[] base = new long[7];
        for (int i = 0; i < 7; i++) {
            LogAppendInfo info = log.appendAsLeader(batch(9, 0, i * 2, 2), 0);
            assertFalse(info.duplicate());
            base[i] = info.firstOffset();
        }
        long end = log.logEndOffset();
        for (int i = 2; i < 7; i++) {
            LogAppendInfo again = log.appendAsLeader(batch(9, 0, i * 2, 2), 0);
            assertTrue(again.duplicate(), "batch " + i + " is one of the last five");
            assertEquals(base[i], again.firstOffset());
            assertEquals(base[i] + 1, again.lastOffset());
        }
        assertEquals(end, log.logEndOffset(), "retries appended nothing");
        // The sixth-newest batch is no longer remembered: its retry is out of order, not silently re-appended.
        assertRejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, batch(9, 0, 2, 2));
    }

    @Test
    void aGapIsOutOfOrderAnOlderEpochIsFencedAndANewEpochRestartsAtZero() throws IOException {
        open(false);
        log.appendAsLeader(batch(5, 1, 0, 3), 0);
        assertRejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, batch(5, 1, 4, 1));
        assertRejected(ErrorCode.INVALID_PRODUCER_EPOCH, batch(5, 0, 3, 1));
        assertRejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, batch(5, 2, 3, 1));
        assertFalse(log.appendAsLeader(batch(5, 2, 0, 1), 0).duplicate());
        assertRejected(ErrorCode.INVALID_PRODUCER_EPOCH, batch(5, 1, 3, 1));
        assertEquals((short) 2, log.producerEpochs().get(5L));
    }

    @Test
    void anUnknownProducerMustStartAtSequenceZero() throws IOException {
        open(false);
        assertRejected(ErrorCode.UNKNOWN_PRODUCER_ID, batch(77, 0, 12, 1));
        assertFalse(log.appendAsLeader(batch(77, 0, 0, 1), 0).duplicate());
    }

    @Test
    void sequencesWrapFromIntMaxToZero() throws IOException {
        open(false);
        log.appendAsLeader(batch(3, 0, 0, 1), 0);
        // Jump the state near the wrap through a follower-style append (replicated history).
        ByteBuffer near = batch(3, 0, Integer.MAX_VALUE - 1, 2);
        RecordBatch.wrap(near).setBaseOffset(log.logEndOffset());
        log.appendAsFollower(near);
        assertFalse(log.appendAsLeader(batch(3, 0, 0, 2), 0).duplicate(), "after 2147483647 comes 0");
        assertRejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, batch(3, 0, 5, 1));
    }

    @Test
    void stateSurvivesACleanRestartThroughItsSnapshotAndACrashByReplayingTheLog() throws IOException {
        open(false);
        log.appendAsLeader(batch(11, 0, 0, 2), 0);
        log.appendAsLeader(batch(11, 0, 2, 2), 0);
        log.close();
        assertFalse(ProducerStateManager.snapshotOffsets(tmp.resolve(TP.toString())).isEmpty(), "clean close writes a snapshot");
        open(false);
        assertTrue(log.appendAsLeader(batch(11, 0, 2, 2), 0).duplicate(), "dedupe state came back from the snapshot");
        log.close();
        // A crash leaves no final snapshot: delete them all and the log itself rebuilds the state.
        for (long o : ProducerStateManager.snapshotOffsets(tmp.resolve(TP.toString()))) {
            Files.delete(ProducerStateManager.snapshotFile(tmp.resolve(TP.toString()), o));
        }
        open(true);
        LogAppendInfo dup = log.appendAsLeader(batch(11, 0, 2, 2), 0);
        assertTrue(dup.duplicate(), "dedupe state rebuilt from the batch headers");
        assertEquals(2, dup.firstOffset());
        assertFalse(log.appendAsLeader(batch(11, 0, 4, 1), 0).duplicate());
    }

    @Test
    void aCorruptSnapshotIsIgnoredAndTheStateRebuilt() throws IOException {
        open(false);
        log.appendAsLeader(batch(12, 0, 0, 3), 0);
        log.close();
        Path dir = tmp.resolve(TP.toString());
        Path snap = ProducerStateManager.snapshotFile(dir, ProducerStateManager.snapshotOffsets(dir).last());
        byte[] bytes = Files.readAllBytes(snap);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(snap, bytes);
        open(false);
        assertTrue(log.appendAsLeader(batch(12, 0, 0, 3), 0).duplicate());
    }

    @Test
    void followersBuildTheSameStateSoANewLeaderDedupesRetries() throws IOException {
        open(false);
        ByteBuffer replicated = batch(21, 0, 0, 4);
        RecordBatch.wrap(replicated).setBaseOffset(0);
        RecordBatch.wrap(replicated).setLeaderEpoch(0);
        log.appendAsFollower(replicated);
        LogAppendInfo retryAtNewLeader = log.appendAsLeader(batch(21, 0, 0, 4), 1);
        assertTrue(retryAtNewLeader.duplicate());
        assertEquals(0, retryAtNewLeader.firstOffset());
    }

    @Test
    void truncationForgetsTheTruncatedBatches() throws IOException {
        open(false);
        log.appendAsLeader(batch(31, 0, 0, 1), 0);
        log.appendAsLeader(batch(31, 0, 1, 1), 0);
        log.truncateTo(1);
        assertFalse(log.appendAsLeader(batch(31, 0, 1, 1), 0).duplicate(), "the truncated batch is new again");
        assertEquals(2, log.logEndOffset());
    }

    @Test
    void idleProducersExpire() throws IOException {
        log = PartitionLog.open(tmp.resolve(TP.toString()), TP, TestBatches.config(LogConfig.PRODUCER_ID_EXPIRATION_MS, 60_000L),
                0L, false, time, null);
        log.appendAsLeader(batch(41, 0, 0, 1), 0);
        time.sleep(61_000);
        log.deleteOldSegments();
        assertTrue(log.producerEpochs().isEmpty());
        assertEquals(List.of(), List.copyOf(log.producerEpochs().keySet()));
    }
}
