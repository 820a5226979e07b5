package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.broker.common.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Opens the segments of a partition directory: cleans up what a crash left half-done ({@link SegmentFiles}), opens
 * every segment, and after an unclean shutdown checks the segments from the recovery point on batch by batch,
 * truncating at the first invalid byte and rebuilding their indexes. Stateless; runs before the log is published,
 * so it needs no lock.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    private LogLoader() {
    }

    /**
     * @param recoveryPointHint offsets below this were fsynced before the last shutdown (0 when unknown)
     * @param needsRecovery     true after an unclean shutdown
     * @return the loaded segments, whose recovery point is the log end after a recovery (everything recovered has
     *         been fsynced), else the hint clamped to the log
     */
    static LocalLog load(Path dir, TopicPartition tp, LogConfig config, long recoveryPointHint, boolean needsRecovery,
                         Time time, ScheduledExecutorService scheduler) throws IOException {
        SegmentFiles.Listing listing = SegmentFiles.cleanAndList(dir);
        TreeSet<Long> baseOffsets = listing.baseOffsets();
        if (baseOffsets.isEmpty()) {
            baseOffsets.add(0L);
        }
        long last = baseOffsets.last();
        // Recovery starts at the segment holding the recovery point: everything before it was fsynced.
        Long recoverFrom = needsRecovery ? baseOffsets.floor(Math.max(recoveryPointHint, baseOffsets.first())) : null;
        SegmentMap segments = new SegmentMap();
        List<Segment> recovered = new ArrayList<>();
        try {
            boolean truncatedTail = false;
            for (long base : baseOffsets) {
                if (truncatedTail) {
                    log.warn("{}: deleting segment {} after a recovery truncation before it", tp, base);
                    Files.deleteIfExists(Segment.logFile(dir, base));
                    Files.deleteIfExists(dir.resolve(Segment.fileName(base, Segment.INDEX_SUFFIX)));
                    Files.deleteIfExists(dir.resolve(Segment.fileName(base, Segment.TIME_INDEX_SUFFIX)));
                    continue;
                }
                Segment segment = Segment.open(dir, base, config, base == last);
                segments.put(segment);
                if ((recoverFrom != null && base >= recoverFrom) || listing.mustRecover().contains(base)) {
                    recovered.add(segment);
                    int truncated = segment.recover();
                    if (truncated > 0) {
                        log.warn("{}: recovery truncated {} invalid bytes at the end of segment {}", tp, truncated, base);
                        truncatedTail = base != last;
                    }
                } else if (segment.loadIndexes()) {
                    log.warn("{}: rebuilt missing or corrupt index files of segment {}", tp, base);
                }
            }
            if (truncatedTail) {
                // The segment that lost its tail is now the last one and takes appends again.
                segments.active().onBecomeActive();
            }
            long nextOffset = segments.active().readNextOffset();
            long recoveryPoint;
            if (needsRecovery) {
                // What recovery checked and truncated is what survives a second crash only once it is on disk.
                for (Segment s : recovered) {
                    s.flush();
                }
                recoveryPoint = nextOffset;
            } else {
                recoveryPoint = Math.min(Math.max(recoveryPointHint, segments.firstBaseOffset()), nextOffset);
            }
            return new LocalLog(tp, dir, config, time, scheduler, segments, nextOffset, recoveryPoint);
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments.all()) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Already failing; the original exception is what the caller needs.
                }
            }
            throw e;
        }
    }
}
