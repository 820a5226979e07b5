package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBodies;
import io.tributary.api.v1.Record;
import io.tributary.broker.common.Time;
import io.tributary.broker.log.CleaningSnapshot.CleanableSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Compacts one log per call ({@link #clean}), Kafka's way:
 * <ol>
 *   <li><b>Snapshot</b> the cleanable segments (inactive, below the high watermark, see
 *       {@link PartitionLog#snapshotForCleaning}); the dirty section runs from the log's cleaner checkpoint to their
 *       end.</li>
 *   <li><b>Map</b> every key of the dirty section to its newest offset in the bounded {@link OffsetMap}. When the
 *       map fills, the pass stops at that batch: it compacts a prefix and the next pass continues from there.</li>
 *   <li><b>Rewrite</b> every segment from the log start to the end of the mapped range, in groups whose sum stays
 *       within {@code segment.bytes} and {@code segment.index.bytes}, keeping a record unless the map holds a newer
 *       offset for its key, or it has no key (invalid on a compacted topic), or it is a tombstone whose delete horizon
 *       has passed. A tombstone kept for the first time gets a horizon of now + {@code delete.retention.ms} in its
 *       batch header. Offsets never change; a batch that loses records is rebuilt around the survivors
 *       ({@link CompactedBatches}); the newest batch of each idempotent producer is kept even when empty.</li>
 *   <li><b>Swap</b> each group's cleaned segment in, oldest group first ({@link PartitionLog#replaceSegments}), then
 *       advance the cleaner checkpoint to the end of the mapped range.</li>
 * </ol>
 * Oldest-first matters for crash safety: a group's swap may drop a tombstone only once every older record of its
 * key is already gone, and those records can only sit in older groups.
 *
 * <p>Not thread-safe: one per cleaner thread; it owns its offset map (allocated at the first pass, so a broker with no
 * compacted log never pays for it) and its read and write buffers.
 */
final class Cleaner {
    private static final Logger log = LoggerFactory.getLogger(Cleaner.class);

    /** Throws {@link CleaningAbortedException} when the cleaning of {@code tp} must stop (shutdown, log deletion). */
    @FunctionalInterface
    interface AbortCheck {
        void check(TopicPartition tp);
    }

    /** Thrown out of a cleaning that was asked to stop; the log is left as it was before the unfinished group. */
    static final class CleaningAbortedException extends RuntimeException {
        CleaningAbortedException(TopicPartition tp) {
            super("cleaning of " + tp + " aborted", null, false, false);
        }
    }

    /**
     * What a pass did.
     *
     * @param completed       false when nothing was dirty enough, or a concurrent change made the pass give up
     * @param firstDirtyOffset where the pass's map started
     * @param endOffset       where it ended: the new cleaner checkpoint
     */
    record Result(boolean completed, long firstDirtyOffset, long endOffset, int groups, long bytesRead, long bytesWritten,
                  long recordsRemoved, long tombstonesRemoved) {
        static final Result NOTHING_TO_DO = new Result(false, -1, -1, 0, 0, 0, 0, 0);
    }

    @FunctionalInterface
    private interface BatchVisitor {
        /** @return false to stop the iteration */
        boolean visit(RecordBatch batch) throws IOException;
    }

    private final int offsetMapBytes;
    private final ByteBuffer readBuffer;
    private final ByteBuffer writeBuffer;
    private final Throttler throttler;
    private final Time time;
    private final AbortCheck abort;
    private OffsetMap map;

    /**
     * @param offsetMapBytes   this thread's share of {@code log.cleaner.dedupe.buffer.size}
     * @param ioBufferBytes    this thread's share of {@code log.cleaner.io.buffer.size}, split between reads and writes
     */
    Cleaner(int offsetMapBytes, int ioBufferBytes, Throttler throttler, Time time, AbortCheck abort) {
        this.offsetMapBytes = offsetMapBytes;
        int half = Math.max(RecordBatch.HEADER_SIZE, ioBufferBytes / 2);
        this.readBuffer = ByteBuffer.allocate(half);
        this.writeBuffer = ByteBuffer.allocate(half);
        this.throttler = throttler;
        this.time = time;
        this.abort = abort;
    }

    /** Mutable counters of one pass. */
    private static final class Stats {
        long bytesRead;
        long bytesWritten;
        long recordsRemoved;
        long tombstonesRemoved;
        long keylessRemoved;
    }

    /**
     * Compacts {@code plog} once if anything in it is dirty (whatever the dirty ratio: the caller chose the log).
     *
     * @throws CleaningAbortedException when {@link AbortCheck} says stop
     * @throws IOException on disk errors, including {@link java.nio.channels.ClosedChannelException} when the log
     *     was closed or a segment deleted under the pass
     */
    Result clean(PartitionLog plog) throws IOException {
        long startNs = time.nanoseconds();
        long nowMs = time.milliseconds();
        CleaningSnapshot snap = plog.snapshotForCleaning(nowMs);
        if (snap.dirtyBytes() == 0) {
            return Result.NOTHING_TO_DO;
        }
        if (map == null) {
            map = new OffsetMap(offsetMapBytes);
        }
        Stats stats = new Stats();
        try {
            return cleanSnapshot(plog, snap, nowMs, startNs, stats);
        } catch (IOException | RuntimeException e) {
            if (e instanceof CleaningAbortedException || !plog.changedSince(snap)) {
                throw e;
            }
            // Retention, truncation or close pulled a segment from under the pass (closed channel, shorter file):
            // not a failure of this log. The next round starts from a fresh snapshot.
            log.info("{}: compaction gave up: the log changed during the pass ({})", snap.topicPartition(), e.toString());
            return new Result(false, snap.firstDirtyOffset(), -1, 0, stats.bytesRead, stats.bytesWritten,
                    stats.recordsRemoved, stats.tombstonesRemoved);
        }
    }

    private Result cleanSnapshot(PartitionLog plog, CleaningSnapshot snap, long nowMs, long startNs, Stats stats) throws IOException {
        long mapEnd = buildOffsetMap(snap, stats);
        List<CleanableSegment> toClean = new ArrayList<>();
        for (CleanableSegment s : snap.segments()) {
            if (s.baseOffset() < mapEnd) {
                toClean.add(s);
            }
        }
        List<List<CleanableSegment>> groups = groupBySize(toClean, snap.config().segmentBytes(), snap.config().segmentIndexBytes());
        for (List<CleanableSegment> group : groups) {
            if (!cleanGroup(plog, snap, group, mapEnd, nowMs, stats)) {
                log.info("{}: compaction gave up: retention, truncation or close changed the log during the pass",
                        snap.topicPartition());
                return new Result(false, snap.firstDirtyOffset(), mapEnd, groups.size(), stats.bytesRead,
                        stats.bytesWritten, stats.recordsRemoved, stats.tombstonesRemoved);
            }
        }
        plog.updateCleanerCheckpoint(snap, mapEnd);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(time.nanoseconds() - startNs);
        log.info("{}: compacted offsets {} to {} ({} group(s)): read {} bytes, wrote {} bytes, removed {} record(s) "
                        + "({} tombstone(s), {} without a key); offset map {}/{} keys, {} probes per lookup; {} ms",
                snap.topicPartition(), snap.firstDirtyOffset(), mapEnd, groups.size(), stats.bytesRead, stats.bytesWritten,
                stats.recordsRemoved, stats.tombstonesRemoved, stats.keylessRemoved, map.size(), map.maxEntries(),
                String.format("%.2f", map.averageProbes()), tookMs);
        return new Result(true, snap.firstDirtyOffset(), mapEnd, groups.size(), stats.bytesRead, stats.bytesWritten,
                stats.recordsRemoved, stats.tombstonesRemoved);
    }

    /**
     * Maps the keys of the dirty section, batch by batch, until the map would overflow.
     *
     * @return the end (exclusive) of the mapped range: a batch boundary, or a segment boundary when the whole
     *     dirty section fit
     */
    private long buildOffsetMap(CleaningSnapshot snap, Stats stats) throws IOException {
        map.clear();
        long firstDirty = snap.firstDirtyOffset();
        long[] end = {firstDirty};
        for (CleanableSegment s : snap.segments()) {
            if (s.nextSegmentBaseOffset() <= firstDirty) {
                continue;
            }
            boolean whole = forEachBatch(snap.topicPartition(), s, stats, batch -> {
                if (batch.lastOffset() < firstDirty) {
                    return true;
                }
                int count = batch.recordCount();
                if (map.size() + (long) count > map.maxEntries()) {
                    return false;
                }
                if (count > 0) {
                    batch.ensureValid(Integer.MAX_VALUE);
                    for (Record r : RecordBodies.decode(batch).getRecordsList()) {
                        if (r.hasKey()) {
                            map.put(r.getKey().asReadOnlyByteBuffer(), batch.baseOffset() + r.getOffsetDelta());
                        }
                    }
                }
                end[0] = batch.nextOffset();
                return true;
            });
            if (!whole) {
                break;
            }
            end[0] = s.nextSegmentBaseOffset();
        }
        if (end[0] == firstDirty) {
            throw new IllegalStateException("log.cleaner.dedupe.buffer.size is too small: one batch at offset " + firstDirty
                    + " of " + snap.topicPartition() + " has more records than the " + map.maxEntries()
                    + " keys a cleaner thread's map holds");
        }
        return end[0];
    }

    /**
     * Groups consecutive segments so that each group's cleaned copy fits one segment: at most {@code segment.bytes}
     * of log and {@code segment.index.bytes} of each index (sources bound what the copy holds), and offsets within
     * an int of the group's base (the index entries are relative).
     */
    static List<List<CleanableSegment>> groupBySize(List<CleanableSegment> segments, int maxSegmentBytes, int maxIndexBytes) {
        List<List<CleanableSegment>> groups = new ArrayList<>();
        int i = 0;
        while (i < segments.size()) {
            CleanableSegment first = segments.get(i++);
            List<CleanableSegment> group = new ArrayList<>();
            group.add(first);
            long logBytes = first.sizeInBytes();
            long offsetIndexBytes = first.offsetIndexBytes();
            long timeIndexBytes = first.timeIndexBytes();
            while (i < segments.size()) {
                CleanableSegment next = segments.get(i);
                if (logBytes + next.sizeInBytes() > maxSegmentBytes
                        || offsetIndexBytes + next.offsetIndexBytes() > maxIndexBytes
                        || timeIndexBytes + next.timeIndexBytes() > maxIndexBytes
                        || next.nextSegmentBaseOffset() - 1 - first.baseOffset() > Integer.MAX_VALUE) {
                    break;
                }
                group.add(next);
                logBytes += next.sizeInBytes();
                offsetIndexBytes += next.offsetIndexBytes();
                timeIndexBytes += next.timeIndexBytes();
                i++;
            }
            groups.add(group);
        }
        return groups;
    }

    /**
     * Writes the compacted copy of one group to {@code .cleaned} files and swaps it in.
     *
     * @return false when the log changed since the snapshot (nothing was swapped; the copy is deleted)
     */
    private boolean cleanGroup(PartitionLog plog, CleaningSnapshot snap, List<CleanableSegment> group, long mapEnd,
                               long nowMs, Stats stats) throws IOException {
        Segment cleaned = Segment.openCleaned(snap.dir(), group.get(0).baseOffset(), snap.config());
        boolean handedOver = false;
        try {
            writeBuffer.clear();
            List<Segment> sources = new ArrayList<>(group.size());
            for (CleanableSegment s : group) {
                sources.add(s.segment());
                forEachBatch(snap.topicPartition(), s, stats, batch -> {
                    ByteBuffer kept = filter(batch, snap, mapEnd, nowMs, stats);
                    if (kept != null) {
                        write(cleaned, kept, nowMs, stats);
                    }
                    return true;
                });
            }
            flushWriteBuffer(cleaned, nowMs, stats);
            cleaned.onBecomeInactive();
            cleaned.flush();
            abort.check(snap.topicPartition());
            boolean swapped;
            try {
                swapped = plog.replaceSegments(snap, sources, cleaned);
            } catch (IOException | RuntimeException e) {
                // Past its commit point the swap's files must stay for the next load to finish it; before it they
                // are .cleaned files, which a load deletes. Either way the segment never reached the log's map.
                handedOver = true;
                closeQuietly(cleaned);
                throw e;
            }
            handedOver = swapped;
            return swapped;
        } finally {
            if (!handedOver) {
                try {
                    cleaned.closeAndDelete();
                } catch (IOException e) {
                    log.warn("{}: could not delete the unused cleaned segment {}: {}", snap.topicPartition(), cleaned, e.toString());
                }
            }
        }
    }

    private static void closeQuietly(Segment segment) {
        try {
            segment.close();
        } catch (IOException ignored) {
            // Already failing; the swap's own exception is what the caller reports.
        }
    }

    /**
     * Decides what of one stored batch survives.
     *
     * @return the bytes to write (the batch itself when it keeps every record, else a rebuilt one), or null to drop it
     */
    private ByteBuffer filter(RecordBatch batch, CleaningSnapshot snap, long mapEnd, long nowMs, Stats stats) {
        batch.ensureValid(Integer.MAX_VALUE);
        if (batch.baseOffset() >= mapEnd) {
            return batch.buffer(); // beyond this pass's map: compacted by a later pass
        }
        Long producerLast = batch.hasProducerId() ? snap.producerLastOffsets().get(batch.producerId()) : null;
        boolean producersNewest = producerLast != null && producerLast == batch.lastOffset();
        List<Record> records = batch.recordCount() == 0 ? List.of() : RecordBodies.decode(batch).getRecordsList();
        if (records.size() != batch.recordCount()) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, batch + " holds " + records.size()
                    + " records but its header says " + batch.recordCount());
        }
        List<Record> kept = new ArrayList<>(records.size());
        boolean firstSeenTombstone = false;
        for (Record r : records) {
            long offset = batch.baseOffset() + r.getOffsetDelta();
            if (!r.hasKey()) {
                stats.keylessRemoved++;
                stats.recordsRemoved++;
                continue;
            }
            if (map.get(r.getKey().asReadOnlyByteBuffer()) > offset) {
                stats.recordsRemoved++;
                continue;
            }
            if (!r.hasValue()) {
                if (batch.hasDeleteHorizon()) {
                    if (nowMs >= batch.deleteHorizonMs()) {
                        stats.tombstonesRemoved++;
                        stats.recordsRemoved++;
                        continue;
                    }
                } else {
                    firstSeenTombstone = true;
                }
            }
            kept.add(r);
        }
        if (kept.size() == records.size() && !firstSeenTombstone) {
            return records.isEmpty() && !producersNewest ? null : batch.buffer();
        }
        if (kept.isEmpty()) {
            return producersNewest ? CompactedBatches.headerOnly(batch) : null;
        }
        long horizon = firstSeenTombstone ? saturatedAdd(nowMs, snap.config().deleteRetentionMs()) : RecordBatch.NO_TIMESTAMP;
        return CompactedBatches.withRecords(batch, kept, horizon);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private void write(Segment cleaned, ByteBuffer batch, long nowMs, Stats stats) throws IOException {
        if (batch.remaining() > writeBuffer.remaining()) {
            flushWriteBuffer(cleaned, nowMs, stats);
        }
        if (batch.remaining() > writeBuffer.capacity()) {
            appendTo(cleaned, batch, nowMs, stats);
            return;
        }
        writeBuffer.put(batch.duplicate());
    }

    private void flushWriteBuffer(Segment cleaned, long nowMs, Stats stats) throws IOException {
        if (writeBuffer.position() == 0) {
            return;
        }
        writeBuffer.flip();
        appendTo(cleaned, writeBuffer, nowMs, stats);
        writeBuffer.clear();
    }

    private void appendTo(Segment cleaned, ByteBuffer batches, long nowMs, Stats stats) throws IOException {
        int bytes = batches.remaining();
        cleaned.append(batches, nowMs);
        stats.bytesWritten += bytes;
        throttler.maybeThrottle(bytes);
    }

    /**
     * Visits the batches of one segment in order, reading it through the read buffer. A batch larger than the
     * buffer is read on a buffer of its own (bounded by the segment, itself at most {@code segment.bytes}). The batch
     * given to the visitor is only valid during the call.
     *
     * @return false when the visitor stopped the iteration
     */
    private boolean forEachBatch(TopicPartition tp, CleanableSegment s, Stats stats, BatchVisitor visitor) throws IOException {
        int size = s.sizeInBytes();
        int position = 0;
        while (position < size) {
            abort.check(tp);
            ByteBuffer chunk = readBuffer.clear().limit(Math.min(readBuffer.capacity(), size - position));
            s.segment().readFully(chunk, position);
            int consumed = 0;
            while (chunk.limit() - consumed >= RecordBatch.LOG_OVERHEAD) {
                int batchSize = RecordBatch.sizeInBytes(chunk, consumed);
                if (batchSize < RecordBatch.HEADER_SIZE || position + consumed + (long) batchSize > size) {
                    throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "segment " + s.segment() + " has a batch of "
                            + batchSize + " bytes at position " + (position + consumed) + " that does not fit it");
                }
                if (consumed + batchSize > chunk.limit()) {
                    break;
                }
                if (!visitor.visit(RecordBatch.wrap(chunk.duplicate().position(consumed)))) {
                    return false;
                }
                consumed += batchSize;
            }
            if (consumed == 0) {
                int batchSize = chunk.limit() >= RecordBatch.LOG_OVERHEAD ? RecordBatch.sizeInBytes(chunk, 0) : -1;
                if (batchSize < RecordBatch.HEADER_SIZE || position + (long) batchSize > size) {
                    throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "segment " + s.segment()
                            + " has no whole batch at position " + position);
                }
                ByteBuffer large = ByteBuffer.allocate(batchSize);
                s.segment().readFully(large, position);
                if (!visitor.visit(RecordBatch.wrap(large))) {
                    return false;
                }
                consumed = batchSize;
            }
            stats.bytesRead += consumed;
            throttler.maybeThrottle(consumed);
            position += consumed;
        }
        return true;
    }
}
