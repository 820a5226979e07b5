package io.tributary.broker.log;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A memory-mapped file of fixed-size entries sorted by a key, searched by binary search. Subclasses add only the
 * entry layout. A writable index starts small and doubles its file and mapping when an append needs room, up to
 * {@code maxIndexSize}; it is trimmed to its entries when the segment stops being active or is closed. There is no
 * checksum: an index that fails {@link #sanityCheck} is rebuilt from the log, which is the truth.
 *
 * <p>Why not preallocate the maximum size (as Kafka does): the file is sparse, and the first touch of a mapped page
 * faults in a whole readahead window of holes, each page zeroed by the kernel. With a large {@code read_ahead_kb}
 * (8 MiB on some virtual disks) every new segment's first index entry then cost milliseconds of CPU, and a broker
 * with 1,000 partitions spent most of its CPU zeroing index pages. A file only as long as its entries need bounds
 * that window.
 *
 * <p>Thread-safety: every method takes the index lock, so one appender and any number of readers may use an index
 * concurrently. Appends and truncation are additionally serialised by the owning log's lock.
 */
abstract class AbstractIndex implements Closeable {
    /** First mapping of a writable index; doubled as appends need room. */
    static final int INITIAL_MAPPED_BYTES = 8 * 1024;

    protected final ReentrantLock lock = new ReentrantLock();
    protected final long baseOffset;
    private volatile Path file;
    private MappedByteBuffer mmap;
    private int entries;
    /** Hard limit: appends beyond it fail and the owning segment rolls first ({@link #isFull()}). */
    private final int maxEntries;

    /**
     * Opens or creates the index file. An existing file keeps its entries (its length, rounded down to whole
     * entries, says how many); a writable index gets room for a few more appends (it grows as it fills).
     */
    protected AbstractIndex(Path file, long baseOffset, int maxIndexSize, boolean writable) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        boolean existed = Files.exists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long length = existed ? raf.length() : 0;
            int validEntries = (int) (length / entrySize());
            long validBytes = validEntries * (long) entrySize();
            long mappedLength = writable ? Math.max(validBytes, roundDown(Math.min(maxIndexSize, INITIAL_MAPPED_BYTES))) : validBytes;
            raf.setLength(mappedLength);
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, mappedLength);
            this.entries = validEntries;
            // An existing file longer than today's limit keeps its entries; it just takes no more.
            this.maxEntries = Math.max(validEntries, (int) (roundDown(maxIndexSize) / entrySize()));
        }
    }

    protected abstract int entrySize();

    /** The search key (offset or timestamp) of entry {@code n}, read from {@code buffer}. */
    protected abstract long keyAt(MappedByteBuffer buffer, int n);

    private long roundDown(int size) {
        return (size / entrySize()) * (long) entrySize();
    }

    public Path file() {
        return file;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int entries() {
        lock.lock();
        try {
            return entries;
        } finally {
            lock.unlock();
        }
    }

    public boolean isFull() {
        lock.lock();
        try {
            return entries >= maxEntries;
        } finally {
            lock.unlock();
        }
    }

    public int sizeInBytes() {
        return entries() * entrySize();
    }

    /**
     * Runs {@code body} with the lock held and the mapped buffer; for subclasses' reads. The buffer must not escape
     * {@code body}: a later append may replace and release it.
     */
    protected <T> T withBuffer(BufferFunction<T> body) {
        lock.lock();
        try {
            return body.apply(mmap, entries);
        } finally {
            lock.unlock();
        }
    }

    @FunctionalInterface
    protected interface BufferFunction<T> {
        T apply(MappedByteBuffer buffer, int entries);
    }

    /** Writes one entry at {@code position} of {@code buffer}; no other access. */
    @FunctionalInterface
    protected interface EntryWriter {
        void write(MappedByteBuffer buffer, int position);
    }

    /** Appends one entry after the last, growing the file first when the mapping is full. */
    protected void appendEntry(EntryWriter writer) {
        lock.lock();
        try {
            if (entries >= maxEntries) {
                throw new IllegalStateException("index " + file + " is full (" + entries + " entries)");
            }
            int position = entries * entrySize();
            if (position + entrySize() > mmap.capacity()) {
                long doubled = Math.max(INITIAL_MAPPED_BYTES, 2L * mmap.capacity());
                remap((int) Math.min(doubled, (long) maxEntries * entrySize()));
            }
            writer.write(mmap, position);
            entries++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot grow index " + file, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The slot with the largest key &lt;= {@code target} (or &lt; when {@code strict}); -1 when every key is
     * larger. Caller holds {@link #lock}.
     */
    protected int largestLowerBoundSlot(MappedByteBuffer buffer, int n, long target, boolean strict) {
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long key = keyAt(buffer, mid);
            boolean below = strict ? key < target : key <= target;
            if (below) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The smallest slot whose key is &gt;= {@code target}; {@code n} when none. Caller holds {@link #lock}. */
    protected int smallestUpperBoundSlot(MappedByteBuffer buffer, int n, long target) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(buffer, mid) >= target) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Drops entries from slot {@code n} on. */
    protected void truncateToEntries(int n) {
        lock.lock();
        try {
            entries = Math.min(entries, Math.max(0, n));
        } finally {
            lock.unlock();
        }
    }

    public void reset() {
        truncateToEntries(0);
    }

    /**
     * Checks that keys strictly increase and that the subclass's own invariants hold.
     *
     * @param logSize size of the segment's log file; no entry may point at or past it
     * @throws CorruptIndexException naming the file and the first bad slot
     */
    public void sanityCheck(long logSize) {
        lock.lock();
        try {
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < entries; i++) {
                long key = keyAt(mmap, i);
                if (key <= previous) {
                    throw new CorruptIndexException(file + ": entry " + i + " has key " + key
                            + " not above the previous key " + previous);
                }
                previous = key;
                checkEntry(mmap, i, logSize);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Subclass invariants of one entry; throws {@link CorruptIndexException}. Caller holds {@link #lock}. */
    protected abstract void checkEntry(MappedByteBuffer buffer, int n, long logSize);

    /** Shrinks the file to its entries, so a closed or inactive index takes no spare space. */
    public void trimToValidSize() throws IOException {
        lock.lock();
        try {
            int validBytes = entries * entrySize();
            if (validBytes != mmap.capacity()) {
                mmap.force();
                remap(validBytes);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Sets the file length and maps it anew. Caller holds {@link #lock}. */
    private void remap(int length) throws IOException {
        MappedByteBuffer old = mmap;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
        // Every access to a mapping happens under the lock and through this field, so nothing can reach the old one
        // now. Left to the GC, an old mapping outlives its use until its buffer object is collected, which for an
        // object that reached the old generation may take hours; a growing index swaps mappings a dozen times per
        // segment, and thousands of partitions would pile up mappings towards vm.max_map_count.
        Mappings.unmap(old);
    }

    public void flush() {
        lock.lock();
        try {
            mmap.force();
        } finally {
            lock.unlock();
        }
    }

    void renameTo(Path target) throws IOException {
        lock.lock();
        try {
            if (Files.exists(file)) {
                Files.move(file, target);
            }
            file = target;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        trimToValidSize();
    }

    public void deleteIfExists() throws IOException {
        Files.deleteIfExists(file);
    }
}
