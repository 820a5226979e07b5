package io.tributary.broker.log;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from offset to file position within one segment.
 *
 * <pre>
 * entry (8 bytes, big-endian):
 *   relative_offset  int32   batch base offset - segment base offset
 *   position         int32   byte position of that batch in the segment's .log file
 * </pre>
 *
 * Entries point at batch starts and strictly increase in both fields. Thread-safety: see {@link AbstractIndex}.
 */
final class OffsetIndex extends AbstractIndex {
    static final int ENTRY_SIZE = 8;

    /** A batch start: its base offset and its byte position in the segment. */
    record OffsetPosition(long offset, int position) {
    }

    OffsetIndex(Path file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        super(file, baseOffset, maxIndexSize, writable);
    }

    @Override
    protected int entrySize() {
        return ENTRY_SIZE;
    }

    @Override
    protected long keyAt(MappedByteBuffer buffer, int n) {
        return baseOffset + buffer.getInt(n * ENTRY_SIZE);
    }

    private int positionAt(MappedByteBuffer buffer, int n) {
        return buffer.getInt(n * ENTRY_SIZE + 4);
    }

    /** The indexed batch start with the largest offset &lt;= {@code target}; the segment start when there is none. */
    OffsetPosition lookup(long target) {
        return withBuffer((buffer, n) -> {
            int slot = largestLowerBoundSlot(buffer, n, target, false);
            return slot < 0 ? new OffsetPosition(baseOffset, 0) : new OffsetPosition(keyAt(buffer, slot), positionAt(buffer, slot));
        });
    }

    /** The first indexed batch start with offset &gt;= {@code target}, or null. */
    OffsetPosition lookupUpperBound(long target) {
        return withBuffer((buffer, n) -> {
            int slot = smallestUpperBoundSlot(buffer, n, target);
            return slot >= n ? null : new OffsetPosition(keyAt(buffer, slot), positionAt(buffer, slot));
        });
    }

    OffsetPosition lastEntry() {
        return withBuffer((buffer, n) -> n == 0 ? new OffsetPosition(baseOffset, 0)
                : new OffsetPosition(keyAt(buffer, n - 1), positionAt(buffer, n - 1)));
    }

    /** Adds an entry; offsets and positions must increase. Called by the single appender. */
    void append(long offset, int position) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit an index based at " + baseOffset);
        }
        lock.lock();
        try {
            int n = entries();
            if (n > 0) {
                OffsetPosition last = lastEntry();
                if (offset <= last.offset() || position <= last.position()) {
                    throw new IllegalArgumentException("index entry (" + offset + ", " + position
                            + ") does not follow the last entry " + last + " in " + file());
                }
            }
            appendEntry((buffer, at) -> {
                buffer.putInt(at, (int) relative);
                buffer.putInt(at + 4, position);
            });
        } finally {
            lock.unlock();
        }
    }

    /** Removes entries for offsets &gt;= {@code offset}. */
    void truncateTo(long offset) {
        lock.lock();
        try {
            int keep = withBuffer((buffer, n) -> smallestUpperBoundSlot(buffer, n, offset));
            truncateToEntries(keep);
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void checkEntry(MappedByteBuffer buffer, int n, long logSize) {
        int position = positionAt(buffer, n);
        if (position < 0 || position >= logSize || (n > 0 && position <= positionAt(buffer, n - 1))) {
            throw new CorruptIndexException(file() + ": entry " + n + " has position " + position
                    + " (log size " + logSize + ")");
        }
        if (buffer.getInt(n * ENTRY_SIZE) < 0) {
            throw new CorruptIndexException(file() + ": entry " + n + " has a negative relative offset");
        }
    }
}
