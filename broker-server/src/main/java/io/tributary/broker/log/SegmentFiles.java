package io.tributary.broker.log;

import io.tributary.api.batch.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The first step of opening a partition log: what is in its directory after a crash, before any segment is opened.
 * Stateless; called by {@link LogLoader} before the log is published, so it needs no lock.
 */
final class SegmentFiles {
    private static final Logger log = LoggerFactory.getLogger(SegmentFiles.class);

    private SegmentFiles() {
    }

    /**
     * The segments found on disk.
     *
     * @param mustRecover segments a load must check batch by batch and re-index (those a cleaner swap left behind)
     */
    record Listing(TreeSet<Long> baseOffsets, Set<Long> mustRecover) {
    }

    /**
     * Deletes what a crash left half-done (deletions, checkpoint writes, unfinished cleanings, orphan indexes),
     * completes a cleaner swap that passed its commit point, and lists the segments that remain.
     */
    static Listing cleanAndList(Path dir) throws IOException {
        TreeSet<Long> logs = new TreeSet<>();
        TreeSet<Long> swaps = new TreeSet<>();
        List<Path> indexes = new ArrayList<>();
        String logSwapSuffix = Segment.LOG_SUFFIX + Segment.SWAP_SUFFIX;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(Segment.DELETED_SUFFIX) || name.endsWith(".tmp") || name.endsWith(Segment.CLEANED_SUFFIX)) {
                    // Deletions, checkpoint writes and cleanings that a crash interrupted; an unfinished cleaning
                    // never touched the segments it was compacting.
                    Files.deleteIfExists(f);
                } else if (name.endsWith(logSwapSuffix)) {
                    swaps.add(parseBaseOffset(name, logSwapSuffix));
                } else if (name.endsWith(Segment.SWAP_SUFFIX)) {
                    // The index of a swap: rebuilt from the swapped log instead, which is cheaper than trusting it.
                    Files.deleteIfExists(f);
                } else if (name.endsWith(Segment.LOG_SUFFIX)) {
                    logs.add(parseBaseOffset(name, Segment.LOG_SUFFIX));
                } else if (name.endsWith(Segment.INDEX_SUFFIX) || name.endsWith(Segment.TIME_INDEX_SUFFIX)) {
                    indexes.add(f);
                }
            }
        }
        for (long base : swaps) {
            completeSwap(dir, base, logs);
        }
        for (Path index : indexes) {
            String name = index.getFileName().toString();
            String suffix = name.endsWith(Segment.TIME_INDEX_SUFFIX) ? Segment.TIME_INDEX_SUFFIX : Segment.INDEX_SUFFIX;
            if (!logs.contains(parseBaseOffset(name, suffix))) {
                Files.deleteIfExists(index);
            }
        }
        if (!swaps.isEmpty()) {
            CheckpointFile.fsyncDirectory(dir);
        }
        return new Listing(logs, swaps);
    }

    /**
     * Finishes a cleaner swap that a crash interrupted after its commit point (the {@code .swap} rename): the
     * segments the swapped one covers, {@code [base, its next offset)}, are deleted and it takes their place.
     * Segments of the cleaned group above its last kept batch are left in place: they hold uncompacted records that
     * the swapped segment did not replace, and every record the swap dropped is superseded by one at or above its
     * next offset, which those segments (or later ones) still hold.
     */
    private static void completeSwap(Path dir, long base, TreeSet<Long> logs) throws IOException {
        Path swapLog = dir.resolve(Segment.fileName(base, Segment.LOG_SUFFIX) + Segment.SWAP_SUFFIX);
        long next = nextOffsetOfLogFile(swapLog, base);
        for (Long covered : new ArrayList<>(logs.subSet(base, true, Math.max(next, base + 1), false))) {
            Files.deleteIfExists(Segment.logFile(dir, covered));
            logs.remove(covered);
        }
        // Whatever index files sit at this base belong to the replaced segment.
        Files.deleteIfExists(dir.resolve(Segment.fileName(base, Segment.INDEX_SUFFIX)));
        Files.deleteIfExists(dir.resolve(Segment.fileName(base, Segment.TIME_INDEX_SUFFIX)));
        Files.move(swapLog, Segment.logFile(dir, base));
        logs.add(base);
        log.warn("{}: completed the swap of cleaned segment {} (covering offsets up to {}) that a crash interrupted",
                dir.getFileName(), base, next);
    }

    private static long nextOffsetOfLogFile(Path file, long baseOffset) throws IOException {
        long next = baseOffset;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + " is larger than 2 GiB; segments are limited to int positions");
            }
            ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
            for (BatchHeader h = BatchHeader.read(ch, 0, (int) size, scratch); h != null;
                 h = BatchHeader.read(ch, h.endPosition(), (int) size, scratch)) {
                next = h.nextOffset();
            }
        }
        return next;
    }

    private static long parseBaseOffset(String fileName, String suffix) throws IOException {
        String digits = fileName.substring(0, fileName.length() - suffix.length());
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IOException("unexpected file " + fileName + ": segment files are named <20-digit base offset>" + suffix);
        }
    }
}
