package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.broker.common.MockTime;
import io.tributary.broker.log.TestBatches.ReadRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.config;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.records;
import static io.tributary.broker.log.TestBatches.sized;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionLogTest {
    private static final TopicPartition TP = new TopicPartition("orders", 3);

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime();
    private PartitionLog log;

    private PartitionLog open(LogConfig cfg) throws IOException {
        log = PartitionLog.open(tmp.resolve(TP.toString()), TP, cfg, 0L, false, time, null);
        return log;
    }

    private PartitionLog reopen(LogConfig cfg, boolean needsRecovery) throws IOException {
        log = PartitionLog.open(tmp.resolve(TP.toString()), TP, cfg, 0L, needsRecovery, time, null);
        return log;
    }

    @AfterEach
    void closeLog() throws IOException {
        if (log != null) {
            log.close();
        }
    }

    @Test
    void appendAndReadRoundTripAcrossManySegments() throws IOException {
        open(config(LogConfig.SEGMENT_BYTES, 2048, LogConfig.INDEX_INTERVAL_BYTES, 256));
        Random random = new Random(42);
        int value = 0;
        for (int i = 0; i < 500; i++) {
            int n = 1 + random.nextInt(8);
            LogAppendInfo info = log.appendAsLeader(batch(n, value, time.milliseconds()), 3);
            assertEquals(value, info.firstOffset());
            assertEquals(value + n - 1, info.lastOffset());
            value += n;
        }
        assertTrue(log.numberOfSegments() > 20, "expected many segments, got " + log.numberOfSegments());
        assertEquals(value, log.logEndOffset());

        List<ReadRecord> all = readAll(log, 0, 1000);
        assertEquals(value, all.size());
        for (int i = 0; i < value; i++) {
            assertEquals(i, all.get(i).offset());
            assertEquals("v" + i, all.get(i).value());
        }
        // Every single offset is found directly, from the batch that holds it.
        for (int offset = 0; offset < value; offset++) {
            List<ReadRecord> got = records(log.read(offset, 1, Long.MAX_VALUE, true).records());
            final long target = offset;
            assertTrue(got.stream().anyMatch(r -> r.offset() == target), "offset " + offset + " not found");
        }
        // Stored batches carry the leader epoch they were appended under.
        for (RecordBatch b : RecordBatch.iterate(log.read(0, 4096, Long.MAX_VALUE, true).records())) {
            assertEquals(3, b.leaderEpoch());
        }
    }

    @Test
    void readRespectsTheByteBudgetAndReturnsOnlyWholeBatches() throws IOException {
        open(LogConfig.defaults());
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(sized(100, 1L), 0);
        }
        int batchSize = sized(100, 1L).remaining();
        ByteBuffer got = log.read(0, batchSize * 3 + batchSize / 2, Long.MAX_VALUE, true).records();
        assertEquals(batchSize * 3, got.remaining(), "three whole batches fit, the fourth is left out");
        ByteBuffer none = log.read(0, batchSize - 1, Long.MAX_VALUE, false).records();
        assertEquals(0, none.remaining());
        ByteBuffer one = log.read(0, batchSize - 1, Long.MAX_VALUE, true).records();
        assertEquals(batchSize, one.remaining(), "minOneBatch returns the first batch even over budget");
    }

    @Test
    void readStopsAtTheGivenMaxOffset() throws IOException {
        open(LogConfig.defaults());
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(1, i, 1L), 0);
        }
        List<ReadRecord> got = records(log.read(0, 1 << 20, 4, true).records());
        assertEquals(4, got.size());
        assertEquals(0, log.read(4, 1 << 20, 4, true).records().remaining());
    }

    @Test
    void readCarriesTheOffsetAfterItsLastBatchSoCallersNeedNotWalkThem() throws IOException {
        open(LogConfig.defaults());
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(3, i, 1L), 0);
        }
        assertEquals(9, log.read(0, 1 << 20, 9, true).nextOffset(), "the batch at 9 is cut by the max offset");
        int batchSize = batch(3, 0, 1L).remaining();
        LogReadInfo one = log.read(4, batchSize, Long.MAX_VALUE, true);
        assertEquals(batchSize, one.records().remaining());
        assertEquals(6, one.nextOffset(), "the batch holding 4 ends at 5");
        assertEquals(30, log.read(0, 1 << 20, Long.MAX_VALUE, true).nextOffset());
        assertEquals(-1, log.read(30, 100, Long.MAX_VALUE, true).nextOffset(), "nothing read: no next offset");
    }

    @Test
    void readOutsideTheLogIsOffsetOutOfRangeNotEmpty() throws IOException {
        open(LogConfig.defaults());
        log.appendAsLeader(batch(5, 0, 1L), 0);
        OffsetOutOfRangeException above = assertThrows(OffsetOutOfRangeException.class, () -> log.read(6, 100, Long.MAX_VALUE, true));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, above.error());
        assertEquals(0, above.logStartOffset());
        assertEquals(5, above.logEndOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 100, Long.MAX_VALUE, true));
        assertTrue(log.read(5, 100, Long.MAX_VALUE, true).isEmpty(), "reading at the log end is valid and empty");
    }

    @Test
    void offsetForTimestampFindsTheFirstRecordAtOrAfterIt() throws IOException {
        open(config(LogConfig.SEGMENT_BYTES, 1024, LogConfig.INDEX_INTERVAL_BYTES, 100));
        Random random = new Random(7);
        long[] timestamps = new long[400];
        for (int i = 0; i < timestamps.length; i++) {
            // Mostly increasing with some producers' clocks behind: CreateTime is not monotonic.
            timestamps[i] = 10_000 + i * 10L - (random.nextInt(10) == 0 ? 35 : 0);
            log.appendAsLeader(batch(1, i, timestamps[i]), 0);
        }
        assertTrue(log.numberOfSegments() > 5);
        for (long target = 9_900; target <= 14_100; target += 7) {
            long expectedOffset = -1;
            for (int i = 0; i < timestamps.length; i++) {
                if (timestamps[i] >= target) {
                    expectedOffset = i;
                    break;
                }
            }
            Optional<TimestampAndOffset> found = log.offsetForTimestamp(target);
            if (expectedOffset < 0) {
                assertTrue(found.isEmpty(), "nothing is as new as " + target);
            } else {
                assertEquals(expectedOffset, found.orElseThrow().offset(), "first record at or after " + target);
                assertEquals(timestamps[(int) expectedOffset], found.get().timestamp());
            }
        }
    }

    @Test
    void offsetForTimestampInsideAMultiRecordBatch() throws IOException {
        open(LogConfig.defaults());
        io.tributary.api.batch.RecordBatchBuilder b = io.tributary.api.batch.RecordBatchBuilder.create();
        for (int i = 0; i < 10; i++) {
            b.append(100L + i * 10, null, ("v" + i).getBytes());
        }
        log.appendAsLeader(b.build(), 0);
        assertEquals(4, log.offsetForTimestamp(135).orElseThrow().offset());
        assertEquals(140, log.offsetForTimestamp(135).orElseThrow().timestamp());
    }

    @Test
    void rollsBySize() throws IOException {
        int batchSize = sized(100, 1L).remaining();
        open(config(LogConfig.SEGMENT_BYTES, batchSize * 4));
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(sized(100, 1L), 0);
        }
        assertEquals(List.of(0L, 4L, 8L), log.segmentBaseOffsets());
    }

    @Test
    void rollsByTime() throws IOException {
        open(config(LogConfig.SEGMENT_MS, 60_000L));
        log.appendAsLeader(batch(1, 0, time.milliseconds()), 0);
        time.sleep(30_000);
        log.appendAsLeader(batch(1, 1, time.milliseconds()), 0);
        assertEquals(1, log.numberOfSegments(), "not old enough yet");
        time.sleep(30_001);
        log.appendAsLeader(batch(1, 2, time.milliseconds()), 0);
        assertEquals(List.of(0L, 2L), log.segmentBaseOffsets());
    }

    @Test
    void rollsWhenTheIndexIsFull() throws IOException {
        // 36 bytes hold three 12-byte time-index entries (and four offset entries): the time index fills first.
        // An entry is added for every batch but a segment's first, so a segment takes four batches.
        open(config(LogConfig.SEGMENT_INDEX_BYTES, 36, LogConfig.INDEX_INTERVAL_BYTES, 0));
        for (int i = 0; i < 9; i++) {
            log.appendAsLeader(batch(1, i, 1L + i), 0);
        }
        assertEquals(List.of(0L, 4L, 8L), log.segmentBaseOffsets());
        assertEquals(9, readAll(log, 0, 100).size());
    }

    @Test
    void badBatchesAreRejectedWithNamedErrorsAndWriteNothing() throws IOException {
        open(config(LogConfig.MAX_MESSAGE_BYTES, 1000));
        log.appendAsLeader(batch(3, 0, 1L), 0);
        long sizeBefore = log.sizeInBytes();

        ByteBuffer badCrc = batch(2, 0, 1L);
        badCrc.put(badCrc.limit() - 1, (byte) (badCrc.get(badCrc.limit() - 1) ^ 1));
        assertRejected(ErrorCode.CORRUPT_MESSAGE, badCrc);

        ByteBuffer badLength = batch(2, 0, 1L);
        badLength.putInt(RecordBatch.LENGTH_OFFSET, badLength.remaining() + 50);
        assertRejected(ErrorCode.CORRUPT_MESSAGE, badLength);

        ByteBuffer tooShort = batch(2, 0, 1L);
        tooShort.putInt(RecordBatch.LENGTH_OFFSET, 5);
        assertRejected(ErrorCode.CORRUPT_MESSAGE, tooShort);

        ByteBuffer nonZeroBase = batch(2, 0, 1L);
        RecordBatch.wrap(nonZeroBase).setBaseOffset(77);
        assertRejected(ErrorCode.INVALID_RECORD, nonZeroBase);

        assertRejected(ErrorCode.MESSAGE_TOO_LARGE, sized(2000, 1L));

        // A good batch followed by garbage: the whole request is refused, the good batch included.
        ByteBuffer good = batch(1, 0, 1L);
        ByteBuffer withGarbage = ByteBuffer.allocate(good.remaining() + 20).put(good).put(new byte[20]).flip();
        assertRejected(ErrorCode.CORRUPT_MESSAGE, withGarbage);

        assertRejected(ErrorCode.INVALID_RECORD, ByteBuffer.allocate(0));

        assertEquals(3, log.logEndOffset());
        assertEquals(sizeBefore, log.sizeInBytes());
        assertEquals(3, readAll(log, 0, 1000).size());
    }

    private void assertRejected(ErrorCode expected, ByteBuffer batches) {
        TributaryException e = assertThrows(TributaryException.class, () -> log.appendAsLeader(batches, 0));
        assertEquals(expected, e.error(), e.getMessage());
    }

    @Test
    void followerAppendKeepsOffsetsAndEpochsAndRejectsOffsetsThatGoBackwards() throws IOException {
        open(LogConfig.defaults());
        ByteBuffer b = batch(3, 0, 1L);
        RecordBatch.wrap(b).setBaseOffset(0);
        RecordBatch.wrap(b).setLeaderEpoch(4);
        log.appendAsFollower(b);
        ByteBuffer c = batch(2, 3, 1L);
        RecordBatch.wrap(c).setBaseOffset(3);
        RecordBatch.wrap(c).setLeaderEpoch(6);
        log.appendAsFollower(c);
        assertEquals(5, log.logEndOffset());
        assertEquals(List.of(new LeaderEpochCache.EpochEntry(4, 0), new LeaderEpochCache.EpochEntry(6, 3)),
                log.leaderEpochCache().entries());
        ByteBuffer stale = batch(1, 0, 1L);
        RecordBatch.wrap(stale).setBaseOffset(4);
        TributaryException e = assertThrows(TributaryException.class, () -> log.appendAsFollower(stale));
        assertEquals(ErrorCode.INVALID_RECORD, e.error());
    }

    @Test
    void logAppendTimeTopicsCarryTheBrokerClock() throws IOException {
        open(config(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        LogAppendInfo info = log.appendAsLeader(batch(2, 0, 5L), 0);
        assertEquals(time.milliseconds(), info.logAppendTimeMs());
        for (ReadRecord r : readAll(log, 0, 1000)) {
            assertEquals(time.milliseconds(), r.timestamp());
        }
    }

    @Test
    void retentionByTimeDeletesOnlyWholeExpiredSegmentsAndMovesTheLogStart() throws IOException {
        int batchSize = sized(100, 1L).remaining();
        open(config(LogConfig.SEGMENT_BYTES, batchSize * 2, LogConfig.RETENTION_MS, 10_000L));
        long old = time.milliseconds();
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(sized(100, old), 0); // offsets 0..5 in segments [0,1] [2,3] [4,5]
        }
        time.sleep(5_000);
        for (int i = 0; i < 3; i++) {
            log.appendAsLeader(sized(100, time.milliseconds()), 0); // [6,7] [8]
        }
        log.updateHighWatermark(log.logEndOffset());
        time.sleep(6_000); // the first three segments are now 11 s old, the last two 6 s
        assertEquals(3, log.deleteOldSegments());
        assertEquals(6, log.logStartOffset());
        assertEquals(List.of(6L, 8L), log.segmentBaseOffsets());
        OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> log.read(5, 1000, Long.MAX_VALUE, true));
        assertEquals(6, e.logStartOffset());
        assertEquals(3, readAll(log, 6, 1000).size());
    }

    @Test
    void retentionBySizeDeletesOldestWholeSegmentsWhileOverTheLimit() throws IOException {
        int batchSize = sized(100, 1L).remaining();
        open(config(LogConfig.SEGMENT_BYTES, batchSize * 2, LogConfig.RETENTION_BYTES, (long) batchSize * 5));
        for (int i = 0; i < 9; i++) {
            log.appendAsLeader(sized(100, time.milliseconds()), 0); // [0,1] [2,3] [4,5] [6,7] [8]
        }
        log.updateHighWatermark(log.logEndOffset());
        assertEquals(2, log.deleteOldSegments(), "9 batches over a limit of 5: two whole segments of 2 go");
        assertEquals(4, log.logStartOffset());
        assertTrue(log.sizeInBytes() <= batchSize * 5L);
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(3, 1000, Long.MAX_VALUE, true));
    }

    @Test
    void retentionNeverDeletesAtOrAboveTheHighWatermark() throws IOException {
        int batchSize = sized(100, 1L).remaining();
        open(config(LogConfig.SEGMENT_BYTES, batchSize * 2, LogConfig.RETENTION_MS, 1L));
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(sized(100, time.milliseconds()), 0);
        }
        time.sleep(1_000);
        log.updateHighWatermark(3); // replicas have only the first segment and part of the second
        assertEquals(1, log.deleteOldSegments());
        assertEquals(2, log.logStartOffset());
    }

    @Test
    void retentionOfAnEntirelyExpiredLogRollsAndKeepsTheEndOffset() throws IOException {
        open(config(LogConfig.RETENTION_MS, 1_000L));
        log.appendAsLeader(batch(3, 0, time.milliseconds()), 0);
        log.updateHighWatermark(3);
        time.sleep(2_000);
        assertEquals(1, log.deleteOldSegments());
        assertEquals(3, log.logStartOffset());
        assertEquals(3, log.logEndOffset());
        log.appendAsLeader(batch(1, 3, time.milliseconds()), 0);
        assertEquals(List.of(new ReadRecord(3, time.milliseconds(), "v3")), readAll(log, 3, 1000));
    }

    @Test
    void truncateToLeavesLogIndexesAndEpochCheckpointConsistent() throws IOException {
        LogConfig cfg = config(LogConfig.SEGMENT_BYTES, 600, LogConfig.INDEX_INTERVAL_BYTES, 0);
        open(cfg);
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(batch(1, i, 1000L + i), i / 10); // epochs 0, 1, 2 start at 0, 10, 20
        }
        assertTrue(log.numberOfSegments() > 3);
        log.truncateTo(15);
        assertEquals(15, log.logEndOffset());
        assertEquals(List.of(new LeaderEpochCache.EpochEntry(0, 0), new LeaderEpochCache.EpochEntry(1, 10)),
                log.leaderEpochCache().entries());
        assertEquals(15, readAll(log, 0, 100).size());
        assertTrue(log.offsetForTimestamp(1015).isEmpty(), "the time index forgot truncated records");
        assertEquals(14, log.offsetForTimestamp(1014).orElseThrow().offset());
        // Appends continue at 15, in the segment that is active again.
        log.appendAsLeader(batch(2, 15, 2000L), 3);
        assertEquals(17, log.logEndOffset());

        // Everything survives a restart without recovery: indexes and checkpoint were consistent on disk.
        log.close();
        reopen(cfg, false);
        assertEquals(17, log.logEndOffset());
        List<ReadRecord> all = readAll(log, 0, 100);
        for (int i = 0; i < 17; i++) {
            assertEquals(i, all.get(i).offset());
            assertEquals("v" + i, all.get(i).value());
        }
        assertEquals(List.of(new LeaderEpochCache.EpochEntry(0, 0), new LeaderEpochCache.EpochEntry(1, 10),
                new LeaderEpochCache.EpochEntry(3, 15)), log.leaderEpochCache().entries());
        for (int offset = 0; offset < 17; offset++) {
            final long target = offset;
            assertTrue(records(log.read(offset, 1, Long.MAX_VALUE, true).records()).stream().anyMatch(r -> r.offset() == target));
        }
    }

    @Test
    void truncateFullyAndStartAtLeavesAnEmptyLogAtTheNewOffset() throws IOException {
        LogConfig cfg = config(LogConfig.SEGMENT_BYTES, 600);
        open(cfg);
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(batch(1, i, 1L), 2);
        }
        log.truncateFullyAndStartAt(1000);
        assertEquals(1000, log.logStartOffset());
        assertEquals(1000, log.logEndOffset());
        assertEquals(List.of(1000L), log.segmentBaseOffsets());
        assertTrue(log.leaderEpochCache().entries().isEmpty());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(5, 100, Long.MAX_VALUE, true));
        ByteBuffer b = batch(2, 1000, 1L);
        RecordBatch.wrap(b).setBaseOffset(1000);
        RecordBatch.wrap(b).setLeaderEpoch(5);
        log.appendAsFollower(b);
        log.close();
        reopen(cfg, true);
        assertEquals(1000, log.logStartOffset());
        assertEquals(1002, log.logEndOffset());
        assertEquals(List.of(new LeaderEpochCache.EpochEntry(5, 1000)), log.leaderEpochCache().entries());
        assertEquals("v1001", readAll(log, 1000, 100).get(1).value());
    }

    @Test
    void missingEpochCheckpointIsRebuiltFromTheBatches() throws IOException {
        LogConfig cfg = LogConfig.defaults();
        open(cfg);
        log.appendAsLeader(batch(2, 0, 1L), 1);
        log.appendAsLeader(batch(2, 2, 1L), 4);
        log.close();
        java.nio.file.Files.delete(tmp.resolve(TP.toString()).resolve(LeaderEpochCache.FILE_NAME));
        reopen(cfg, false);
        assertEquals(List.of(new LeaderEpochCache.EpochEntry(1, 0), new LeaderEpochCache.EpochEntry(4, 2)),
                log.leaderEpochCache().entries());
    }
}
