package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBodies;
import io.tributary.api.batch.TimestampType;
import io.tributary.api.v1.Record;
import io.tributary.api.v1.RecordSet;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * One segment of a partition log: {@code <baseOffset>.log} with its sparse {@code .index} (offset → position)
 * and {@code .timeindex} (timestamp → offset). The log file is a plain concatenation of record batches exactly
 * as {@link RecordBatch} lays them out.
 *
 * <p>Thread-safety: appends, truncation, recovery and close are called by the owning {@link PartitionLog}'s single
 * writer, under its lock. Reads may run concurrently with appends: they are bounded by a position the writer has
 * already published, so they never see a partially written batch.
 */
final class Segment implements Closeable {
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String DELETED_SUFFIX = ".deleted";
    /** A segment the log cleaner is still writing; deleted on load, as the segments it would replace are intact. */
    static final String CLEANED_SUFFIX = ".cleaned";
    /** A finished cleaned segment committed to replace the segments it covers; a load completes the swap. */
    static final String SWAP_SUFFIX = ".swap";

    private final long baseOffset;
    private final int indexIntervalBytes;
    private final FileChannel channel;
    private volatile Path logFile;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;

    /** Bytes of whole batches in the file. Written by the single writer, read by anyone. */
    private volatile int size;
    /** Largest record timestamp in the segment, -1 when empty. */
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    /**
     * When the segment's age for time-based rolling starts: the broker's clock at its first append, or after a
     * restart the first batch's max timestamp (the best record of it that survives).
     */
    private volatile long rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
    private int bytesSinceLastIndexEntry;
    /** Whether this is the segment taking appends; its indexes have room to grow, others are trimmed. */
    private boolean active;

    private Segment(long baseOffset, int indexIntervalBytes, FileChannel channel, Path logFile,
                    OffsetIndex offsetIndex, TimeIndex timeIndex, int size) {
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.channel = channel;
        this.logFile = logFile;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.size = size;
    }

    static String fileName(long offset, String suffix) {
        return String.format("%020d%s", offset, suffix);
    }

    static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(fileName(baseOffset, LOG_SUFFIX));
    }

    /**
     * Opens (or creates) the segment at {@code baseOffset} in {@code dir}. The indexes are opened as they are on
     * disk; call {@link #loadIndexes} or {@link #recover} before trusting them.
     *
     * @param writable whether the segment will take appends (its indexes then get room to grow)
     */
    static Segment open(Path dir, long baseOffset, LogConfig config, boolean writable) throws IOException {
        return open(dir, baseOffset, config, writable, "");
    }

    /**
     * Creates the segment the log cleaner writes: {@code <baseOffset>.log.cleaned} and its indexes, writable
     * like an active segment's until {@link #onBecomeInactive} trims them. It is renamed into place by
     * {@link #changeFileSuffix} when it replaces the segments it was cleaned from.
     */
    static Segment openCleaned(Path dir, long baseOffset, LogConfig config) throws IOException {
        for (String suffix : List.of(LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX)) {
            // Left over by a cleaning that failed before it could delete them.
            Files.deleteIfExists(dir.resolve(fileName(baseOffset, suffix) + CLEANED_SUFFIX));
        }
        return open(dir, baseOffset, config, true, CLEANED_SUFFIX);
    }

    private static Segment open(Path dir, long baseOffset, LogConfig config, boolean writable, String fileSuffix)
            throws IOException {
        Path log = dir.resolve(fileName(baseOffset, LOG_SUFFIX) + fileSuffix);
        FileChannel channel = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long fileSize = channel.size();
            if (fileSize > Integer.MAX_VALUE) {
                throw new IOException(log + " is larger than 2 GiB; segments are limited to int positions");
            }
            OffsetIndex offsets = new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX) + fileSuffix), baseOffset,
                    config.segmentIndexBytes(), writable);
            TimeIndex times = new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX) + fileSuffix), baseOffset,
                    config.segmentIndexBytes(), writable);
            Segment segment = new Segment(baseOffset, config.indexIntervalBytes(), channel, log, offsets, times, (int) fileSize);
            segment.active = writable;
            return segment;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    long baseOffset() {
        return baseOffset;
    }

    int size() {
        return size;
    }

    Path logPath() {
        return logFile;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    /** When the segment is empty, the time it was last written (for retention of an empty segment). */
    long largestTimestampOrModified() throws IOException {
        long ts = maxTimestamp;
        return ts >= 0 ? ts : Files.getLastModifiedTime(logFile).toMillis();
    }

    long rollingBasedTimestamp() {
        return rollingBasedTimestamp;
    }

    boolean indexesFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    /** Bytes of offset index entries (an inactive segment's index file is trimmed to exactly this). */
    int offsetIndexSizeInBytes() {
        return offsetIndex.sizeInBytes();
    }

    int timeIndexSizeInBytes() {
        return timeIndex.sizeInBytes();
    }

    /**
     * Reads {@code dst.remaining()} bytes of the log file at {@code position} into {@code dst}, then flips it. For
     * the log cleaner, which copies whole segments batch by batch without the index.
     */
    void readFully(ByteBuffer dst, int position) throws IOException {
        BatchHeader.readFully(channel, dst, position);
    }

    /**
     * Checks the indexes against the log and rebuilds them when they are missing or inconsistent; also restores
     * the segment's max timestamp. Used on load after a clean shutdown, where no recovery runs.
     *
     * @return true if the indexes had to be rebuilt
     */
    boolean loadIndexes() throws IOException {
        try {
            offsetIndex.sanityCheck(size);
            timeIndex.sanityCheck(size);
            if (size > 0 && offsetIndex.entries() == 0 && size > indexIntervalBytes + RecordBatch.HEADER_SIZE * 2L
                    && indexIntervalBytes > 0) {
                // A segment this large always has index entries; an empty index means the file was lost or zeroed.
                throw new CorruptIndexException(offsetIndex.file() + " has no entries for " + size + " bytes of log");
            }
            OffsetIndex.OffsetPosition last = offsetIndex.lastEntry();
            if (offsetIndex.entries() > 0) {
                BatchHeader h = BatchHeader.read(channel, last.position(), size, ByteBuffer.allocate(RecordBatch.HEADER_SIZE));
                if (h == null || h.baseOffset() != last.offset()) {
                    throw new CorruptIndexException(offsetIndex.file() + ": last entry " + last + " does not point at a batch start");
                }
            }
            restoreTimestampsFromTail();
            return false;
        } catch (CorruptIndexException e) {
            rebuildIndexes();
            return true;
        }
    }

    private void restoreTimestampsFromTail() throws IOException {
        TimeIndex.TimestampOffset lastTime = timeIndex.lastEntry();
        long max = lastTime.timestamp();
        int from = offsetIndex.lookup(lastTime.offset()).position();
        ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        for (BatchHeader h = BatchHeader.read(channel, from, size, scratch); h != null;
             h = BatchHeader.read(channel, h.endPosition(), size, scratch)) {
            max = Math.max(max, h.maxTimestamp());
        }
        maxTimestamp = max;
        restoreRollingBasedTimestamp(scratch);
    }

    private void restoreRollingBasedTimestamp(ByteBuffer scratch) throws IOException {
        BatchHeader first = BatchHeader.read(channel, 0, size, scratch);
        rollingBasedTimestamp = first == null ? RecordBatch.NO_TIMESTAMP : first.maxTimestamp();
    }

    private void rebuildIndexes() throws IOException {
        resetIndexesForRebuild();
        bytesSinceLastIndexEntry = 0;
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
        ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        for (BatchHeader h = BatchHeader.read(channel, 0, size, scratch); h != null;
             h = BatchHeader.read(channel, h.endPosition(), size, scratch)) {
            indexBatch(h.baseOffset(), h.position(), h.sizeInBytes(), h.maxTimestamp());
        }
        restoreRollingBasedTimestamp(scratch);
        finishRebuild();
    }

    /** Empties the indexes; appends grow them again as the rebuild needs. */
    private void resetIndexesForRebuild() {
        offsetIndex.reset();
        timeIndex.reset();
    }

    private void finishRebuild() throws IOException {
        if (!active) {
            onBecomeInactive();
        }
    }

    /**
     * Appends batches that already carry their final offsets. The bytes are written first, then indexed; the
     * caller publishes the new end position to readers only after this returns.
     *
     * @param batches whole batches, position to limit; not modified
     * @param nowMs   the broker's clock; the first append starts the segment's age for time-based rolling
     */
    void append(ByteBuffer batches, long nowMs) throws IOException {
        int start = size;
        if (start == 0) {
            rollingBasedTimestamp = nowMs;
        }
        ByteBuffer toWrite = batches.duplicate();
        long bytes = toWrite.remaining();
        if (start + bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("segment " + logFile + " would exceed 2 GiB");
        }
        long at = start;
        while (toWrite.hasRemaining()) {
            at += channel.write(toWrite, at);
        }
        ByteBuffer view = batches.duplicate();
        int base = view.position();
        while (view.position() < view.limit()) {
            int relative = view.position() - base;
            int batchSize = RecordBatch.sizeInBytes(view, view.position());
            long batchBase = view.getLong(view.position() + RecordBatch.BASE_OFFSET_OFFSET);
            long batchMaxTs = view.getLong(view.position() + RecordBatch.MAX_TIMESTAMP_OFFSET);
            indexBatch(batchBase, start + relative, batchSize, batchMaxTs);
            view.position(view.position() + batchSize);
        }
        size = (int) at;
    }

    private void indexBatch(long batchBaseOffset, int position, int batchSize, long batchMaxTimestamp) {
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
        }
        // A full index only makes lookups scan further; the active segment rolls before that, and a cleaned segment
        // (sized by its sources' indexes) should never get there.
        if (bytesSinceLastIndexEntry > indexIntervalBytes && !offsetIndex.isFull() && !timeIndex.isFull()) {
            offsetIndex.append(batchBaseOffset, position);
            timeIndex.maybeAppend(maxTimestamp, batchBaseOffset);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    /**
     * The first batch that holds {@code offset} or any later offset, searching from the index entry at or before
     * it. Reads headers only.
     *
     * @return that batch's header, or null when the segment has no such batch below {@code maxPosition}
     */
    BatchHeader translateOffset(long offset, int maxPosition) throws IOException {
        int from = offsetIndex.lookup(offset).position();
        ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        for (BatchHeader h = BatchHeader.read(channel, from, maxPosition, scratch); h != null;
             h = BatchHeader.read(channel, h.endPosition(), maxPosition, scratch)) {
            if (h.lastOffset() >= offset) {
                return h;
            }
        }
        return null;
    }

    /**
     * Reads whole batches starting with the one that holds {@code startOffset}.
     *
     * @param maxBytes     byte budget; batches that would cross it are left out
     * @param maxPosition  read nothing at or past this file position (the writer's published end)
     * @param minOneBatch  return the first batch even if it alone exceeds {@code maxBytes}, so a consumer with a
     *                     small limit still makes progress
     * @return the batches (possibly empty when the budget fits none), or null if no batch at or after
     *     {@code startOffset} exists below {@code maxPosition}
     */
    ByteBuffer read(long startOffset, int maxBytes, int maxPosition, boolean minOneBatch) throws IOException {
        BatchHeader first = translateOffset(startOffset, maxPosition);
        if (first == null) {
            return null;
        }
        int available = maxPosition - first.position();
        int toRead = Math.min(available, maxBytes);
        if (first.sizeInBytes() > toRead) {
            if (!minOneBatch) {
                return ByteBuffer.allocate(0);
            }
            toRead = first.sizeInBytes();
        }
        ByteBuffer buffer = ByteBuffer.allocate(toRead);
        BatchHeader.readFully(channel, buffer, first.position());
        // Cut at the last whole batch: a read never hands out a partial batch.
        int end = 0;
        while (buffer.limit() - end >= RecordBatch.LOG_OVERHEAD) {
            int batchSize = RecordBatch.sizeInBytes(buffer, end);
            if (batchSize < RecordBatch.HEADER_SIZE || end + batchSize > buffer.limit()) {
                break;
            }
            end += batchSize;
        }
        return buffer.limit(end).slice();
    }

    /**
     * The first record at or after {@code startingOffset} whose timestamp is &gt;= {@code timestamp}.
     *
     * @return the record's timestamp and offset, or empty when this segment has none
     */
    Optional<TimestampAndOffset> findOffsetByTimestamp(long timestamp, long startingOffset) throws IOException {
        TimeIndex.TimestampOffset entry = timeIndex.lookupBefore(timestamp);
        int from = offsetIndex.lookup(Math.max(entry.offset(), startingOffset)).position();
        int end = size;
        ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        for (BatchHeader h = BatchHeader.read(channel, from, end, scratch); h != null;
             h = BatchHeader.read(channel, h.endPosition(), end, scratch)) {
            if (h.lastOffset() < startingOffset || h.maxTimestamp() < timestamp) {
                continue;
            }
            ByteBuffer bytes = ByteBuffer.allocate(h.sizeInBytes());
            BatchHeader.readFully(channel, bytes, h.position());
            RecordBatch batch = RecordBatch.wrap(bytes);
            if (batch.recordCount() == 0) {
                // Compaction kept only the header (an idempotent producer's last sequence): no record to answer with.
                continue;
            }
            return Optional.of(firstRecordAtOrAfter(batch, timestamp, startingOffset));
        }
        return Optional.empty();
    }

    private static TimestampAndOffset firstRecordAtOrAfter(RecordBatch batch, long timestamp, long startingOffset) {
        if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
            return new TimestampAndOffset(batch.maxTimestamp(), Math.max(batch.baseOffset(), startingOffset));
        }
        if (!RecordBodies.canDecode(batch.compression())) {
            // The broker carries no codec for this body; the batch start is a safe, slightly early answer.
            return new TimestampAndOffset(batch.maxTimestamp(), Math.max(batch.baseOffset(), startingOffset));
        }
        RecordSet records = RecordBodies.decode(batch);
        for (Record r : records.getRecordsList()) {
            long offset = batch.baseOffset() + r.getOffsetDelta();
            long ts = batch.firstTimestamp() + r.getTimestampDelta();
            if (offset >= startingOffset && ts >= timestamp) {
                return new TimestampAndOffset(ts, offset);
            }
        }
        throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "batch " + batch + " claims max timestamp "
                + batch.maxTimestamp() + " but no record reaches " + timestamp);
    }

    /**
     * Rebuilds the indexes from the log, checking every batch (structure, CRC, offsets increasing), and truncates
     * the file at the first invalid byte.
     *
     * @return bytes truncated (0 when the whole segment was valid)
     */
    int recover() throws IOException {
        resetIndexesForRebuild();
        bytesSinceLastIndexEntry = 0;
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
        int fileSize = (int) channel.size();
        int position = 0;
        long expectedMinOffset = baseOffset;
        ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        ByteBuffer batchBuffer = ByteBuffer.allocate(64 * 1024);
        while (true) {
            BatchHeader h = BatchHeader.read(channel, position, fileSize, scratch);
            if (h == null || h.baseOffset() < expectedMinOffset || h.lastOffsetDelta() < 0
                    || h.lastOffset() - baseOffset > Integer.MAX_VALUE) {
                break;
            }
            if (batchBuffer.capacity() < h.sizeInBytes()) {
                batchBuffer = ByteBuffer.allocate(h.sizeInBytes());
            }
            batchBuffer.clear().limit(h.sizeInBytes());
            BatchHeader.readFully(channel, batchBuffer, position);
            if (!RecordBatch.wrap(batchBuffer).isValid()) {
                break;
            }
            indexBatch(h.baseOffset(), position, h.sizeInBytes(), h.maxTimestamp());
            position = h.endPosition();
            expectedMinOffset = h.nextOffset();
        }
        int truncated = fileSize - position;
        if (truncated > 0) {
            channel.truncate(position);
        }
        size = position;
        restoreRollingBasedTimestamp(scratch);
        finishRebuild();
        return truncated;
    }

    /** Calls {@code visitor} with every batch header in file order (rebuilding derived state from the log). */
    void forEachBatchHeader(java.util.function.Consumer<BatchHeader> visitor) throws IOException {
        ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        for (BatchHeader h = BatchHeader.read(channel, 0, size, scratch); h != null;
             h = BatchHeader.read(channel, h.endPosition(), size, scratch)) {
            visitor.accept(h);
        }
    }

    /** The offset after the last batch in the segment; the base offset when the segment is empty. */
    long readNextOffset() throws IOException {
        int from = offsetIndex.lastEntry().position();
        long next = baseOffset;
        ByteBuffer scratch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        for (BatchHeader h = BatchHeader.read(channel, from, size, scratch); h != null;
             h = BatchHeader.read(channel, h.endPosition(), size, scratch)) {
            next = h.nextOffset();
        }
        return next;
    }

    /**
     * Removes every batch that holds an offset &gt;= {@code offset} (so truncation is at a batch boundary), with
     * their index entries.
     *
     * @return bytes removed
     */
    int truncateTo(long offset) throws IOException {
        BatchHeader h = translateOffset(offset, size);
        if (h == null) {
            return 0;
        }
        int position = h.position();
        offsetIndex.truncateTo(h.baseOffset());
        timeIndex.truncateTo(h.baseOffset());
        int removed = size - position;
        channel.truncate(position);
        size = position;
        bytesSinceLastIndexEntry = 0;
        restoreTimestampsFromTail();
        return removed;
    }

    /** Called when the segment stops being the active one: trims the indexes to their entries. */
    void onBecomeInactive() throws IOException {
        active = false;
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** Called when a truncation makes this segment the active one again; its indexes grow on the next appends. */
    void onBecomeActive() {
        active = true;
    }

    void flush() throws IOException {
        channel.force(false);
        offsetIndex.flush();
        timeIndex.flush();
    }

    /** Renames the files to {@code *.deleted}, so a restart before the delayed delete still drops them. */
    void markForDeletion() throws IOException {
        Path dir = logFile.getParent();
        Path target = dir.resolve(logFile.getFileName() + DELETED_SUFFIX);
        Files.move(logFile, target);
        logFile = target;
        offsetIndex.renameTo(dir.resolve(offsetIndex.file().getFileName() + DELETED_SUFFIX));
        timeIndex.renameTo(dir.resolve(timeIndex.file().getFileName() + DELETED_SUFFIX));
    }

    /**
     * Renames the three files from {@code <name>oldSuffix} to {@code <name>newSuffix} (either suffix may be empty):
     * the steps of a cleaned segment's swap into the log. The indexes go first and the log file last, since a load
     * recognises a swap by its log file. Open channels and mappings stay valid across the renames.
     */
    void changeFileSuffix(String oldSuffix, String newSuffix) throws IOException {
        offsetIndex.renameTo(withSuffix(offsetIndex.file(), oldSuffix, newSuffix));
        timeIndex.renameTo(withSuffix(timeIndex.file(), oldSuffix, newSuffix));
        Path target = withSuffix(logFile, oldSuffix, newSuffix);
        Files.move(logFile, target);
        logFile = target;
    }

    private static Path withSuffix(Path file, String oldSuffix, String newSuffix) {
        String name = file.getFileName().toString();
        if (!name.endsWith(oldSuffix)) {
            throw new IllegalStateException(file + " does not end with '" + oldSuffix + "'");
        }
        return file.resolveSibling(name.substring(0, name.length() - oldSuffix.length()) + newSuffix);
    }

    void closeAndDelete() throws IOException {
        channel.close();
        Files.deleteIfExists(logFile);
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
    }

    @Override
    public void close() throws IOException {
        try {
            offsetIndex.close();
            timeIndex.close();
        } finally {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "Segment(base=" + baseOffset + ", size=" + size + ", file=" + logFile.getFileName() + ")";
    }
}
