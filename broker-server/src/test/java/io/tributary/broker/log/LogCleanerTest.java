package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.broker.common.MockTime;
import io.tributary.broker.common.Time;
import io.tributary.broker.log.KeyedBatches.KV;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static io.tributary.broker.log.KeyedBatches.batch;
import static io.tributary.broker.log.KeyedBatches.readAll;
import static io.tributary.broker.log.KeyedBatches.survivors;
import static io.tributary.broker.log.TestBatches.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cleaner as the broker runs it: through the LogManager, across restarts, crashes and failures. */
class LogCleanerTest {
    private static final TopicPartition TP = new TopicPartition("__consumer_offsets", 0);
    private static final LogConfig COMPACTED = config(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES, 2048,
            LogConfig.FILE_DELETE_DELAY_MS, 0L, LogConfig.RETENTION_MS, -1L, LogConfig.RETENTION_BYTES, -1L);
    /** Threads off: tests drive passes with {@link LogCleaner#cleanOnce()}. */
    private static final LogCleaner.Config MANUAL = new LogCleaner.Config(false, 1, 1 << 20, 64 * 1024, Double.MAX_VALUE, 15_000L);

    @TempDir
    Path dataDir;

    private final MockTime time = new MockTime();
    private LogManager manager;

    private LogManager start(LogCleaner.Config cleaner, Time clock) throws IOException {
        manager = new LogManager(LogManager.Config.of(List.of(dataDir), COMPACTED).withCleanerConfig(cleaner), clock);
        manager.startup();
        return manager;
    }

    private LogManager start() throws IOException {
        return start(MANUAL, time);
    }

    @AfterEach
    void stop() throws IOException {
        if (manager != null) {
            manager.close();
        }
    }

    private Path partitionDir(TopicPartition tp) {
        return dataDir.resolve(tp.toString());
    }

    /** Writes {@code records} records over {@code keys} keys, value "v{offset}", then rolls and commits them. */
    private static List<KV> writeCommitted(PartitionLog log, int records, int keys, long now) {
        List<KV> written = writeRolled(log, records, keys, now);
        log.updateHighWatermark(log.logEndOffset());
        return written;
    }

    /** Like {@link #writeCommitted} but leaves the high watermark where it is, so no cleaner may touch the records yet. */
    private static List<KV> writeRolled(PartitionLog log, int records, int keys, long now) {
        List<KV> written = new ArrayList<>();
        for (int i = 0; i < records; i += 5) {
            String[] kv = new String[10];
            for (int j = 0; j < 5; j++) {
                long offset = log.logEndOffset() + j;
                kv[2 * j] = "k" + (offset % keys);
                kv[2 * j + 1] = "v" + offset;
                written.add(new KV(offset, kv[2 * j], kv[2 * j + 1], now));
            }
            log.appendAsLeader(batch(now, kv), 0);
        }
        log.roll();
        return written;
    }

    private static List<String> filesEndingWith(Path dir, String suffix) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + suffix)) {
            files.forEach(f -> names.add(f.getFileName().toString()));
        }
        return names;
    }

    private static boolean waitUntil(long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Test
    void cleanerCheckpointIsPersistedAndRestoredAcrossRestart() throws IOException {
        start();
        PartitionLog log = manager.getOrCreateLog(TP);
        List<KV> written = writeCommitted(log, 500, 20, time.milliseconds());
        Cleaner.Result pass = manager.cleaner().cleanOnce();
        assertNotNull(pass);
        assertTrue(pass.completed());
        long checkpoint = log.cleanerCheckpoint();
        assertEquals(500, checkpoint);
        assertTrue(Files.readString(dataDir.resolve(LogManager.CLEANER_OFFSET_CHECKPOINT)).contains(TP.topic() + " 0 500"));

        manager.close();
        start();
        PartitionLog reopened = manager.getLog(TP).orElseThrow();
        assertEquals(checkpoint, reopened.cleanerCheckpoint());
        assertEquals(survivors(written), readAll(reopened));
        reopened.updateHighWatermark(reopened.logEndOffset());
        assertNull(manager.cleaner().cleanOnce(), "nothing dirty after the restart: the checkpoint held");
    }

    @Test
    void logBelowMinCleanableDirtyRatioIsLeftUntilItReachesIt() throws IOException {
        start();
        PartitionLog log = manager.getOrCreateLog(TP);
        List<KV> written = new ArrayList<>(writeCommitted(log, 400, 400, time.milliseconds())); // unique keys: nothing to drop
        assertNotNull(manager.cleaner().cleanOnce(), "all dirty: ratio 1");
        long cleanBytes = log.sizeInBytes();

        written.addAll(writeCommitted(log, 100, 400, time.milliseconds()));
        double ratio = log.snapshotForCleaning(time.milliseconds()).dirtyRatio();
        assertTrue(ratio < 0.5, "ratio " + ratio);
        assertNull(manager.cleaner().cleanOnce(), "below min.cleanable.dirty.ratio 0.5");
        assertEquals(written, readAll(log));

        while (log.snapshotForCleaning(time.milliseconds()).dirtyRatio() < 0.5) {
            written.addAll(writeCommitted(log, 100, 400, time.milliseconds()));
        }
        assertTrue(log.sizeInBytes() > cleanBytes);
        assertNotNull(manager.cleaner().cleanOnce());
        assertEquals(survivors(written), readAll(log));
    }

    @Test
    void maxCompactionLagMakesALogDueBelowTheDirtyRatio() throws IOException {
        start();
        PartitionLog log = manager.getOrCreateLog(TP);
        log.updateConfig(config(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES, 2048, LogConfig.FILE_DELETE_DELAY_MS, 0L,
                LogConfig.MIN_CLEANABLE_DIRTY_RATIO, 0.99, LogConfig.MAX_COMPACTION_LAG_MS, 60_000L));
        writeCommitted(log, 400, 400, time.milliseconds());
        assertNotNull(manager.cleaner().cleanOnce());
        writeCommitted(log, 50, 400, time.milliseconds());
        assertNull(manager.cleaner().cleanOnce());

        time.sleep(60_001);
        assertNotNull(manager.cleaner().cleanOnce(), "its oldest dirty segment waited past max.compaction.lag.ms");
    }

    @Test
    void leftoverCleanedFilesAreDeletedOnRestartAndTheLogIsAsBefore() throws IOException {
        start();
        PartitionLog log = manager.getOrCreateLog(TP);
        List<KV> written = writeCommitted(log, 300, 10, time.milliseconds());
        // A pass that crashed while writing: the .cleaned copy of the first segment exists, nothing was swapped.
        Segment partial = Segment.openCleaned(log.dir(), 0, log.config());
        partial.append(batch(time.milliseconds(), "k0", "garbage"), time.milliseconds());
        partial.close();
        assertEquals(3, filesEndingWith(log.dir(), Segment.CLEANED_SUFFIX).size());

        manager.close();
        Files.delete(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)); // as after kill -9
        start();

        PartitionLog reopened = manager.getLog(TP).orElseThrow();
        assertEquals(List.of(), filesEndingWith(reopened.dir(), Segment.CLEANED_SUFFIX));
        assertEquals(written, readAll(reopened));
    }

    /**
     * The crash that matters: after the commit point of a swap ({@code .cleaned} renamed {@code .swap}), with some of
     * the replaced segments already renamed {@code .deleted}. The load must finish the swap: the cleaned segment's
     * offsets come from it, later ones from the segments it did not cover, and no key may lose its newest record.
     */
    @Test
    void crashAfterTheSwapCommitPointIsCompletedOnRestart() throws IOException {
        start();
        PartitionLog log = manager.getOrCreateLog(TP);
        // Small segments, so that one cleaned segment replaces many; every batch mixes hot keys, rewritten every
        // round, with keys written once, so every batch keeps something.
        List<KV> written = new ArrayList<>();
        for (int round = 0; round < 30; round++) {
            for (int b = 0; b < 2; b++) {
                String[] kv = new String[10];
                for (int j = 0; j < 5; j++) {
                    long offset = log.logEndOffset() + j;
                    kv[2 * j] = j % 2 == 0 ? "hot" + j : "once" + offset;
                    kv[2 * j + 1] = "v" + offset;
                    written.add(new KV(offset, kv[2 * j], kv[2 * j + 1], time.milliseconds()));
                }
                log.appendAsLeader(batch(time.milliseconds(), kv), 0);
            }
            log.roll();
        }
        log.updateHighWatermark(log.logEndOffset());
        List<Long> originalBases = log.segmentBaseOffsets();
        manager.close();

        // Clean a copy of the directory to obtain what the swap would have put in place.
        Path copyRoot = Files.createDirectories(dataDir.resolveSibling("copy"));
        copyRecursively(partitionDir(TP), copyRoot.resolve(TP.toString()));
        MockTime copyTime = new MockTime(time.milliseconds());
        List<KV> cleanedCopy;
        long coveredTo;
        try (PartitionLog copy = PartitionLog.open(copyRoot.resolve(TP.toString()), TP, COMPACTED, 0L, false, copyTime, null)) {
            copy.updateHighWatermark(copy.logEndOffset());
            Cleaner cleaner = new Cleaner(1 << 20, 64 * 1024, new Throttler(Double.MAX_VALUE, copyTime, ms -> { }), copyTime, tp -> { });
            assertTrue(cleaner.clean(copy).completed());
            cleanedCopy = readAll(copy);
            List<Long> bases = copy.segmentBaseOffsets();
            assertEquals(0L, bases.get(0));
            assertTrue(bases.size() < originalBases.size(), "groups merged: " + bases);
            long firstGroupEnd = bases.get(1);
            // What a load deletes for the swap: every segment based in [0, next offset of its last batch).
            coveredTo = KeyedBatches.batches(copy).stream().filter(b -> b.baseOffset() < firstGroupEnd)
                    .mapToLong(RecordBatch::nextOffset).max().orElseThrow();
            assertEquals(firstGroupEnd, coveredTo, "every batch kept a record");
        }
        Path dir = partitionDir(TP);
        Files.copy(copyRoot.resolve(TP.toString()).resolve(Segment.fileName(0, Segment.LOG_SUFFIX)),
                dir.resolve(Segment.fileName(0, Segment.LOG_SUFFIX) + Segment.SWAP_SUFFIX));
        Files.write(dir.resolve(Segment.fileName(0, Segment.INDEX_SUFFIX) + Segment.SWAP_SUFFIX), new byte[16]);
        // Mid-way through renaming the sources: the second one is already marked deleted.
        long second = originalBases.get(1);
        assertTrue(second < coveredTo);
        Files.move(Segment.logFile(dir, second), dir.resolve(Segment.fileName(second, Segment.LOG_SUFFIX) + Segment.DELETED_SUFFIX));

        start(); // after a clean shutdown marker even: a swap is finished regardless
        PartitionLog reopened = manager.getLog(TP).orElseThrow();
        List<KV> after = readAll(reopened);
        List<KV> expected = new ArrayList<>();
        final long covered = coveredTo;
        cleanedCopy.stream().filter(kv -> kv.offset() < covered).forEach(expected::add);
        written.stream().filter(kv -> kv.offset() >= covered).forEach(expected::add);
        assertEquals(expected, after, "the swapped segment below " + covered + ", the untouched segments above");
        assertEquals(survivors(written), survivors(after), "every key keeps its newest record");
        assertEquals(List.of(), filesEndingWith(dir, Segment.SWAP_SUFFIX));
        assertEquals(List.of(), filesEndingWith(dir, Segment.DELETED_SUFFIX));

        reopened.updateHighWatermark(reopened.logEndOffset());
        assertNotNull(manager.cleaner().cleanOnce());
        assertEquals(survivors(written), readAll(reopened), "and the next pass finishes the job");
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void failedCleaningMarksOnlyThatLogUncleanableAndTheThreadGoesOn() throws Exception {
        TopicPartition broken = new TopicPartition("__consumer_offsets", 1);
        start(new LogCleaner.Config(true, 1, 1 << 20, 64 * 1024, Double.MAX_VALUE, 10L), time);
        PartitionLog bad = manager.getOrCreateLog(broken);
        PartitionLog good = manager.getOrCreateLog(TP);
        writeRolled(bad, 300, 10, time.milliseconds());
        // Bit rot in the body of the first batch on disk: its CRC no longer matches.
        try (FileChannel ch = FileChannel.open(Segment.logFile(bad.dir(), 0), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, RecordBatch.HEADER_SIZE + 3);
            b.put(0, (byte) (b.get(0) ^ 0x40)).clear();
            ch.write(b, RecordBatch.HEADER_SIZE + 3);
        }
        bad.updateHighWatermark(bad.logEndOffset());
        List<KV> written = writeCommitted(good, 300, 10, time.milliseconds());

        assertTrue(waitUntil(10_000, () -> manager.cleaner().isUncleanable(broken)), "the broken log is marked");
        assertTrue(waitUntil(10_000, () -> good.cleanerCheckpoint() == 300), "the other log is compacted");
        assertEquals(survivors(written), readAll(good));
        assertFalse(manager.cleaner().isUncleanable(TP));

        List<KV> more = new ArrayList<>(written);
        more.addAll(writeCommitted(good, 300, 10, time.milliseconds()));
        assertTrue(waitUntil(10_000, () -> good.cleanerCheckpoint() == 600), "the thread is still working");
        assertEquals(survivors(more), readAll(good));
        bad.appendAsLeader(batch(time.milliseconds(), "k", "still writable"), 0);
    }

    @Test
    void shutdownStopsAThrottledPassPromptlyAndLeavesTheLogIntact() throws Exception {
        // Real time: the throttle (4 KiB/s) would make this pass take minutes.
        start(new LogCleaner.Config(true, 1, 1 << 20, 8 * 1024, 4096, 10L), Time.SYSTEM);
        PartitionLog log = manager.getOrCreateLog(TP);
        List<KV> written = writeCommitted(log, 2000, 50, System.currentTimeMillis());
        assertTrue(waitUntil(10_000, () -> manager.cleaner().isCleaning(TP)), "a pass is running");
        Thread.sleep(200); // well inside it: throttled, the whole pass would take about half a minute

        long startNs = System.nanoTime();
        manager.close();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        manager = null;
        assertTrue(tookMs < 3_000, "close took " + tookMs + " ms");

        start();
        PartitionLog reopened = manager.getLog(TP).orElseThrow();
        assertEquals(List.of(), filesEndingWith(reopened.dir(), Segment.CLEANED_SUFFIX));
        List<KV> after = readAll(reopened);
        assertEquals(survivors(written), survivors(after), "the log is as before, or compacted up to a finished group");
    }

    @Test
    void deletingALogDuringAPassStopsThePass() throws Exception {
        start(new LogCleaner.Config(true, 1, 1 << 20, 8 * 1024, 4096, 10L), Time.SYSTEM);
        PartitionLog log = manager.getOrCreateLog(TP);
        writeCommitted(log, 2000, 50, System.currentTimeMillis());
        assertTrue(waitUntil(10_000, () -> manager.cleaner().isCleaning(TP)), "a pass is running");

        long startNs = System.nanoTime();
        manager.deleteLog(TP);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) < 3_000);
        assertFalse(manager.cleaner().isCleaning(TP));
        assertTrue(manager.getLog(TP).isEmpty());
        assertTrue(waitUntil(10_000, () -> {
            try (Stream<Path> children = Files.list(dataDir)) {
                return children.noneMatch(p -> p.getFileName().toString().startsWith(TP.toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), "the directory is gone, with no file of the pass left in it");
    }
}
