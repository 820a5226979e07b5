package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.TimestampType;
import io.tributary.broker.common.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The log of one partition: the offsets that bound it (log start, high watermark, log end), its leader-epoch
 * history and idempotent-producer state, retention, and the hooks the log cleaner uses. The segments themselves are
 * a {@link LocalLog}; opening one is {@link LogLoader}'s job and checking batches {@link BatchValidator}'s.
 *
 * <h2>Concurrency</h2>
 * <ul>
 *   <li><b>Single writer.</b> Appends, rolls, truncation, retention and close take {@link #lock}; callers may come
 *       from several threads but the lock makes them one writer at a time. Every change to the {@link LocalLog}
 *       is made under it.</li>
 *   <li><b>Lock-free readers.</b> {@link #read}, {@link #offsetForTimestamp} and the offset getters take no lock.
 *       The writer writes a batch's bytes and index entries first and only then publishes the new end through the
 *       volatile {@link LocalLog#end}; a reader snapshots {@code end} and never reads past it, so it never sees a partial
 *       batch, and sees batches in offset order.</li>
 *   <li>Segments removed by retention or truncation, or replaced by the log cleaner, are renamed and deleted
 *       after {@code file.delete.delay.ms}, so a read already holding them finishes.</li>
 *   <li><b>The log cleaner</b> reads inactive segments below the high watermark without the lock (they never
 *       change), writes their compacted copy aside, and takes the lock only to swap it in
 *       ({@link #replaceSegments}), after checking that retention, truncation or close did not change the log
 *       meanwhile (the {@link #generation}).</li>
 * </ul>
 * Lock order: this log's {@link #lock}, then an index's own lock (taken inside index calls). Nothing else.
 *
 * <p>Why this class is still ~750 lines (about 570 of code): everything here moves one of the offsets above or
 * depends on them staying put, under the one lock, and splitting it further would spread that invariant across
 * classes that each hold half of it. What does not need the offsets has moved out.
 */
public final class PartitionLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    /** Reads retried after a cleaner swap closed their segment: one retry finds the new one; three bound bad luck. */
    private static final int MAX_READ_ATTEMPTS = 3;

    private final TopicPartition topicPartition;
    private final Path dir;
    private final Time time;
    /** Runs post-roll flushes; null runs them inline (tests, tools). The local log deletes segments with it too. */
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    private final LocalLog local;
    private final SegmentMap segments;
    private final LeaderEpochCache epochCache;
    private final ProducerStateManager producerState;

    private volatile long logStartOffset;
    private volatile long highWatermark;
    /**
     * The log cleaner's position: records below it were compacted at least once (persisted per log directory in
     * {@code cleaner-offset-checkpoint}). Only meaningful for compacted logs; kept at or below the log end.
     */
    private volatile long cleanerCheckpoint;
    /**
     * Bumped under the lock whenever retention, truncation or close changes which segments exist other than by a
     * roll or a cleaner swap: a cleaning started under an older generation must not swap anything in.
     */
    private long generation;
    private volatile boolean closed;

    private PartitionLog(LocalLog local, Time time, ScheduledExecutorService scheduler, LeaderEpochCache epochCache) {
        this.local = local;
        this.segments = local.segments();
        this.topicPartition = local.topicPartition();
        this.dir = local.dir();
        this.time = time;
        this.scheduler = scheduler;
        this.epochCache = epochCache;
        this.producerState = new ProducerStateManager(dir);
        this.logStartOffset = segments.firstBaseOffset();
        this.cleanerCheckpoint = logStartOffset;
        // Nothing is known committed until the partition's leader says so (a single-replica leader moves it to its log
        // end at once); starting at the log end could show consumers records a new leader does not have.
        this.highWatermark = logStartOffset;
    }

    /**
     * Opens the log in {@code dir}, creating it if needed.
     *
     * @param recoveryPoint  offsets below this were fsynced before the last shutdown (0 when unknown)
     * @param needsRecovery  true after an unclean shutdown: segments from the recovery point on are checked batch
     *                       by batch and truncated at the first invalid byte, their indexes rebuilt
     */
    public static PartitionLog open(Path dir, TopicPartition topicPartition, LogConfig config, long recoveryPoint,
                                    boolean needsRecovery, Time time, ScheduledExecutorService scheduler) throws IOException {
        Files.createDirectories(dir);
        LocalLog local = LogLoader.load(dir, topicPartition, config, recoveryPoint, needsRecovery, time, scheduler);
        try {
            LeaderEpochCache cache = LeaderEpochCache.load(dir);
            boolean rebuildEpochs = cache == null;
            PartitionLog plog = new PartitionLog(local, time, scheduler, rebuildEpochs ? LeaderEpochCache.empty(dir) : cache);
            if (rebuildEpochs) {
                plog.rebuildEpochCacheFromLog();
            }
            plog.epochCache.truncateFromEnd(local.logEndOffset());
            plog.epochCache.truncateFromStart(plog.logStartOffset);
            plog.rebuildProducerState();
            return plog;
        } catch (IOException | RuntimeException e) {
            local.closeQuietly();
            throw e;
        }
    }

    private void rebuildEpochCacheFromLog() throws IOException {
        for (Segment s : segments.all()) {
            s.forEachBatchHeader(h -> epochCache.assign(h.leaderEpoch(), h.baseOffset()));
        }
        epochCache.persistNow();
    }

    /**
     * Loads the newest producer snapshot at or below the log end and replays the batch headers after it; with no
     * snapshot, replays the whole log. Caller holds the lock or has not published the log yet.
     */
    private void rebuildProducerState() throws IOException {
        long loaded = producerState.loadLatestSnapshot(local.logEndOffset());
        long from = loaded < 0 ? logStartOffset : loaded;
        for (Segment s : segments.from(from)) {
            s.forEachBatchHeader(h -> {
                if (h.baseOffset() >= from) {
                    producerState.update(h);
                }
            });
        }
    }

    /** Idempotent producers known to this partition, by id: their epoch (for tests and tools). */
    public Map<Long, Short> producerEpochs() {
        lock.lock();
        try {
            Map<Long, Short> m = new HashMap<>();
            producerState.producers().forEach((id, e) -> m.put(id, e.epoch));
            return m;
        } finally {
            lock.unlock();
        }
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return local.config();
    }

    public void updateConfig(LogConfig newConfig) {
        local.updateConfig(newConfig);
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return local.logEndOffset();
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long recoveryPoint() {
        return local.recoveryPoint();
    }

    /** Where the log cleaner's next pass starts: records below were compacted at least once. */
    public long cleanerCheckpoint() {
        return cleanerCheckpoint;
    }

    /** Sets the cleaner's position read from {@code cleaner-offset-checkpoint} at load, clamped to the log. */
    void initCleanerCheckpoint(long offset) {
        lock.lock();
        try {
            cleanerCheckpoint = Math.max(logStartOffset, Math.min(offset, local.logEndOffset()));
        } finally {
            lock.unlock();
        }
    }

    public long lastFlushTimeMs() {
        return local.lastFlushTimeMs();
    }

    boolean isClosed() {
        return closed;
    }

    public LeaderEpochCache leaderEpochCache() {
        return epochCache;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return segments.baseOffsets();
    }

    public long sizeInBytes() {
        return segments.sizeInBytes();
    }

    /**
     * Moves the high watermark, which bounds what consumers read and what retention may delete. The replication
     * layer owns it; with a single replica it follows the log end. It starts at the log start offset when the log is
     * opened. Clamped to [log start, log end]; never moves
     * backwards except through truncation.
     */
    public void updateHighWatermark(long offset) {
        lock.lock();
        try {
            long clamped = Math.max(logStartOffset, Math.min(offset, local.logEndOffset()));
            if (clamped > highWatermark) {
                highWatermark = clamped;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends batches from a producer: checks each batch, assigns offsets from the log end, stamps the leader
     * epoch (and the append time under LogAppendTime), writes. Nothing is written unless every batch passes.
     *
     * @param records     one or more whole batches as a producer built them (base offset 0); patched in place
     * @param leaderEpoch the epoch of this broker's leadership, stamped on every batch
     * @throws TributaryException CORRUPT_MESSAGE (bad length, magic or CRC), INVALID_RECORD (a non-zero base offset),
     *     MESSAGE_TOO_LARGE (over max.message.bytes or segment.bytes); STORAGE_ERROR when the disk fails
     */
    public LogAppendInfo appendAsLeader(ByteBuffer records, int leaderEpoch) {
        LogConfig cfg = local.config();
        BatchValidator.Validated v = BatchValidator.forLeader(topicPartition, records, cfg);
        lock.lock();
        LogAppendInfo info;
        try {
            ensureOpen();
            if (v.hasProducerIds()) {
                List<RecordBatch> batches = new ArrayList<>();
                RecordBatch.iterate(records).forEach(batches::add);
                ProducerStateManager.BatchMetadata original = producerState.checkLeaderAppend(batches);
                if (original != null) {
                    return new LogAppendInfo(original.firstOffset(), original.lastOffset(), v.recordCount(),
                            RecordBatch.NO_TIMESTAMP, -1L, logStartOffset, 0, true);
                }
            }
            long firstOffset = local.logEndOffset();
            long now = time.milliseconds();
            boolean logAppendTime = cfg.timestampType() == TimestampType.LOG_APPEND_TIME;
            long offset = firstOffset;
            long maxTimestamp = RecordBatch.NO_TIMESTAMP;
            for (RecordBatch batch : RecordBatch.iterate(records)) {
                batch.setBaseOffset(offset);
                batch.setLeaderEpoch(leaderEpoch);
                if (logAppendTime) {
                    batch.setLogAppendTime(now);
                }
                maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
                offset = batch.nextOffset();
            }
            long lastOffset = offset - 1;
            write(records, lastOffset, now);
            epochCache.assign(leaderEpoch, firstOffset);
            if (v.hasProducerIds()) {
                for (RecordBatch batch : RecordBatch.iterate(records)) {
                    producerState.update(batch, now);
                }
            }
            info = new LogAppendInfo(firstOffset, lastOffset, v.recordCount(), maxTimestamp,
                    logAppendTime ? now : -1L, logStartOffset, v.bytes(), false);
        } finally {
            lock.unlock();
        }
        maybeFlushByCount(cfg);
        return info;
    }

    /**
     * Appends batches copied from the leader, offsets and epochs as they are. Each batch must start at or after
     * the log end and offsets must increase.
     *
     * @throws TributaryException CORRUPT_MESSAGE for damaged batches, INVALID_RECORD for offsets that do not follow
     */
    public LogAppendInfo appendAsFollower(ByteBuffer records) {
        LogConfig cfg = local.config();
        BatchValidator.Validated v = BatchValidator.forFollower(topicPartition, records, cfg);
        lock.lock();
        LogAppendInfo info;
        try {
            ensureOpen();
            long expected = local.logEndOffset();
            long firstOffset = -1;
            long maxTimestamp = RecordBatch.NO_TIMESTAMP;
            long lastOffset = expected - 1;
            for (RecordBatch batch : RecordBatch.iterate(records)) {
                if (batch.baseOffset() < expected) {
                    throw new TributaryException(ErrorCode.INVALID_RECORD, "batch at offset " + batch.baseOffset()
                            + " does not follow offset " + (expected - 1) + " of " + topicPartition);
                }
                if (firstOffset < 0) {
                    firstOffset = batch.baseOffset();
                }
                maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
                lastOffset = batch.lastOffset();
                expected = batch.nextOffset();
            }
            long now = time.milliseconds();
            write(records, lastOffset, now);
            for (RecordBatch batch : RecordBatch.iterate(records)) {
                epochCache.assign(batch.leaderEpoch(), batch.baseOffset());
                producerState.update(batch, batch.maxTimestamp());
            }
            info = new LogAppendInfo(firstOffset, lastOffset, v.recordCount(), maxTimestamp, -1L, logStartOffset, v.bytes(), false);
        } finally {
            lock.unlock();
        }
        maybeFlushByCount(cfg);
        return info;
    }

    /** Writes validated, offset-stamped batches to the active segment (rolling first if needed). Holds the lock. */
    private void write(ByteBuffer records, long lastOffset, long nowMs) {
        assert lock.isHeldByCurrentThread() : "appends must hold the log lock (single writer)";
        try {
            if (local.shouldRoll(records.remaining(), lastOffset, nowMs)) {
                rollLocked();
            }
            local.append(records, lastOffset, nowMs);
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot write to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Starts a new segment at the log end (no-op when the active segment is empty). */
    public void roll() {
        lock.lock();
        try {
            ensureOpen();
            rollLocked();
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot roll " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void rollLocked() throws IOException {
        assert lock.isHeldByCurrentThread() : "rolls must hold the log lock (single writer)";
        if (!local.roll()) {
            return;
        }
        long newBase = local.logEndOffset();
        // Recovery after a crash replays producer state from the newest snapshot: one per segment bounds the replay.
        producerState.takeSnapshot(newBase);
        // The rolled segment will never change again: fsync it off the append path, moving the recovery point.
        runInBackground(() -> flushSegments(newBase));
    }

    /**
     * Reads whole batches starting with the one holding {@code startOffset}.
     *
     * @param maxBytes          byte budget of the result
     * @param maxOffset         read no batch starting at or above this offset (the high watermark for consumers,
     *                          the log end for followers)
     * @param minOneBatch       return the first batch even if it alone exceeds {@code maxBytes}
     * @throws OffsetOutOfRangeException when {@code startOffset} is below the log start or above the log end
     */
    public LogReadInfo read(long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) {
        // A segment the cleaner replaced may be closed under a read when file.delete.delay.ms is 0: the offsets are
        // still in the log, in the cleaned segment now in the map, so the read is retried a bounded number of times.
        for (int attempt = 1; ; attempt++) {
            try {
                return readOnce(startOffset, maxBytes, maxOffset, minOneBatch);
            } catch (ClosedChannelException e) {
                if (startOffset < logStartOffset || attempt >= MAX_READ_ATTEMPTS || closed) {
                    // Retention or truncation removed the segment under us: report the range as it is now.
                    throw new OffsetOutOfRangeException(topicPartition.toString(), startOffset, logStartOffset,
                            local.logEndOffset());
                }
            }
        }
    }

    private LogReadInfo readOnce(long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) throws ClosedChannelException {
        LogEndPosition endSnapshot = local.end();
        long start = logStartOffset;
        long hw = highWatermark;
        if (startOffset < start || startOffset > endSnapshot.offset()) {
            throw new OffsetOutOfRangeException(topicPartition.toString(), startOffset, start, endSnapshot.offset());
        }
        long limitOffset = Math.min(maxOffset, endSnapshot.offset());
        if (startOffset >= limitOffset || maxBytes < 0) {
            return LogReadInfo.empty(start, endSnapshot.offset(), hw);
        }
        LogReadInfo read;
        try {
            read = local.read(startOffset, maxBytes, limitOffset, endSnapshot, minOneBatch, start, hw);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot read " + dir + ": " + e.getMessage(), e);
        }
        if (read != null) {
            return read;
        }
        if (startOffset < logStartOffset) {
            throw new OffsetOutOfRangeException(topicPartition.toString(), startOffset, logStartOffset, local.logEndOffset());
        }
        return LogReadInfo.empty(start, endSnapshot.offset(), hw);
    }

    /**
     * The first record whose timestamp is at or after {@code timestamp}: its offset and timestamp, or empty when
     * no record is that new.
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        try {
            return local.offsetForTimestamp(timestamp, logStartOffset);
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot search " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes whole segments that retention no longer keeps: those whose newest record is older than
     * {@code retention.ms}, then the oldest while the log exceeds {@code retention.bytes}. Only segments entirely
     * below the high watermark are eligible. Advances the log start offset.
     *
     * @return the number of segments deleted
     */
    public int deleteOldSegments() {
        lock.lock();
        try {
            ensureOpen();
            LogConfig cfg = local.config();
            long now = time.milliseconds();
            producerState.removeExpired(now, cfg.producerIdExpirationMs());
            if (!cfg.delete()) {
                return 0; // cleanup.policy=compact: the cleaner, not retention, bounds this log
            }
            List<Segment> toDelete = new ArrayList<>();
            long totalSize = sizeInBytes();
            List<Segment> ordered = new ArrayList<>(segments.all());
            for (int i = 0; i < ordered.size(); i++) {
                Segment s = ordered.get(i);
                boolean isActive = i == ordered.size() - 1;
                long segmentEnd = isActive ? local.logEndOffset() : ordered.get(i + 1).baseOffset();
                // An empty inactive segment (the cleaner may leave one) expires by its file time like any other.
                if ((isActive && s.size() == 0) || segmentEnd > highWatermark) {
                    break;
                }
                boolean expired = cfg.retentionMs() >= 0 && s.largestTimestampOrModified() < now - cfg.retentionMs();
                boolean overSize = !isActive && cfg.retentionBytes() >= 0 && totalSize - s.size() >= cfg.retentionBytes();
                if (!expired && !overSize) {
                    break;
                }
                toDelete.add(s);
                totalSize -= s.size();
            }
            if (toDelete.isEmpty()) {
                return 0;
            }
            if (toDelete.get(toDelete.size() - 1) == segments.active()) {
                // Every segment expired: roll so the log keeps an active segment at its end offset.
                rollLocked();
            }
            generation++;
            local.removeOldest(toDelete);
            logStartOffset = segments.firstBaseOffset();
            cleanerCheckpoint = Math.max(cleanerCheckpoint, logStartOffset);
            epochCache.truncateFromStart(logStartOffset);
            producerState.deleteSnapshotsBelow(logStartOffset);
            log.info("{}: retention deleted {} segment(s); log start offset is now {}", topicPartition, toDelete.size(), logStartOffset);
            return toDelete.size();
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "retention failed in " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes every record at or above {@code offset} (a follower dropping a divergent suffix). Truncation cuts at
     * batch boundaries: a batch holding {@code offset} goes entirely. The epoch history, high watermark and recovery
     * point follow.
     */
    public void truncateTo(long offset) {
        lock.lock();
        try {
            ensureOpen();
            if (offset >= local.logEndOffset()) {
                return;
            }
            if (offset < logStartOffset) {
                truncateFullyAndStartAtLocked(offset);
                return;
            }
            generation++;
            long newEnd = local.truncateTo(offset);
            epochCache.truncateFromEnd(newEnd);
            highWatermark = Math.min(highWatermark, newEnd);
            // Records that replace the truncated ones were never compacted: the next pass must see them.
            cleanerCheckpoint = Math.min(cleanerCheckpoint, newEnd);
            rebuildProducerState();
            log.info("{}: truncated to offset {} (log end now {})", topicPartition, offset, newEnd);
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot truncate " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Deletes everything and restarts the log, empty, at {@code offset} (a follower far behind a leader's log start). */
    public void truncateFullyAndStartAt(long offset) {
        lock.lock();
        try {
            ensureOpen();
            truncateFullyAndStartAtLocked(offset);
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot reset " + dir + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void truncateFullyAndStartAtLocked(long offset) throws IOException {
        generation++;
        local.truncateFullyAndStartAt(offset);
        logStartOffset = offset;
        highWatermark = offset;
        cleanerCheckpoint = offset;
        epochCache.clear();
        producerState.clear();
        producerState.deleteAllSnapshots();
        log.info("{}: truncated fully; log restarts at offset {}", topicPartition, offset);
    }

    /**
     * Captures what the log cleaner may compact now (see {@link CleaningSnapshot}): the inactive segments whose
     * every offset is below both the active segment and the high watermark (a record above the high watermark may
     * still be truncated away, and the older record it would supersede must then survive), stopping at the first
     * segment holding a record younger than {@code min.compaction.lag.ms}.
     */
    CleaningSnapshot snapshotForCleaning(long nowMs) {
        lock.lock();
        try {
            ensureOpen();
            LogConfig cfg = local.config();
            List<Segment> ordered = new ArrayList<>(segments.all());
            long bound = Math.min(highWatermark, ordered.get(ordered.size() - 1).baseOffset());
            List<CleaningSnapshot.CleanableSegment> cleanable = new ArrayList<>();
            for (int i = 0; i < ordered.size() - 1; i++) {
                Segment s = ordered.get(i);
                long next = ordered.get(i + 1).baseOffset();
                if (next > bound || (cfg.minCompactionLagMs() > 0 && s.maxTimestamp() > nowMs - cfg.minCompactionLagMs())) {
                    break;
                }
                cleanable.add(new CleaningSnapshot.CleanableSegment(s, next, s.size(), s.offsetIndexSizeInBytes(),
                        s.timeIndexSizeInBytes(), s.rollingBasedTimestamp()));
            }
            return new CleaningSnapshot(topicPartition, dir, cfg, generation, logStartOffset,
                    Math.max(logStartOffset, cleanerCheckpoint), cleanable, producerState.lastBatchOffsets());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Swaps a cleaned segment in for the consecutive segments it was compacted from. The steps keep a crash at any
     * point recoverable: the cleaned files are renamed {@code .cleaned} → {@code .swap} (the commit point: a load
     * finishes the swap from here, see {@link #completeSwap}), the sources are renamed {@code .deleted}, the swap
     * files take their final names. Readers see no gap: the cleaned segment replaces the first source in the map in
     * one step, then the others leave, so every offset is always found in either the old or the new data, and a
     * reader still holding a source finishes before its delayed deletion.
     *
     * @param cleaned a flushed, inactive segment with {@code .cleaned} files, based at the first source's base offset
     * @return false, changing nothing, when retention, truncation or close changed the log since {@code snapshot}
     */
    boolean replaceSegments(CleaningSnapshot snapshot, List<Segment> sources, Segment cleaned) throws IOException {
        lock.lock();
        try {
            if (closed || generation != snapshot.generation()) {
                return false;
            }
            for (Segment s : sources) {
                if (segments.get(s.baseOffset()) != s) {
                    return false;
                }
            }
            if (sources.isEmpty() || cleaned.baseOffset() != sources.get(0).baseOffset()) {
                throw new IllegalArgumentException("cleaned " + cleaned + " must take the place of the first of " + sources);
            }
            local.replaceSegments(sources, cleaned);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether retention, truncation or close changed the log's segments since {@code snapshot} was taken. */
    boolean changedSince(CleaningSnapshot snapshot) {
        lock.lock();
        try {
            return closed || generation != snapshot.generation();
        } finally {
            lock.unlock();
        }
    }

    /** Records where the cleaner's pass ended; the next pass treats records from there on as dirty. */
    void updateCleanerCheckpoint(CleaningSnapshot snapshot, long offset) {
        lock.lock();
        try {
            if (!closed && generation == snapshot.generation()) {
                cleanerCheckpoint = Math.max(logStartOffset, Math.min(offset, local.logEndOffset()));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * fsyncs everything below {@code offset} (clamped to the log end) and moves the recovery point there. Runs
     * without the log lock so appends continue while the disk syncs.
     */
    public void flush(long offset) {
        long target = Math.min(offset, local.logEndOffset());
        if (target <= local.recoveryPoint()) {
            return;
        }
        try {
            flushSegments(target);
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot flush " + dir + ": " + e.getMessage(), e);
        }
    }

    public void flush() {
        flush(local.logEndOffset());
    }

    private void flushSegments(long target) throws IOException {
        local.fsyncBelow(target);
        lock.lock();
        try {
            local.markFlushed(target);
        } finally {
            lock.unlock();
        }
    }

    private void maybeFlushByCount(LogConfig cfg) {
        if (local.logEndOffset() - local.recoveryPoint() >= cfg.flushMessages()) {
            flush();
        }
    }

    /** Flushes when {@code flush.ms} has passed since the last flush and there is something to flush. */
    public void maybeFlushByTime() {
        LogConfig cfg = local.config();
        if (cfg.flushMs() != Long.MAX_VALUE && local.recoveryPoint() < local.logEndOffset()
                && time.milliseconds() - local.lastFlushTimeMs() >= cfg.flushMs()) {
            flush();
        }
    }

    private void runInBackground(IoTask task) {
        Runnable r = () -> {
            try {
                task.run();
            } catch (ClosedChannelException closed) {
                // The log was closed or the segment deleted meanwhile.
            } catch (IOException e) {
                log.warn("{}: background flush failed: {}", topicPartition, e.toString());
            }
        };
        if (scheduler == null) {
            r.run();
        } else {
            scheduler.execute(r);
        }
    }

    @FunctionalInterface
    private interface IoTask {
        void run() throws IOException;
    }

    private void ensureOpen() {
        if (closed) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "log " + topicPartition + " is closed");
        }
    }

    /** Flushes and closes every segment; the log cannot be used afterwards. */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            flushSegments(local.logEndOffset());
            producerState.takeSnapshot(local.logEndOffset());
            closed = true;
            generation++;
            local.close();
        } finally {
            lock.unlock();
        }
    }

    /** Closes the log and deletes its directory. */
    public void delete() throws IOException {
        lock.lock();
        try {
            closed = true;
            generation++;
            local.deleteAll();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + local.logEndOffset()
                + ", hw=" + highWatermark + ", segments=" + segments.size() + ")";
    }
}
