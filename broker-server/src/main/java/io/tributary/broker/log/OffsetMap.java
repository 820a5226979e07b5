package io.tributary.broker.log;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The log cleaner's map from record key to the newest offset seen for it, in a fixed amount of memory: an
 * open-addressing hash table with double hashing over one byte array allocated up front, so a pass over a log with
 * millions of keys allocates nothing per key and can never grow past {@code log.cleaner.dedupe.buffer.size}.
 *
 * <pre>
 * slot (24 bytes):
 *   key_hash     16 bytes  MD5 of the key bytes
 *   offset + 1    8 bytes  big-endian; 0 marks an empty slot
 * </pre>
 *
 * Keys are stored only as their MD5: two keys with the same digest would share an entry and the older record of
 * one could be dropped for the other's newer one. At 2<sup>-128</sup> per pair that is far below the disk's own
 * error rate (Kafka's cleaner makes the same trade). The slot count is prime so that every probe step visits every
 * slot; the map is "full" at {@value #LOAD_FACTOR} of its slots, where an unsuccessful lookup costs about ten probes.
 *
 * <p>Not thread-safe: each cleaner thread owns one map and reuses it for every pass.
 */
final class OffsetMap {
    static final int SLOT_BYTES = 24;
    private static final int HASH_BYTES = 16;
    static final double LOAD_FACTOR = 0.9;

    private final byte[] slots;
    private final ByteBuffer view;
    private final int slotCount;
    private final int maxEntries;
    private final MessageDigest md5;
    private final byte[] hash = new byte[HASH_BYTES];
    private int entries;
    private long lookups;
    private long probes;

    /** @param memoryBytes heap to use; at least one slot's worth */
    OffsetMap(int memoryBytes) {
        if (memoryBytes < SLOT_BYTES * 2) {
            throw new IllegalArgumentException("an offset map needs at least " + SLOT_BYTES * 2 + " bytes, got " + memoryBytes);
        }
        this.slotCount = largestPrimeAtMost(memoryBytes / SLOT_BYTES);
        this.slots = new byte[slotCount * SLOT_BYTES];
        this.view = ByteBuffer.wrap(slots);
        this.maxEntries = Math.max(1, (int) (slotCount * LOAD_FACTOR));
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides MD5", e);
        }
    }

    /** Keys the map takes before it counts as full. */
    int maxEntries() {
        return maxEntries;
    }

    int size() {
        return entries;
    }

    /** Bytes of heap the table holds. */
    long memoryBytes() {
        return slots.length;
    }

    /** Average probes per lookup or insert since the last clear (1.0 is a perfect hash). */
    double averageProbes() {
        return lookups == 0 ? 0 : (double) probes / lookups;
    }

    void clear() {
        Arrays.fill(slots, (byte) 0);
        entries = 0;
        lookups = 0;
        probes = 0;
    }

    /**
     * Records {@code offset} as the newest for {@code key}, keeping the larger offset if the key is already there.
     *
     * @param key the key bytes, position to limit; not modified
     * @throws IllegalStateException when the map is full and the key is new (callers check {@link #size()} first)
     */
    void put(ByteBuffer key, long offset) {
        int slot = findSlot(key);
        int at = slot * SLOT_BYTES;
        long stored = view.getLong(at + HASH_BYTES);
        if (stored == 0) {
            if (entries >= maxEntries) {
                throw new IllegalStateException("offset map is full (" + entries + " keys)");
            }
            System.arraycopy(hash, 0, slots, at, HASH_BYTES);
            entries++;
        } else if (stored - 1 >= offset) {
            return;
        }
        view.putLong(at + HASH_BYTES, offset + 1);
    }

    /** The newest offset recorded for {@code key}, or -1 when the key is not in the map. */
    long get(ByteBuffer key) {
        int at = findSlot(key) * SLOT_BYTES;
        return view.getLong(at + HASH_BYTES) - 1;
    }

    /** Hashes {@code key} into {@link #hash} and returns the slot holding that hash, or the empty slot ending its probe. */
    private int findSlot(ByteBuffer key) {
        md5.reset();
        md5.update(key.duplicate());
        try {
            md5.digest(hash, 0, HASH_BYTES);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer h = ByteBuffer.wrap(hash);
        int slot = (int) Long.remainderUnsigned(h.getLong(0), slotCount);
        // A step in [1, slotCount - 1]; with a prime slot count every step size cycles through all slots.
        int step = 1 + (int) Long.remainderUnsigned(h.getLong(8), slotCount - 1);
        lookups++;
        for (int probe = 0; probe < slotCount; probe++) {
            probes++;
            int at = slot * SLOT_BYTES;
            if (view.getLong(at + HASH_BYTES) == 0 || Arrays.equals(slots, at, at + HASH_BYTES, hash, 0, HASH_BYTES)) {
                return slot;
            }
            slot += step;
            if (slot >= slotCount) {
                slot -= slotCount;
            }
        }
        throw new IllegalStateException("offset map has no free slot (load factor bound violated)");
    }

    static int largestPrimeAtMost(int n) {
        for (int candidate = n; candidate > 2; candidate--) {
            if (isPrime(candidate)) {
                return candidate;
            }
        }
        return 2;
    }

    private static boolean isPrime(int n) {
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
