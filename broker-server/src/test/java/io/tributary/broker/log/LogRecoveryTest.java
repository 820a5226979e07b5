package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.broker.common.MockTime;
import io.tributary.broker.log.TestBatches.ReadRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.config;
import static io.tributary.broker.log.TestBatches.readAll;
import static io.tributary.broker.log.TestBatches.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Crash recovery through the LogManager: what a restart after kill -9, torn writes or bit rot leaves readable. */
class LogRecoveryTest {
    private static final TopicPartition TP = new TopicPartition("events", 0);

    @TempDir
    Path dataDir;

    private final MockTime time = new MockTime();
    private LogManager manager;

    private LogManager start(LogConfig cfg) throws IOException {
        manager = new LogManager(LogManager.Config.of(List.of(dataDir), cfg), time);
        manager.startup();
        return manager;
    }

    /** A restart after a crash: the clean-shutdown marker is gone, as it would be after kill -9. */
    private LogManager crashAndRestart(LogConfig cfg) throws IOException {
        manager.close();
        Files.delete(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        return start(cfg);
    }

    @AfterEach
    void stop() throws IOException {
        if (manager != null) {
            manager.close();
        }
    }

    private Path partitionDir() {
        return dataDir.resolve(TP.toString());
    }

    private Path activeSegmentFile(String suffix) throws IOException {
        PartitionLog log = manager.getLog(TP).orElseThrow();
        long base = log.segmentBaseOffsets().get(log.numberOfSegments() - 1);
        return partitionDir().resolve(Segment.fileName(base, suffix));
    }

    private static void appendBytes(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    @Test
    void tenRoundsOfRandomBytesAppendedToTheActiveSegmentLoseNoRecord() throws IOException {
        LogConfig cfg = config(LogConfig.SEGMENT_BYTES, 8192, LogConfig.INDEX_INTERVAL_BYTES, 128);
        start(cfg);
        Random random = new Random(2026);
        int value = 0;
        for (int round = 0; round < 10; round++) {
            PartitionLog log = manager.getOrCreateLog(TP);
            for (int i = 0; i < 20; i++) {
                int n = 1 + random.nextInt(5);
                log.appendAsLeader(batch(n, value, time.milliseconds()), round);
                value += n;
            }
            long endBefore = log.logEndOffset();
            manager.close();
            Files.delete(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
            byte[] garbage = new byte[1 + random.nextInt(1024)];
            random.nextBytes(garbage);
            Path logFile = partitionDir().resolve(Segment.fileName(lastBase(), Segment.LOG_SUFFIX));
            Path indexFile = partitionDir().resolve(Segment.fileName(lastBase(), Segment.INDEX_SUFFIX));
            appendBytes(logFile, garbage);
            byte[] indexGarbage = new byte[1 + random.nextInt(1024)];
            random.nextBytes(indexGarbage);
            appendBytes(indexFile, indexGarbage);

            start(cfg);
            PartitionLog recovered = manager.getLog(TP).orElseThrow();
            assertEquals(endBefore, recovered.logEndOffset(), "round " + round + ": log end offset changed");
            List<ReadRecord> all = readAll(recovered, 0, 700);
            assertEquals(value, all.size(), "round " + round);
            for (int i = 0; i < value; i++) {
                assertEquals(i, all.get(i).offset());
                assertEquals("v" + i, all.get(i).value());
            }
            for (int offset = 0; offset < value; offset += 3) {
                final long target = offset;
                assertTrue(records(recovered.read(offset, 1, Long.MAX_VALUE, true).records()).stream()
                        .anyMatch(r -> r.offset() == target), "round " + round + ": offset " + offset + " not found");
            }
        }
    }

    private long lastBase() throws IOException {
        try (var files = Files.list(partitionDir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(Segment.LOG_SUFFIX))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 20))).max().orElseThrow();
        }
    }

    @Test
    void bitFlipInTheMiddleOfASegmentTruncatesBeforeTheDamagedBatch() throws IOException {
        LogConfig cfg = LogConfig.defaults();
        start(cfg);
        PartitionLog log = manager.getOrCreateLog(TP);
        for (int i = 0; i < 100; i++) {
            log.appendAsLeader(batch(2, 2 * i, 1L), 0);
        }
        Path logFile = activeSegmentFile(Segment.LOG_SUFFIX);
        manager.close();
        Files.delete(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));

        long batch50Start = positionOfBatch(logFile, 50);
        long batch51Start = positionOfBatch(logFile, 51);
        flipBit(logFile, (batch50Start + batch51Start) / 2); // inside the 51st batch
        start(cfg);
        PartitionLog recovered = manager.getLog(TP).orElseThrow();
        assertEquals(100, recovered.logEndOffset(), "50 intact batches of 2 records survive");
        assertEquals(batch50Start, Files.size(logFile));
        List<ReadRecord> all = readAll(recovered, 0, 10_000); // readAll checks every batch's CRC
        assertEquals(100, all.size());
        // The log takes new appends right after the last intact batch.
        recovered.appendAsLeader(batch(1, 100, 1L), 1);
        assertEquals("v100", readAll(recovered, 100, 1000).get(0).value());
    }

    @Test
    void bitFlipInAnOlderSegmentWithoutRecoveryPointsTruncatesThereAndDropsLaterSegments() throws IOException {
        int batchSize = batch(1, 0, 1L).remaining();
        LogConfig cfg = config(LogConfig.SEGMENT_BYTES, batchSize * 10);
        start(cfg);
        PartitionLog log = manager.getOrCreateLog(TP);
        for (int i = 0; i < 35; i++) {
            log.appendAsLeader(batch(1, i, 1L), 0); // segments at 0, 10, 20, 30
        }
        manager.close();
        Files.delete(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Files.delete(dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT));
        flipBit(partitionDir().resolve(Segment.fileName(10, Segment.LOG_SUFFIX)), batchSize * 4 + RecordBatch.RECORDS_OFFSET + 1);

        start(cfg);
        PartitionLog recovered = manager.getLog(TP).orElseThrow();
        assertEquals(14, recovered.logEndOffset());
        assertEquals(List.of(0L, 10L), recovered.segmentBaseOffsets());
        List<ReadRecord> all = readAll(recovered, 0, 10_000);
        assertEquals(14, all.size());
        recovered.appendAsLeader(batch(1, 14, 1L), 1);
        assertEquals(15, recovered.logEndOffset());
    }

    private static long positionOfBatch(Path logFile, int index) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(logFile));
        long position = 0;
        int i = 0;
        for (RecordBatch b : RecordBatch.iterate(all)) {
            if (i++ == index) {
                return position;
            }
            position += b.sizeInBytes();
        }
        throw new AssertionError("no batch " + index + " in " + logFile);
    }

    private static void flipBit(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x04);
        }
    }

    @Test
    void deletedOrCorruptIndexFilesAreRebuiltAndEveryOffsetIsStillFound() throws IOException {
        LogConfig cfg = config(LogConfig.SEGMENT_BYTES, 4096, LogConfig.INDEX_INTERVAL_BYTES, 64);
        start(cfg);
        PartitionLog log = manager.getOrCreateLog(TP);
        for (int i = 0; i < 300; i++) {
            log.appendAsLeader(batch(1, i, 10_000L + i), 0);
        }
        List<Long> bases = log.segmentBaseOffsets();
        assertTrue(bases.size() >= 4);
        manager.close(); // clean: no recovery will run, so only the index checks can notice

        Files.delete(partitionDir().resolve(Segment.fileName(bases.get(0), Segment.INDEX_SUFFIX)));
        Files.delete(partitionDir().resolve(Segment.fileName(bases.get(0), Segment.TIME_INDEX_SUFFIX)));
        fill(partitionDir().resolve(Segment.fileName(bases.get(1), Segment.INDEX_SUFFIX)), (byte) 0xFF);
        fill(partitionDir().resolve(Segment.fileName(bases.get(2), Segment.TIME_INDEX_SUFFIX)), (byte) 0x00);
        Files.write(partitionDir().resolve(Segment.fileName(bases.get(3), Segment.INDEX_SUFFIX)), new byte[0]);

        start(cfg);
        PartitionLog reloaded = manager.getLog(TP).orElseThrow();
        assertEquals(300, reloaded.logEndOffset());
        for (int offset = 0; offset < 300; offset++) {
            final long target = offset;
            List<ReadRecord> got = records(reloaded.read(offset, 1, Long.MAX_VALUE, true).records());
            assertTrue(got.stream().anyMatch(r -> r.offset() == target && r.value().equals("v" + target)),
                    "offset " + offset + " not found after index rebuild");
            assertEquals(offset, reloaded.offsetForTimestamp(10_000L + offset).orElseThrow().offset());
        }
    }

    private static void fill(Path file, byte value) throws IOException {
        long size = Math.max(Files.size(file), 64);
        byte[] bytes = new byte[(int) size];
        java.util.Arrays.fill(bytes, value);
        Files.write(file, bytes);
    }

    @Test
    void cleanShutdownSkipsRecoveryAndACrashRunsIt() throws IOException {
        LogConfig cfg = LogConfig.defaults();
        start(cfg);
        PartitionLog log = manager.getOrCreateLog(TP);
        log.appendAsLeader(batch(3, 0, 1L), 0);
        Path logFile = activeSegmentFile(Segment.LOG_SUFFIX);
        manager.close();
        assertTrue(Files.exists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)));
        long goodSize = Files.size(logFile);
        appendBytes(logFile, new byte[] {1, 2, 3});

        start(cfg);
        assertEquals(goodSize + 3, Files.size(logFile), "after a clean shutdown the segment is not scanned");
        assertEquals(3, manager.getLog(TP).orElseThrow().logEndOffset());
        assertTrue(Files.notExists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)),
                "the marker is consumed at start-up so that a later crash triggers recovery");

        crashAndRestart(cfg);
        assertEquals(goodSize, Files.size(logFile), "after a crash the torn tail is truncated");
        assertEquals(3, manager.getLog(TP).orElseThrow().logEndOffset());
    }

    @Test
    void aSecondBrokerOnTheSameLogDirectoryIsRefused() throws IOException {
        start(LogConfig.defaults());
        LogManager second = new LogManager(LogManager.Config.of(List.of(dataDir), LogConfig.defaults()), time);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, second::startup);
        assertTrue(e.getMessage().contains("in use by another broker"), e.getMessage());
    }

    @Test
    void logsSpreadOverSeveralDirectoriesAreAllLoadedAgain() throws IOException {
        Path a = dataDir.resolve("a");
        Path b = dataDir.resolve("b");
        manager = new LogManager(LogManager.Config.of(List.of(a, b), LogConfig.defaults()), time);
        manager.startup();
        for (int p = 0; p < 6; p++) {
            manager.getOrCreateLog(new TopicPartition("spread", p)).appendAsLeader(batch(1, p, 1L), 0);
        }
        try (var inA = Files.list(a); var inB = Files.list(b)) {
            assertEquals(3, inA.filter(Files::isDirectory).count());
            assertEquals(3, inB.filter(Files::isDirectory).count());
        }
        manager.close();
        manager = new LogManager(LogManager.Config.of(List.of(a, b), LogConfig.defaults()), time);
        manager.startup();
        assertEquals(6, manager.allLogs().size());
        assertEquals("v4", readAll(manager.getLog(new TopicPartition("spread", 4)).orElseThrow(), 0, 100).get(0).value());
    }

    @Test
    void deletedLogIsGoneAndNotLoadedAgain() throws IOException {
        start(LogConfig.defaults());
        manager.getOrCreateLog(TP).appendAsLeader(batch(1, 0, 1L), 0);
        manager.deleteLog(TP);
        assertTrue(manager.getLog(TP).isEmpty());
        manager.close();
        start(LogConfig.defaults());
        assertTrue(manager.getLog(TP).isEmpty());
        assertTrue(Files.notExists(partitionDir()));
    }

    @Test
    void fsyncBeforeAckCompletesOnceTheRecordsAreBelowTheRecoveryPoint() throws Exception {
        start(LogConfig.defaults());
        PartitionLog log = manager.getOrCreateLog(TP);
        var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<Void>>();
        for (int i = 0; i < 50; i++) {
            LogAppendInfo info = log.appendAsLeader(batch(1, i, 1L), 0);
            futures.add(manager.awaitDurable(log, info.lastOffset() + 1));
        }
        for (var f : futures) {
            f.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertEquals(50, log.recoveryPoint());
    }

    @Test
    void flushMessagesPolicyFsyncsAfterThatManyRecords() throws IOException {
        start(config(LogConfig.FLUSH_MESSAGES, 10L));
        PartitionLog log = manager.getOrCreateLog(TP);
        for (int i = 0; i < 9; i++) {
            log.appendAsLeader(batch(1, i, 1L), 0);
        }
        assertEquals(0, log.recoveryPoint());
        log.appendAsLeader(batch(1, 9, 1L), 0);
        assertEquals(10, log.recoveryPoint());
    }

    @Test
    void flushMsPolicyFsyncsOldData() throws IOException {
        start(config(LogConfig.FLUSH_MS, 1_000L));
        PartitionLog log = manager.getOrCreateLog(TP);
        log.appendAsLeader(batch(2, 0, 1L), 0);
        log.maybeFlushByTime();
        assertEquals(0, log.recoveryPoint());
        time.sleep(1_000);
        log.maybeFlushByTime();
        assertEquals(2, log.recoveryPoint());
    }

    @Test
    void partitionDirectoryNamesParseBackToTopicAndPartition() {
        assertEquals(new TopicPartition("a-b-c", 12), LogManager.parseDirName("a-b-c-12"));
        assertEquals(null, LogManager.parseDirName("a-b-c-12.0123abcd.delete"));
        assertEquals(null, LogManager.parseDirName("nodash"));
    }
}
