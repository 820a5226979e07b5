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
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The log of one partition: its ordered segments, the leader-epoch history, and the offsets that bound it (log
 * start, high watermark, log end).
 *
 * <h2>Concurrency</h2>
 * <ul>
 *   <li><b>Single writer.</b> Appends, rolls, truncation, retention and close take {@link #lock}; callers may come
 *       from several threads but the lock makes them one writer at a time.</li>
 *   <li><b>Lock-free readers.</b> {@link #read}, {@link #offsetForTimestamp} and the offset getters take no lock.
 *       The writer writes a batch's bytes and index entries first and only then publishes the new end through the
 *       volatile {@link #end}; a reader snapshots {@code end} and never reads past it, so it never sees a partial
 *       batch, and sees batches in offset order.</li>
 *   <li>Segments removed by retention or truncation, or replaced by the log cleaner, are renamed and deleted
 *       after {@code file.delete.delay.ms}, so a read already holding them finishes.</li>
 *   <li><b>The log cleaner</b> reads inactive segments below the high watermark without the lock (they never
 *       change), writes their compacted copy aside, and takes the lock only to swap it in
 *       ({@link #replaceSegments}), after checking that retention, truncation or close did not change the log
 *       meanwhile (the {@link #generation}).</li>
 * </ul>
 * Lock order: this log's {@link #lock}, then an index's own lock (taken inside index calls). Nothing else.
 */
public final class PartitionLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    /** Reads retried after a cleaner swap closed their segment: one retry finds the new one; three bound bad luck. */
    private static final int MAX_READ_ATTEMPTS = 3;

    private final TopicPartition topicPartition;
    private final Path dir;
    private final Time time;
    /** Runs delayed segment deletion and post-roll flushes; null runs them inline (tests, tools). */
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
    private final LeaderEpochCache epochCache;
    private final ProducerStateManager producerState;

    private volatile LogConfig config;
    private volatile LogEndPosition end;
    private volatile long logStartOffset;
    private volatile long highWatermark;
    /** Every offset below this is fsynced; recovery after a crash starts from its segment. */
    private volatile long recoveryPoint;
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
    private volatile long lastFlushTimeMs;
    private volatile boolean closed;

    private PartitionLog(TopicPartition topicPartition, Path dir, LogConfig config, Time time,
                         ScheduledExecutorService scheduler, LeaderEpochCache epochCache) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        this.time = time;
        this.scheduler = scheduler;
        this.epochCache = epochCache;
        this.producerState = new ProducerStateManager(dir);
        this.lastFlushTimeMs = time.milliseconds();
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
        SegmentFiles.Listing listing = SegmentFiles.cleanAndList(dir);
        LeaderEpochCache cache = LeaderEpochCache.load(dir);
        boolean rebuildEpochs = cache == null;
        PartitionLog plog = new PartitionLog(topicPartition, dir, config, time, scheduler,
                rebuildEpochs ? LeaderEpochCache.empty(dir) : cache);
        try {
            plog.loadSegments(listing, recoveryPoint, needsRecovery);
            if (rebuildEpochs) {
                plog.rebuildEpochCacheFromLog();
            }
            plog.rebuildProducerState();
        } catch (IOException | RuntimeException e) {
            plog.closeQuietly();
            throw e;
        }
        return plog;
    }

    private void loadSegments(SegmentFiles.Listing listing, long recoveryPointHint, boolean needsRecovery) throws IOException {
        TreeSet<Long> baseOffsets = listing.baseOffsets();
        if (baseOffsets.isEmpty()) {
            baseOffsets.add(0L);
        }
        long last = baseOffsets.last();
        // Recovery starts at the segment holding the recovery point: everything before it was fsynced.
        Long recoverFrom = needsRecovery ? baseOffsets.floor(Math.max(recoveryPointHint, baseOffsets.first())) : null;
        boolean truncatedTail = false;
        for (long base : baseOffsets) {
            if (truncatedTail) {
                log.warn("{}: deleting segment {} after a recovery truncation before it", topicPartition, base);
                Files.deleteIfExists(Segment.logFile(dir, base));
                Files.deleteIfExists(dir.resolve(Segment.fileName(base, Segment.INDEX_SUFFIX)));
                Files.deleteIfExists(dir.resolve(Segment.fileName(base, Segment.TIME_INDEX_SUFFIX)));
                continue;
            }
            Segment segment = Segment.open(dir, base, config, base == last);
            segments.put(base, segment);
            if ((recoverFrom != null && base >= recoverFrom) || listing.mustRecover().contains(base)) {
                int truncated = segment.recover();
                if (truncated > 0) {
                    log.warn("{}: recovery truncated {} invalid bytes at the end of segment {}", topicPartition, truncated, base);
                    truncatedTail = base != last;
                }
            } else if (segment.loadIndexes()) {
                log.warn("{}: rebuilt missing or corrupt index files of segment {}", topicPartition, base);
            }
        }
        Segment active = segments.lastEntry().getValue();
        if (truncatedTail) {
            // The segment that lost its tail is now the last one and takes appends again.
            active.onBecomeActive();
        }
        long nextOffset = active.readNextOffset();
        end = new LogEndPosition(nextOffset, active.baseOffset(), active.size());
        logStartOffset = segments.firstKey();
        cleanerCheckpoint = logStartOffset;
        // Nothing is known committed until the partition's leader says so (a single-replica leader moves it to its log
        // end at once); starting at the log end could show consumers records a new leader does not have.
        highWatermark = logStartOffset;
        recoveryPoint = needsRecovery ? nextOffset : Math.min(Math.max(recoveryPointHint, logStartOffset), nextOffset);
        if (needsRecovery) {
            flushSegments(logStartOffset);
        }
        epochCache.truncateFromEnd(nextOffset);
        epochCache.truncateFromStart(logStartOffset);
    }

    private void rebuildEpochCacheFromLog() throws IOException {
        for (Segment s : segments.values()) {
            s.forEachBatchHeader(h -> epochCache.assign(h.leaderEpoch(), h.baseOffset()));
        }
        epochCache.persistNow();
    }

    /**
     * Loads the newest producer snapshot at or below the log end and replays the batch headers after it; with no
     * snapshot, replays the whole log. Caller holds the lock or has not published the log yet.
     */
    private void rebuildProducerState() throws IOException {
        long end = this.end.offset();
        long loaded = producerState.loadLatestSnapshot(end);
        long from = loaded < 0 ? logStartOffset : loaded;
        Long firstBase = segments.floorKey(from);
        for (Segment s : segments.tailMap(firstBase == null ? Long.MIN_VALUE : firstBase, true).values()) {
            s.forEachBatchHeader(h -> {
                if (h.baseOffset() >= from) {
                    producerState.update(h);
                }
            });
        }
    }

    /** Idempotent producers known to this partition, by id: their epoch (for tests and tools). */
    public java.util.Map<Long, Short> producerEpochs() {
        lock.lock();
        try {
            java.util.Map<Long, Short> m = new java.util.HashMap<>();
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
        return config;
    }

    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return end.offset();
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long recoveryPoint() {
        return recoveryPoint;
    }

    /** Where the log cleaner's next pass starts: records below were compacted at least once. */
    public long cleanerCheckpoint() {
        return cleanerCheckpoint;
    }

    /** Sets the cleaner's position read from {@code cleaner-offset-checkpoint} at load, clamped to the log. */
    void initCleanerCheckpoint(long offset) {
        lock.lock();
        try {
            cleanerCheckpoint = Math.max(logStartOffset, Math.min(offset, end.offset()));
        } finally {
            lock.unlock();
        }
    }

    public long lastFlushTimeMs() {
        return lastFlushTimeMs;
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
        return List.copyOf(segments.keySet());
    }

    public long sizeInBytes() {
        long total = 0;
        for (Segment s : segments.values()) {
            total += s.size();
        }
        return total;
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
            long clamped = Math.max(logStartOffset, Math.min(offset, end.offset()));
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
        LogConfig cfg = config;
        Validated v = validate(records, cfg.maxMessageBytes(), cfg, true);
        lock.lock();
        LogAppendInfo info;
        try {
            ensureOpen();
            if (v.hasProducerIds) {
                List<RecordBatch> batches = new ArrayList<>();
                RecordBatch.iterate(records).forEach(batches::add);
                ProducerStateManager.BatchMetadata original = producerState.checkLeaderAppend(batches);
                if (original != null) {
                    return new LogAppendInfo(original.firstOffset(), original.lastOffset(), v.recordCount,
                            RecordBatch.NO_TIMESTAMP, -1L, logStartOffset, 0, true);
                }
            }
            long firstOffset = end.offset();
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
            if (v.hasProducerIds) {
                for (RecordBatch batch : RecordBatch.iterate(records)) {
                    producerState.update(batch, now);
                }
            }
            info = new LogAppendInfo(firstOffset, lastOffset, v.recordCount, maxTimestamp,
                    logAppendTime ? now : -1L, logStartOffset, v.bytes, false);
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
        LogConfig cfg = config;
        // The leader already applied max.message.bytes under its config; a follower must not refuse what it accepted.
        Validated v = validate(records, Integer.MAX_VALUE, cfg, false);
        lock.lock();
        LogAppendInfo info;
        try {
            ensureOpen();
            long expected = end.offset();
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
            info = new LogAppendInfo(firstOffset, lastOffset, v.recordCount, maxTimestamp, -1L, logStartOffset, v.bytes, false);
        } finally {
            lock.unlock();
        }
        maybeFlushByCount(cfg);
        return info;
    }

    private record Validated(int recordCount, int bytes, boolean hasProducerIds) {
    }

    private Validated validate(ByteBuffer records, int maxBatchBytes, LogConfig cfg, boolean fromProducer) {
        if (!records.hasRemaining()) {
            throw new TributaryException(ErrorCode.INVALID_RECORD, "no record batches to append to " + topicPartition);
        }
        int bytes = records.remaining();
        if (bytes > cfg.segmentBytes()) {
            throw new TributaryException(ErrorCode.MESSAGE_TOO_LARGE, bytes + " bytes of batches exceed segment.bytes "
                    + cfg.segmentBytes() + " of " + topicPartition);
        }
        int count = 0;
        boolean producerIds = false;
        for (RecordBatch batch : RecordBatch.iterate(records)) {
            batch.ensureValid(maxBatchBytes);
            producerIds |= batch.hasProducerId();
            if (fromProducer) {
                validateProducerBatch(batch, cfg);
            }
            count += batch.recordCount();
        }
        return new Validated(count, bytes, producerIds);
    }

    /** What only a producer's batch must satisfy: stored batches may be compacted, a producer's may not. */
    private void validateProducerBatch(RecordBatch batch, LogConfig cfg) {
        if (batch.baseOffset() != 0) {
            throw new TributaryException(ErrorCode.INVALID_RECORD, "a producer batch must have base offset 0, got "
                    + batch.baseOffset() + "; offsets are assigned by the broker");
        }
        if (batch.recordCount() < 1 || batch.recordCount() != batch.lastOffsetDelta() + 1L || batch.hasDeleteHorizon()) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "a producer batch holds one record per offset and no "
                    + "delete horizon; got " + batch.recordCount() + " record(s) for last_offset_delta "
                    + batch.lastOffsetDelta() + (batch.hasDeleteHorizon() ? " with a delete horizon" : ""));
        }
        if (cfg.compact()) {
            // Only compacted topics pay for decoding on produce: compaction works by key, so a keyless record
            // could never be compacted away (Kafka refuses it the same way).
            for (io.tributary.api.v1.Record r : batch.decodeRecords().getRecordsList()) {
                if (!r.hasKey()) {
                    throw new TributaryException(ErrorCode.INVALID_RECORD, "compacted topic " + topicPartition.topic()
                            + " (cleanup.policy=" + cfg.cleanupPolicy().configValue() + ") cannot accept a record without a key");
                }
            }
        }
    }

    /** Writes validated, offset-stamped batches to the active segment (rolling first if needed). Holds the lock. */
    private void write(ByteBuffer records, long lastOffset, long nowMs) {
        assert lock.isHeldByCurrentThread() : "appends must hold the log lock (single writer)";
        try {
            Segment segment = maybeRoll(records.remaining(), lastOffset, nowMs);
            segment.append(records, nowMs);
            end = new LogEndPosition(lastOffset + 1, segment.baseOffset(), segment.size());
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot write to " + dir + ": " + e.getMessage(), e);
        }
    }

    private Segment maybeRoll(int bytes, long lastOffset, long nowMs) throws IOException {
        Segment active = segments.lastEntry().getValue();
        LogConfig cfg = config;
        boolean nonEmpty = active.size() > 0;
        boolean full = nonEmpty && (long) active.size() + bytes > cfg.segmentBytes();
        // The cleaner never touches the active segment, so a compacted log rolls by max.compaction.lag.ms too.
        long rollMs = cfg.compact() ? Math.min(cfg.segmentMs(), cfg.maxCompactionLagMs()) : cfg.segmentMs();
        boolean old = nonEmpty && active.rollingBasedTimestamp() >= 0 && nowMs - active.rollingBasedTimestamp() > rollMs;
        boolean indexFull = active.indexesFull();
        boolean offsetOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || indexFull || offsetOverflow) {
            log.debug("{}: rolling segment {} (full={}, old={}, indexFull={}, offsetOverflow={})",
                    topicPartition, active.baseOffset(), full, old, indexFull, offsetOverflow);
            return rollLocked();
        }
        return active;
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

    private Segment rollLocked() throws IOException {
        assert lock.isHeldByCurrentThread() : "rolls must hold the log lock (single writer)";
        Segment active = segments.lastEntry().getValue();
        long newBase = end.offset();
        if (active.size() == 0 && active.baseOffset() == newBase) {
            return active;
        }
        Segment fresh = Segment.open(dir, newBase, config, true);
        active.onBecomeInactive();
        segments.put(newBase, fresh);
        end = new LogEndPosition(newBase, newBase, 0);
        // Recovery after a crash replays producer state from the newest snapshot: one per segment bounds the replay.
        producerState.takeSnapshot(newBase);
        // The rolled segment will never change again: fsync it off the append path, moving the recovery point.
        runInBackground(() -> flushSegments(newBase));
        return fresh;
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
                    throw new OffsetOutOfRangeException(topicPartition.toString(), startOffset, logStartOffset, end.offset());
                }
            }
        }
    }

    private LogReadInfo readOnce(long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) throws ClosedChannelException {
        LogEndPosition endSnapshot = end;
        long start = logStartOffset;
        long hw = highWatermark;
        if (startOffset < start || startOffset > endSnapshot.offset()) {
            throw new OffsetOutOfRangeException(topicPartition.toString(), startOffset, start, endSnapshot.offset());
        }
        long limitOffset = Math.min(maxOffset, endSnapshot.offset());
        if (startOffset >= limitOffset || maxBytes < 0) {
            return new LogReadInfo(ByteBuffer.allocate(0), start, endSnapshot.offset(), hw);
        }
        Map.Entry<Long, Segment> entry = segments.floorEntry(startOffset);
        try {
            while (entry != null && entry.getKey() <= endSnapshot.segmentBaseOffset()) {
                Segment segment = entry.getValue();
                int maxPosition = segment.baseOffset() == endSnapshot.segmentBaseOffset() ? endSnapshot.position() : segment.size();
                ByteBuffer batches = segment.read(startOffset, maxBytes, maxPosition, minOneBatch);
                if (batches != null) {
                    return new LogReadInfo(cutAt(batches, limitOffset), start, endSnapshot.offset(), hw);
                }
                entry = segments.higherEntry(entry.getKey());
            }
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot read " + dir + ": " + e.getMessage(), e);
        }
        if (startOffset < logStartOffset) {
            throw new OffsetOutOfRangeException(topicPartition.toString(), startOffset, logStartOffset, end.offset());
        }
        return new LogReadInfo(ByteBuffer.allocate(0), start, endSnapshot.offset(), hw);
    }

    /** Drops batches that start at or above {@code limitOffset}: consumers must not see past the high watermark. */
    private static ByteBuffer cutAt(ByteBuffer batches, long limitOffset) {
        int position = batches.position();
        while (position < batches.limit()) {
            if (batches.getLong(position + RecordBatch.BASE_OFFSET_OFFSET) >= limitOffset) {
                break;
            }
            position += RecordBatch.sizeInBytes(batches, position);
        }
        return batches.limit(position);
    }

    /**
     * The first record whose timestamp is at or after {@code timestamp}: its offset and timestamp, or empty when
     * no record is that new.
     */
    public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
        long start = logStartOffset;
        try {
            for (Segment segment : segments.values()) {
                if (segment.maxTimestamp() < timestamp) {
                    continue;
                }
                Optional<TimestampAndOffset> found = segment.findOffsetByTimestamp(timestamp, start);
                if (found.isPresent()) {
                    return found;
                }
            }
            return Optional.empty();
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
            LogConfig cfg = config;
            long now = time.milliseconds();
            producerState.removeExpired(now, cfg.producerIdExpirationMs());
            if (!cfg.delete()) {
                return 0; // cleanup.policy=compact: the cleaner, not retention, bounds this log
            }
            List<Segment> toDelete = new ArrayList<>();
            long totalSize = sizeInBytes();
            List<Segment> ordered = new ArrayList<>(segments.values());
            for (int i = 0; i < ordered.size(); i++) {
                Segment s = ordered.get(i);
                boolean isActive = i == ordered.size() - 1;
                long segmentEnd = isActive ? end.offset() : ordered.get(i + 1).baseOffset();
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
            if (toDelete.get(toDelete.size() - 1) == segments.lastEntry().getValue()) {
                // Every segment expired: roll so the log keeps an active segment at its end offset.
                rollLocked();
            }
            generation++;
            for (Segment s : toDelete) {
                segments.remove(s.baseOffset());
            }
            logStartOffset = segments.firstKey();
            cleanerCheckpoint = Math.max(cleanerCheckpoint, logStartOffset);
            epochCache.truncateFromStart(logStartOffset);
            producerState.deleteSnapshotsBelow(logStartOffset);
            for (Segment s : toDelete) {
                scheduleDeletion(s);
            }
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
            if (offset >= end.offset()) {
                return;
            }
            if (offset < logStartOffset) {
                truncateFullyAndStartAtLocked(offset);
                return;
            }
            generation++;
            List<Segment> removed = new ArrayList<>();
            for (Segment s : segments.tailMap(offset, false).values()) {
                removed.add(s);
            }
            for (Segment s : removed) {
                segments.remove(s.baseOffset());
            }
            Segment active = segments.lastEntry().getValue();
            active.truncateTo(offset);
            if (!removed.isEmpty()) {
                active.onBecomeActive();
            }
            long newEnd = active.readNextOffset();
            end = new LogEndPosition(newEnd, active.baseOffset(), active.size());
            epochCache.truncateFromEnd(newEnd);
            highWatermark = Math.min(highWatermark, newEnd);
            recoveryPoint = Math.min(recoveryPoint, newEnd);
            // Records that replace the truncated ones were never compacted: the next pass must see them.
            cleanerCheckpoint = Math.min(cleanerCheckpoint, newEnd);
            rebuildProducerState();
            for (Segment s : removed) {
                scheduleDeletion(s);
            }
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
        List<Segment> removed = new ArrayList<>(segments.values());
        segments.clear();
        for (Segment s : removed) {
            s.markForDeletion();
        }
        Segment fresh = Segment.open(dir, offset, config, true);
        segments.put(offset, fresh);
        end = new LogEndPosition(offset, offset, 0);
        logStartOffset = offset;
        highWatermark = offset;
        recoveryPoint = offset;
        cleanerCheckpoint = offset;
        epochCache.clear();
        producerState.clear();
        producerState.deleteAllSnapshots();
        for (Segment s : removed) {
            scheduleDeletionOfMarked(s);
        }
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
            LogConfig cfg = config;
            List<Segment> ordered = new ArrayList<>(segments.values());
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
            cleaned.changeFileSuffix(Segment.CLEANED_SUFFIX, Segment.SWAP_SUFFIX);
            CheckpointFile.fsyncDirectory(dir);
            for (Segment s : sources) {
                s.markForDeletion();
            }
            cleaned.changeFileSuffix(Segment.SWAP_SUFFIX, "");
            CheckpointFile.fsyncDirectory(dir);
            segments.put(cleaned.baseOffset(), cleaned);
            for (Segment s : sources) {
                if (s.baseOffset() != cleaned.baseOffset()) {
                    segments.remove(s.baseOffset());
                }
            }
            for (Segment s : sources) {
                scheduleDeletionOfMarked(s);
            }
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
                cleanerCheckpoint = Math.max(logStartOffset, Math.min(offset, end.offset()));
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
        long target = Math.min(offset, end.offset());
        if (target <= recoveryPoint) {
            return;
        }
        try {
            flushSegments(target);
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot flush " + dir + ": " + e.getMessage(), e);
        }
    }

    public void flush() {
        flush(end.offset());
    }

    private void flushSegments(long target) throws IOException {
        long from = recoveryPoint;
        Long firstBase = segments.floorKey(from);
        for (Segment s : segments.tailMap(firstBase == null ? Long.MIN_VALUE : firstBase, true).values()) {
            if (s.baseOffset() >= target) {
                break;
            }
            try {
                s.flush();
            } catch (ClosedChannelException deletedMeanwhile) {
                // Retention or truncation removed it; nothing of it needs to be durable.
            }
        }
        lock.lock();
        try {
            if (target > recoveryPoint && target <= end.offset()) {
                recoveryPoint = target;
            }
        } finally {
            lock.unlock();
        }
        lastFlushTimeMs = time.milliseconds();
    }

    private void maybeFlushByCount(LogConfig cfg) {
        if (end.offset() - recoveryPoint >= cfg.flushMessages()) {
            flush();
        }
    }

    /** Flushes when {@code flush.ms} has passed since the last flush and there is something to flush. */
    public void maybeFlushByTime() {
        LogConfig cfg = config;
        if (cfg.flushMs() != Long.MAX_VALUE && recoveryPoint < end.offset()
                && time.milliseconds() - lastFlushTimeMs >= cfg.flushMs()) {
            flush();
        }
    }

    private void scheduleDeletion(Segment s) throws IOException {
        s.markForDeletion();
        scheduleDeletionOfMarked(s);
    }

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
            flushSegments(end.offset());
            producerState.takeSnapshot(end.offset());
            closed = true;
            generation++;
            for (Segment s : segments.values()) {
                s.close();
            }
        } finally {
            lock.unlock();
        }
    }

    private void closeQuietly() {
        for (Segment s : segments.values()) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Already failing; the original exception is what the caller needs.
            }
        }
    }

    /** Closes the log and deletes its directory. */
    public void delete() throws IOException {
        lock.lock();
        try {
            closed = true;
            generation++;
            for (Segment s : segments.values()) {
                s.closeAndDelete();
            }
            segments.clear();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + end.offset()
                + ", hw=" + highWatermark + ", segments=" + segments.size() + ")";
    }
}
