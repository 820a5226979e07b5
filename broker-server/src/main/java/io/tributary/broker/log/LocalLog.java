package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.broker.common.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The segments of one partition on local disk and the positions only they define: the log end (published through
 * the volatile {@link #end()}), the recovery point and the last flush. It appends, rolls, reads, truncates, fsyncs
 * and deletes segments; it knows nothing of offsets' meaning to replication (high watermark, log start), of
 * producers or of leader epochs, which {@link PartitionLog} keeps.
 *
 * <p>Not thread-safe for changes: every method that changes segments or positions is called by {@link PartitionLog}
 * under its lock. {@link #read}, {@link #offsetForTimestamp} and {@link #fsyncBelow} take no lock and are safe
 * beside that writer: they snapshot {@link #end()} and never go past it.
 */
final class LocalLog {
    private static final Logger log = LoggerFactory.getLogger(LocalLog.class);

    private final TopicPartition topicPartition;
    private final Path dir;
    private final Time time;
    /** Runs delayed segment deletion; null deletes inline (tests, tools). */
    private final ScheduledExecutorService scheduler;
    private final SegmentMap segments;

    private volatile LogConfig config;
    private volatile LogEndPosition end;
    /** Every offset below this is fsynced; recovery after a crash starts from its segment. */
    private volatile long recoveryPoint;
    private volatile long lastFlushTimeMs;

    LocalLog(TopicPartition topicPartition, Path dir, LogConfig config, Time time, ScheduledExecutorService scheduler,
             SegmentMap segments, long nextOffset, long recoveryPoint) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        this.time = time;
        this.scheduler = scheduler;
        this.segments = segments;
        Segment active = segments.active();
        this.end = new LogEndPosition(nextOffset, active.baseOffset(), active.size());
        this.recoveryPoint = Math.min(recoveryPoint, end.offset());
        this.lastFlushTimeMs = time.milliseconds();
    }

    TopicPartition topicPartition() {
        return topicPartition;
    }

    Path dir() {
        return dir;
    }

    LogConfig config() {
        return config;
    }

    void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    SegmentMap segments() {
        return segments;
    }

    LogEndPosition end() {
        return end;
    }

    long logEndOffset() {
        return end.offset();
    }

    long recoveryPoint() {
        return recoveryPoint;
    }

    long lastFlushTimeMs() {
        return lastFlushTimeMs;
    }

    /**
     * Whether {@code bytes} more, ending at {@code lastOffset}, must go to a new segment: the active one would pass
     * {@code segment.bytes}, is older than {@code segment.ms} (for a compacted log also {@code max.compaction.lag.ms},
     * since the cleaner never touches the active segment), has a full index, or cannot express the offset relatively.
     */
    boolean shouldRoll(int bytes, long lastOffset, long nowMs) {
        Segment active = segments.active();
        LogConfig cfg = config;
        boolean nonEmpty = active.size() > 0;
        boolean full = nonEmpty && (long) active.size() + bytes > cfg.segmentBytes();
        long rollMs = cfg.compact() ? Math.min(cfg.segmentMs(), cfg.maxCompactionLagMs()) : cfg.segmentMs();
        boolean old = nonEmpty && active.rollingBasedTimestamp() >= 0 && nowMs - active.rollingBasedTimestamp() > rollMs;
        boolean indexFull = active.indexesFull();
        boolean offsetOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || indexFull || offsetOverflow) {
            log.debug("{}: rolling segment {} (full={}, old={}, indexFull={}, offsetOverflow={})",
                    topicPartition, active.baseOffset(), full, old, indexFull, offsetOverflow);
            return true;
        }
        return false;
    }

    /**
     * Starts a new active segment at the log end.
     *
     * @return false, changing nothing, when the active segment is empty and already starts there
     */
    boolean roll() throws IOException {
        Segment active = segments.active();
        long newBase = end.offset();
        if (active.size() == 0 && active.baseOffset() == newBase) {
            return false;
        }
        Segment fresh = Segment.open(dir, newBase, config, true);
        active.onBecomeInactive();
        segments.put(fresh);
        end = new LogEndPosition(newBase, newBase, 0);
        return true;
    }

    /** Writes validated, offset-stamped batches to the active segment, then publishes the new end to readers. */
    void append(ByteBuffer records, long lastOffset, long nowMs) throws IOException {
        Segment segment = segments.active();
        segment.append(records, nowMs);
        end = new LogEndPosition(lastOffset + 1, segment.baseOffset(), segment.size());
    }

    /**
     * Whole batches from the one holding {@code startOffset}, none starting at or above {@code limitOffset}, read
     * no further than {@code endSnapshot}; the result carries the log bounds it was read under.
     *
     * @return null when no segment up to {@code endSnapshot} has a batch at or after {@code startOffset}
     * @throws ClosedChannelException when a segment was closed under the read (a cleaner swap or a deletion)
     */
    LogReadInfo read(long startOffset, int maxBytes, long limitOffset, LogEndPosition endSnapshot, boolean minOneBatch,
                     long logStartOffset, long highWatermark) throws IOException {
        Map.Entry<Long, Segment> entry = segments.floorEntry(startOffset);
        while (entry != null && entry.getKey() <= endSnapshot.segmentBaseOffset()) {
            Segment segment = entry.getValue();
            int maxPosition = segment.baseOffset() == endSnapshot.segmentBaseOffset() ? endSnapshot.position() : segment.size();
            ByteBuffer batches = segment.read(startOffset, maxBytes, maxPosition, minOneBatch);
            if (batches != null) {
                return cutAt(batches, limitOffset, logStartOffset, endSnapshot.offset(), highWatermark);
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return null;
    }

    /**
     * Drops batches that start at or above {@code limitOffset} (consumers must not see past the high watermark),
     * noting on the way where the last kept batch ends.
     */
    private static LogReadInfo cutAt(ByteBuffer batches, long limitOffset, long logStartOffset, long logEndOffset,
                                     long highWatermark) {
        int position = batches.position();
        long next = -1L;
        while (position < batches.limit()) {
            long base = batches.getLong(position + RecordBatch.BASE_OFFSET_OFFSET);
            if (base >= limitOffset) {
                break;
            }
            next = base + batches.getInt(position + RecordBatch.LAST_OFFSET_DELTA_OFFSET) + 1;
            position += RecordBatch.sizeInBytes(batches, position);
        }
        return new LogReadInfo(batches.limit(position), next, logStartOffset, logEndOffset, highWatermark);
    }

    /** The first record at or after {@code timestamp} and at or above {@code logStartOffset}. */
    Optional<TimestampAndOffset> offsetForTimestamp(long timestamp, long logStartOffset) throws IOException {
        for (Segment segment : segments.all()) {
            if (segment.maxTimestamp() < timestamp) {
                continue;
            }
            Optional<TimestampAndOffset> found = segment.findOffsetByTimestamp(timestamp, logStartOffset);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /**
     * Removes every record at or above {@code offset}, at batch boundaries (the batch holding {@code offset} goes
     * entirely); {@code offset} must not be below the first segment. Later segments are deleted after
     * {@code file.delete.delay.ms}. The recovery point follows the new end.
     *
     * @return the new log end offset
     */
    long truncateTo(long offset) throws IOException {
        List<Segment> removed = segments.basedAbove(offset);
        for (Segment s : removed) {
            segments.remove(s);
        }
        Segment active = segments.active();
        active.truncateTo(offset);
        if (!removed.isEmpty()) {
            active.onBecomeActive();
        }
        long newEnd = active.readNextOffset();
        end = new LogEndPosition(newEnd, active.baseOffset(), active.size());
        recoveryPoint = Math.min(recoveryPoint, newEnd);
        for (Segment s : removed) {
            scheduleDeletion(s);
        }
        return newEnd;
    }

    /** Replaces every segment with one empty segment at {@code offset}; the old ones are deleted after the delay. */
    void truncateFullyAndStartAt(long offset) throws IOException {
        List<Segment> removed = List.copyOf(segments.all());
        segments.clear();
        for (Segment s : removed) {
            s.markForDeletion();
        }
        segments.put(Segment.open(dir, offset, config, true));
        end = new LogEndPosition(offset, offset, 0);
        recoveryPoint = offset;
        for (Segment s : removed) {
            scheduleDeletionOfMarked(s);
        }
    }

    /** Takes {@code expired}, the oldest segments and never the active one, out of the log and deletes them later. */
    void removeOldest(List<Segment> expired) throws IOException {
        for (Segment s : expired) {
            segments.remove(s);
        }
        for (Segment s : expired) {
            scheduleDeletion(s);
        }
    }

    /**
     * Swaps {@code cleaned} in for {@code sources} (see {@link PartitionLog#replaceSegments} for why each step is
     * crash-safe): {@code .cleaned} → {@code .swap} is the commit point, the sources become {@code .deleted}, the swap
     * files take their final names, and the map changes so that every offset is always found in old or new data.
     */
    void replaceSegments(List<Segment> sources, Segment cleaned) throws IOException {
        cleaned.changeFileSuffix(Segment.CLEANED_SUFFIX, Segment.SWAP_SUFFIX);
        CheckpointFile.fsyncDirectory(dir);
        for (Segment s : sources) {
            s.markForDeletion();
        }
        cleaned.changeFileSuffix(Segment.SWAP_SUFFIX, "");
        CheckpointFile.fsyncDirectory(dir);
        segments.put(cleaned);
        for (Segment s : sources) {
            if (s.baseOffset() != cleaned.baseOffset()) {
                segments.remove(s);
            }
        }
        for (Segment s : sources) {
            scheduleDeletionOfMarked(s);
        }
    }

    /**
     * fsyncs the segments from the one holding the recovery point up to (not including) the first based at or above
     * {@code target}. Takes no lock, so appends go on while the disk syncs; the caller then calls
     * {@link #markFlushed} under the partition log's lock.
     */
    void fsyncBelow(long target) throws IOException {
        for (Segment s : segments.from(recoveryPoint)) {
            if (s.baseOffset() >= target) {
                break;
            }
            try {
                s.flush();
            } catch (ClosedChannelException deletedMeanwhile) {
                // Retention or truncation removed it; nothing of it needs to be durable.
            }
        }
    }

    /** Moves the recovery point to {@code target} after {@link #fsyncBelow} returned, unless truncation passed it. */
    void markFlushed(long target) {
        if (target > recoveryPoint && target <= end.offset()) {
            recoveryPoint = target;
        }
        lastFlushTimeMs = time.milliseconds();
    }

    private void scheduleDeletion(Segment s) throws IOException {
        s.markForDeletion();
        scheduleDeletionOfMarked(s);
    }

    /** Deletes a segment already renamed {@code .deleted} after {@code file.delete.delay.ms}, so open reads finish. */
    private void scheduleDeletionOfMarked(Segment s) {
        Runnable delete = () -> {
            try {
                s.closeAndDelete();
            } catch (IOException e) {
                log.warn("{}: could not delete {}: {}", topicPartition, s, e.toString());
            }
        };
        long delay = config.fileDeleteDelayMs();
        if (scheduler == null || delay == 0) {
            delete.run();
        } else {
            scheduler.schedule(delete, delay, TimeUnit.MILLISECONDS);
        }
    }

    void close() throws IOException {
        for (Segment s : segments.all()) {
            s.close();
        }
    }

    /** Closes every segment, ignoring failures: for a load that is already failing. */
    void closeQuietly() {
        for (Segment s : segments.all()) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already failing; the original exception is what the caller needs.
            }
        }
    }

    /** Closes and deletes every segment, then every file in the directory and the directory. */
    void deleteAll() throws IOException {
        for (Segment s : segments.all()) {
            s.closeAndDelete();
        }
        segments.clear();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
