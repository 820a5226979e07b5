package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.RecordBatch;
import io.tributary.broker.common.MockTime;
import io.tributary.broker.log.KeyedBatches.KV;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tributary.broker.log.KeyedBatches.batch;
import static io.tributary.broker.log.KeyedBatches.survivors;
import static io.tributary.broker.log.KeyedBatches.readAll;
import static io.tributary.broker.log.TestBatches.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cleaning algorithm on one log: what survives a pass, and where. */
class LogCompactionTest {
    private static final TopicPartition TP = new TopicPartition("profiles", 0);

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime();
    private final List<PartitionLog> opened = new ArrayList<>();

    private PartitionLog open(Path dir, LogConfig cfg) throws IOException {
        PartitionLog log = PartitionLog.open(dir, TP, cfg, 0L, false, time, null);
        opened.add(log);
        return log;
    }

    private PartitionLog open(LogConfig cfg) throws IOException {
        return open(tmp.resolve(TP.toString()), cfg);
    }

    @AfterEach
    void closeLogs() throws IOException {
        for (PartitionLog log : opened) {
            log.close();
        }
    }

    private Cleaner cleaner(int mapBytes) {
        return new Cleaner(mapBytes, 64 * 1024, new Throttler(Double.MAX_VALUE, time, ms -> { }), time, tp -> { });
    }

    private Cleaner cleaner() {
        return cleaner(1024 * 1024);
    }

    private static LogConfig compacted(Object... more) {
        Object[] kv = new Object[more.length + 6];
        kv[0] = LogConfig.CLEANUP_POLICY;
        kv[1] = "compact";
        kv[2] = LogConfig.SEGMENT_BYTES;
        kv[3] = 2048;
        kv[4] = LogConfig.FILE_DELETE_DELAY_MS;
        kv[5] = 0L;
        System.arraycopy(more, 0, kv, 6, more.length);
        return config(kv);
    }

    /** Rolls so everything written is in inactive segments, and commits it (a single-replica leader's high watermark). */
    private static void commitAndRoll(PartitionLog log) {
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
    }

    /** Writes {@code records} records over {@code keys} keys, value "v{offset}", 5 per batch; returns them as written. */
    private List<KV> overwriteKeys(PartitionLog log, int records, int keys) {
        List<KV> written = new ArrayList<>();
        for (int i = 0; i < records; i += 5) {
            String[] kv = new String[10];
            for (int j = 0; j < 5; j++) {
                long offset = log.logEndOffset() + j;
                kv[2 * j] = "k" + (offset % keys);
                kv[2 * j + 1] = "v" + offset;
                written.add(new KV(offset, kv[2 * j], kv[2 * j + 1], time.milliseconds()));
            }
            log.appendAsLeader(batch(time.milliseconds(), kv), 0);
        }
        return written;
    }

    @Test
    void keysOverwrittenManyTimesKeepOnlyTheLatestValueAtItsOriginalOffset() throws IOException {
        PartitionLog log = open(compacted());
        List<KV> written = overwriteKeys(log, 2000, 50);
        commitAndRoll(log);
        long sizeBefore = log.sizeInBytes();
        long endBefore = log.logEndOffset();

        Cleaner.Result result = cleaner().clean(log);

        assertTrue(result.completed());
        assertEquals(1950, result.recordsRemoved());
        List<KV> after = readAll(log);
        assertEquals(survivors(written), after, "exactly the newest record of each key, at its own offset");
        assertEquals(endBefore, log.logEndOffset());
        assertEquals(0, log.logStartOffset());
        assertTrue(log.sizeInBytes() < sizeBefore / 10, "size " + log.sizeInBytes() + " was " + sizeBefore);
        assertEquals(endBefore, log.cleanerCheckpoint());
        // A read at any offset, removed ones included, gets the next surviving record.
        Map<Long, KV> byOffset = new HashMap<>();
        after.forEach(kv -> byOffset.put(kv.offset(), kv));
        for (long offset = 0; offset < endBefore; offset += 37) {
            final long from = offset;
            KV expected = after.stream().filter(kv -> kv.offset() >= from).findFirst().orElse(null);
            List<KV> got = new ArrayList<>();
            for (RecordBatch b : RecordBatch.iterate(log.read(offset, 1, Long.MAX_VALUE, true).records())) {
                b.decodeRecords().getRecordsList().stream().map(r -> b.baseOffset() + r.getOffsetDelta())
                        .filter(o -> o >= from).findFirst().ifPresent(o -> got.add(byOffset.get(o)));
            }
            assertEquals(expected, got.isEmpty() ? null : got.get(0), "read at " + offset);
        }
    }

    @Test
    void secondPassMergesTheCleanSectionWithNewDirtyRecords() throws IOException {
        PartitionLog log = open(compacted());
        List<KV> written = new ArrayList<>(overwriteKeys(log, 500, 20));
        commitAndRoll(log);
        cleaner().clean(log);
        int segmentsAfterFirst = log.numberOfSegments();
        written.addAll(overwriteKeys(log, 500, 20));
        commitAndRoll(log);

        Cleaner.Result second = cleaner().clean(log);

        assertTrue(second.completed());
        assertEquals(survivors(written), readAll(log));
        assertTrue(log.numberOfSegments() <= segmentsAfterFirst + 1, "cleaned segments are merged: " + log.segmentBaseOffsets());
    }

    @Test
    void tombstoneIsKeptForDeleteRetentionAfterItsFirstCleaningThenRemoved() throws IOException {
        PartitionLog log = open(compacted(LogConfig.DELETE_RETENTION_MS, 1000L));
        log.appendAsLeader(batch(time.milliseconds(), "a", "a1", "b", "b1"), 0);
        log.appendAsLeader(batch(time.milliseconds(), "a", null, "c", "c1"), 0);
        commitAndRoll(log);

        time.sleep(5000); // the tombstone's age before its first cleaning does not count
        cleaner().clean(log);
        assertEquals(List.of(new KV(1, "b", "b1", time.milliseconds() - 5000), new KV(2, "a", null, time.milliseconds() - 5000),
                new KV(3, "c", "c1", time.milliseconds() - 5000)), readAll(log), "a1 superseded, the tombstone kept");
        RecordBatch withTombstone = KeyedBatches.batches(log).stream().filter(b -> b.baseOffset() == 2).findFirst().orElseThrow();
        assertTrue(withTombstone.hasDeleteHorizon());
        assertEquals(time.milliseconds() + 1000, withTombstone.deleteHorizonMs());

        time.sleep(999);
        log.appendAsLeader(batch(time.milliseconds(), "d", "d1"), 0);
        commitAndRoll(log);
        cleaner().clean(log);
        assertTrue(readAll(log).stream().anyMatch(kv -> kv.key().equals("a") && kv.value() == null),
                "still inside delete.retention.ms");

        time.sleep(1);
        log.appendAsLeader(batch(time.milliseconds(), "e", "e1"), 0);
        commitAndRoll(log);
        Cleaner.Result last = cleaner().clean(log);
        assertEquals(1, last.tombstonesRemoved());
        List<KV> after = readAll(log);
        assertTrue(after.stream().noneMatch(kv -> kv.key().equals("a")), "tombstone gone: " + after);
        assertEquals(List.of("b", "c", "d", "e"), after.stream().map(KV::key).toList());
        // Record timestamps survive the horizon re-basing of their batch.
        assertEquals(time.milliseconds() - 6000, after.get(1).timestamp());
    }

    @Test
    void activeSegmentIsNeverCleaned() throws IOException {
        PartitionLog log = open(compacted(LogConfig.SEGMENT_BYTES, 64 * 1024));
        List<KV> written = overwriteKeys(log, 100, 5);
        log.updateHighWatermark(log.logEndOffset());
        assertEquals(1, log.numberOfSegments());

        assertEquals(Cleaner.Result.NOTHING_TO_DO, cleaner().clean(log));
        assertEquals(written, readAll(log));

        log.roll();
        List<KV> inActive = overwriteKeys(log, 50, 5);
        log.updateHighWatermark(log.logEndOffset());
        cleaner().clean(log);
        List<KV> after = readAll(log);
        // The first segment keeps one record per key: the active segment's newer ones were never mapped.
        List<KV> expected = survivors(written);
        expected.addAll(inActive);
        assertEquals(expected, after);
    }

    @Test
    void recordsAtOrAboveTheHighWatermarkAreNeitherCleanedNorUsedToClean() throws IOException {
        PartitionLog log = open(compacted());
        List<KV> committed = overwriteKeys(log, 300, 10);
        log.roll();
        long hw = log.logEndOffset();
        List<KV> uncommitted = overwriteKeys(log, 300, 10);
        log.roll();
        log.updateHighWatermark(hw);

        cleaner().clean(log);

        List<KV> expected = survivors(committed);
        expected.addAll(uncommitted);
        assertEquals(expected, readAll(log), "a record above the high watermark may still be truncated away");
    }

    @Test
    void compressedBatchesAreFilteredAndRecompressedWithTheirOwnCodec() throws IOException {
        PartitionLog log = open(compacted(LogConfig.SEGMENT_BYTES, 8192));
        Compression[] codecs = {Compression.GZIP, Compression.SNAPPY, Compression.LZ4, Compression.ZSTD, Compression.NONE};
        List<KV> written = new ArrayList<>();
        Map<Long, Compression> codecOfBatch = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            Compression c = codecs[i % codecs.length];
            String[] kv = new String[8];
            long base = log.logEndOffset();
            for (int j = 0; j < 4; j++) {
                kv[2 * j] = "key-" + ((i * 4 + j) % 30);
                kv[2 * j + 1] = "value-" + (base + j) + "-" + "x".repeat(100);
                written.add(new KV(base + j, kv[2 * j], kv[2 * j + 1], time.milliseconds()));
            }
            codecOfBatch.put(base, c);
            log.appendAsLeader(batch(c, time.milliseconds(), kv), 0);
        }
        commitAndRoll(log);

        cleaner().clean(log);

        assertEquals(survivors(written), readAll(log));
        List<RecordBatch> batches = KeyedBatches.batches(log);
        assertFalse(batches.isEmpty());
        for (RecordBatch b : batches) {
            assertEquals(codecOfBatch.get(b.baseOffset()), b.compression(), "codec of " + b);
            assertEquals(3, b.lastOffsetDelta(), "a batch keeps its offset range: " + b);
        }
        assertTrue(batches.stream().anyMatch(b -> b.recordCount() > 0 && b.recordCount() < 4), "some batches lost records");
    }

    @Test
    void keylessRecordOnCompactedTopicIsRejectedAtProduceAndAcceptedElsewhere() throws IOException {
        PartitionLog compacted = open(compacted());
        ByteBuffer keyless = TestBatches.batch(3, 0, time.milliseconds());
        TributaryException e = assertThrows(TributaryException.class, () -> compacted.appendAsLeader(keyless.duplicate(), 0));
        assertEquals(ErrorCode.INVALID_RECORD, e.error());
        assertEquals(0, compacted.logEndOffset());

        PartitionLog plain = open(tmp.resolve("plain-0"), config());
        plain.appendAsLeader(keyless.duplicate(), 0);
        assertEquals(3, plain.logEndOffset());
    }

    @Test
    void keylessRecordsLeftFromBeforeTheTopicWasCompactedAreDroppedByCleaning() throws IOException {
        PartitionLog log = open(config(LogConfig.SEGMENT_BYTES, 2048, LogConfig.FILE_DELETE_DELAY_MS, 0L));
        log.appendAsLeader(TestBatches.batch(3, 0, time.milliseconds()), 0);
        log.appendAsLeader(batch(time.milliseconds(), "k", "v"), 0);
        log.updateConfig(compacted());
        commitAndRoll(log);

        cleaner().clean(log);

        assertEquals(List.of(new KV(3, "k", "v", time.milliseconds())), readAll(log));
    }

    @Test
    void producerBatchesThatAreNotOnePerOffsetAreRejected() throws IOException {
        PartitionLog log = open(compacted());
        ByteBuffer b = batch(time.milliseconds(), "a", "1", "b", "2");
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 5); // claims 6 offsets for 2 records: only the cleaner writes that
        b.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.wrap(b.duplicate()).computeChecksum());
        TributaryException e = assertThrows(TributaryException.class, () -> log.appendAsLeader(b, 0));
        assertEquals(ErrorCode.CORRUPT_MESSAGE, e.error());
    }

    @Test
    void idempotentProducersNewestBatchIsKeptEvenWhenEmptySoItsSequenceSurvives() throws IOException {
        PartitionLog log = open(compacted());
        long pid = 7000;
        short epoch = 2;
        log.appendAsLeader(KeyedBatches.producerBatch(pid, epoch, 0, time.milliseconds(), "a", "p0", "b", "p1"), 0);
        log.appendAsLeader(KeyedBatches.producerBatch(pid, epoch, 2, time.milliseconds(), "a", "p2", "b", "p3"), 0);
        log.appendAsLeader(batch(time.milliseconds(), "a", "x", "b", "y"), 0);
        commitAndRoll(log);

        cleaner().clean(log);

        assertEquals(List.of(new KV(4, "a", "x", time.milliseconds()), new KV(5, "b", "y", time.milliseconds())), readAll(log));
        List<RecordBatch> batches = KeyedBatches.batches(log);
        assertEquals(2, batches.size(), "the producer's first batch goes, its newest stays: " + batches);
        RecordBatch kept = batches.get(0);
        assertEquals(pid, kept.producerId());
        assertEquals(0, kept.recordCount());
        assertEquals(2, kept.baseOffset());
        assertEquals(1, kept.lastOffsetDelta());
        assertEquals(2, kept.baseSequence());

        // A new replica copying the compacted log learns the producer's sequence and accepts its next batch.
        PartitionLog follower = open(tmp.resolve("follower"), compacted());
        for (RecordBatch b : batches) {
            follower.appendAsFollower(b.buffer());
        }
        assertEquals(Map.of(pid, epoch), follower.producerEpochs());
        follower.appendAsLeader(KeyedBatches.producerBatch(pid, epoch, 4, time.milliseconds(), "c", "p4"), 1);
        TributaryException gap = assertThrows(TributaryException.class, () -> follower.appendAsLeader(
                KeyedBatches.producerBatch(pid, epoch, 9, time.milliseconds(), "c", "p9"), 1));
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, gap.error());
    }

    @Test
    void emptyHeaderOnlyBatchDoesNotBreakLookupByTimestamp() throws IOException {
        PartitionLog log = open(compacted());
        log.appendAsLeader(KeyedBatches.producerBatch(1, (short) 0, 0, 5_000, "a", "old"), 0);
        log.appendAsLeader(batch(4_000, "a", "new"), 0);
        commitAndRoll(log);
        cleaner().clean(log);

        // The emptied producer batch still claims max timestamp 5000; the lookup skips it rather than call it corrupt.
        assertEquals(java.util.Optional.empty(), log.offsetForTimestamp(4_500));
        assertEquals(1, log.offsetForTimestamp(3_000).orElseThrow().offset());
    }

    @Test
    void dedupeBufferTooSmallForTheDirtySectionCleansAPrefixPerPass() throws IOException {
        PartitionLog log = open(compacted());
        List<KV> written = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int k = 0; k < 300; k += 5) {
                String[] kv = new String[10];
                for (int j = 0; j < 5; j++) {
                    kv[2 * j] = "key" + (k + j);
                    kv[2 * j + 1] = "r" + round;
                    written.add(new KV(log.logEndOffset() + j, kv[2 * j], kv[2 * j + 1], time.milliseconds()));
                }
                log.appendAsLeader(batch(time.milliseconds(), kv), 0);
            }
        }
        commitAndRoll(log);
        Cleaner small = cleaner(24 * 100); // 97 slots: 87 keys per pass, a fifth of the dirty section's 600 records

        Cleaner.Result first = small.clean(log);
        assertTrue(first.completed());
        assertTrue(first.endOffset() < log.logEndOffset(), "a prefix only: " + first);
        assertEquals(first.endOffset(), log.cleanerCheckpoint());
        int passes = 1;
        while (log.cleanerCheckpoint() < log.logEndOffset()) {
            assertTrue(small.clean(log).completed());
            assertTrue(++passes < 20, "passes must make progress");
        }
        assertTrue(passes >= 5, "passes: " + passes);
        assertEquals(survivors(written), readAll(log));
    }

    @Test
    void dedupeBufferSmallerThanOneBatchFailsTheCleaningAndLeavesTheLogIntact() throws IOException {
        PartitionLog log = open(compacted());
        List<KV> written = overwriteKeys(log, 20, 20);
        commitAndRoll(log);
        assertThrows(IllegalStateException.class, () -> cleaner(24 * 4).clean(log));
        assertEquals(written, readAll(log));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(log.dir(), "*" + Segment.CLEANED_SUFFIX)) {
            assertFalse(files.iterator().hasNext(), "no .cleaned file left behind");
        }
    }

    @Test
    void minCompactionLagKeepsYoungSegmentsDirty() throws IOException {
        PartitionLog log = open(compacted(LogConfig.MIN_COMPACTION_LAG_MS, 60_000L));
        List<KV> written = overwriteKeys(log, 200, 10);
        commitAndRoll(log);
        assertEquals(Cleaner.Result.NOTHING_TO_DO, cleaner().clean(log));
        assertEquals(written, readAll(log));

        time.sleep(60_001);
        assertTrue(cleaner().clean(log).completed());
        assertEquals(survivors(written), readAll(log));
    }

    @Test
    void maxCompactionLagRollsTheActiveSegmentOfACompactedLog() throws IOException {
        PartitionLog log = open(compacted(LogConfig.SEGMENT_BYTES, 1 << 20, LogConfig.MAX_COMPACTION_LAG_MS, 10_000L));
        log.appendAsLeader(batch(time.milliseconds(), "a", "1"), 0);
        time.sleep(10_001);
        log.appendAsLeader(batch(time.milliseconds(), "a", "2"), 0);
        assertEquals(2, log.numberOfSegments());
    }

    @Test
    void retentionLeavesCompactOnlyLogsAloneButAppliesToCompactDelete() throws IOException {
        PartitionLog compactOnly = open(compacted(LogConfig.RETENTION_MS, 1000L));
        PartitionLog both = open(tmp.resolve("both-0"), compacted(LogConfig.RETENTION_MS, 1000L,
                LogConfig.CLEANUP_POLICY, "compact,delete"));
        for (PartitionLog log : List.of(compactOnly, both)) {
            overwriteKeys(log, 200, 10);
            commitAndRoll(log);
        }
        time.sleep(2000);
        assertEquals(0, compactOnly.deleteOldSegments());
        assertEquals(0, compactOnly.logStartOffset());
        assertTrue(both.deleteOldSegments() > 0);
        assertEquals(200, both.logStartOffset());
    }

    @Test
    void retentionDuringAPassMakesTheSwapGiveUpWithoutChangingTheLog() throws IOException {
        PartitionLog log = open(compacted(LogConfig.CLEANUP_POLICY, "compact,delete", LogConfig.RETENTION_MS, 1000L));
        overwriteKeys(log, 200, 10);
        commitAndRoll(log);
        time.sleep(2000);
        CleaningSnapshot before = log.snapshotForCleaning(time.milliseconds());
        log.deleteOldSegments();
        List<KV> afterRetention = readAll(log);
        Segment cleaned = Segment.openCleaned(log.dir(), before.segments().get(0).baseOffset(), log.config());
        cleaned.onBecomeInactive();

        assertFalse(log.replaceSegments(before, List.of(before.segments().get(0).segment()), cleaned));
        cleaned.closeAndDelete();
        assertEquals(afterRetention, readAll(log));
    }

    @Test
    void readerDuringCleaningSeesWholeBatchesWithEveryRecordAsWritten() throws Exception {
        int keys = 64;
        PartitionLog log = open(compacted(LogConfig.SEGMENT_BYTES, 4096));
        Cleaner cleaner = cleaner();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong wholeReads = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = new Thread(() -> {
            try {
                while (!done.get()) {
                    // Every record read must be the one written at its offset (values and keys derive from offsets).
                    for (KV kv : readAll(log)) {
                        if (!kv.value().equals("v" + kv.offset()) || !kv.key().equals("k" + (kv.offset() % keys))) {
                            throw new AssertionError("read " + kv);
                        }
                    }
                    wholeReads.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "reader");
        reader.start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        try {
            for (int pass = 0; pass < 30 && failure.get() == null && System.nanoTime() < deadline; pass++) {
                overwriteKeys(log, 400, keys);
                commitAndRoll(log);
                cleaner.clean(log);
            }
        } finally {
            done.set(true);
            reader.join(java.util.concurrent.TimeUnit.SECONDS.toMillis(30));
        }
        assertNull(failure.get(), () -> "reader failed: " + failure.get());
        assertTrue(wholeReads.get() > 0);
        assertEquals(keys, readAll(log).size());
    }
}
