package io.tributary.broker.log;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from timestamp to offset within one segment.
 *
 * <pre>
 * entry (12 bytes, big-endian):
 *   timestamp        int64   the largest record timestamp in this segment up to and including the batch below
 *   relative_offset  int32   base offset of a batch - segment base offset
 * </pre>
 *
 * An entry (T, O) promises: every record in the batches of this segment up to and including the one starting at
 * O has a timestamp &lt;= T. Timestamps and offsets strictly increase, so a search for the first record at or after
 * time t starts at the batch of the last entry with T &lt; t. Thread-safety: see {@link AbstractIndex}.
 */
final class TimeIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 12;

    record TimestampOffset(long timestamp, long offset) {
    }

    TimeIndex(Path file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexSize, writable);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    @Override
    protected long keyAt(MappedByteBuffer buffer, int n) {
        return buffer.getLong(n * ENTRY_SIZE);
    }

    private long offsetAt(MappedByteBuffer buffer, int n) {
        return baseOffset + buffer.getInt(n * ENTRY_SIZE + 8);
    }

    /** The last entry with a timestamp strictly below {@code timestamp}; (-1, segment base) when none. */
    TimestampOffset lookupBefore(long timestamp) {
        return withBuffer((buffer, n) -> {
            int slot = largestLowerBoundSlot(buffer, n, timestamp, true);
            return slot < 0 ? new TimestampOffset(-1L, baseOffset) : new TimestampOffset(keyAt(buffer, slot), offsetAt(buffer, slot));
        });
    }

    TimestampOffset lastEntry() {
        return withBuffer((buffer, n) -> n == 0 ? new TimestampOffset(-1L, baseOffset)
                : new TimestampOffset(keyAt(buffer, n - 1), offsetAt(buffer, n - 1)));
    }

    /** Adds (timestamp, offset) if the timestamp is above the last entry's; keeps the index monotonic. */
    void maybeAppend(long timestamp, long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit an index based at " + baseOffset);
        }
        lock.lock();
        try {
            TimestampOffset last = lastEntry();
            if (entries() > 0 && (timestamp <= last.timestamp() || offset <= last.offset())) {
                return;
            }
            appendEntry((buffer, at) -> {
                buffer.putLong(at, timestamp);
                buffer.putInt(at + 8, (int) relative);
            });
        } finally {
            lock.unlock();
        }
    }

    /** Removes entries whose offset is &gt;= {@code offset}. */
    void truncateTo(long offset) {
        lock.lock();
        try {
            int keep = withBuffer((buffer, n) -> {
                int k = n;
                while (k > 0 && offsetAt(buffer, k - 1) >= offset) {
                    k--;
                }
                return k;
            });
            truncateToEntries(keep);
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void checkEntry(MappedByteBuffer buffer, int n, long logSize) {
        int relative = buffer.getInt(n * ENTRY_SIZE + 8);
        if (relative < 0 || (n > 0 && relative <= buffer.getInt((n - 1) * ENTRY_SIZE + 8))) {
            throw new CorruptIndexException(file() + ": time index entry " + n + " has offset " + (baseOffset + relative)
                    + " not above the previous one");
        }
    }
}
