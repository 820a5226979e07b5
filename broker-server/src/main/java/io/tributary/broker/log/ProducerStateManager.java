package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * What a partition knows about idempotent producers: per producer id, its epoch and the metadata of its last
 * {@value #BATCHES_PER_PRODUCER} batches. The leader checks each new batch against it (a repeat of a recent batch
 * gets the original offsets back; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch INVALID_PRODUCER_EPOCH);
 * followers and recovery rebuild it from the batches themselves, so it survives failover. It is snapshotted to
 * {@code <offset>.snapshot} files when segments roll and at clean shutdown; after a crash the latest snapshot below
 * the log end is loaded and the batches after it replayed.
 *
 * <pre>
 * snapshot file (big-endian):
 *   int32  magic 0x54505331 ("TPS1")
 *   int64  offset the snapshot covers up to (exclusive)
 *   int32  producer count, then per producer:
 *          int64 producer_id, int16 epoch, int64 last_timestamp, int8 batch count, then per batch:
 *          int32 first_seq, int32 last_seq, int64 first_offset, int64 last_offset, int64 timestamp
 *   int32  CRC32C of everything above
 * </pre>
 *
 * <p>Not thread-safe: every call is made under the owning {@link PartitionLog}'s lock.
 */
final class ProducerStateManager {
    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);
    static final int BATCHES_PER_PRODUCER = 5;
    static final String SNAPSHOT_SUFFIX = ".snapshot";
    private static final int MAGIC = 0x54505331;
    private static final int SNAPSHOTS_KEPT = 3;

    record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestampMs) {
    }

    static final class ProducerEntry {
        final long producerId;
        short epoch;
        long lastTimestampMs;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_PER_PRODUCER);

        ProducerEntry(long producerId, short epoch) {
            this.producerId = producerId;
            this.epoch = epoch;
        }

        int lastSeq() {
            return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.peekLast().lastSeq();
        }
    }

    private final Path dir;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    ProducerStateManager(Path dir) {
        this.dir = dir;
    }

    static int nextSequence(int sequence) {
        return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
    }

    /**
     * Checks the producer batches of one leader append.
     *
     * @return the original batch when the append is a single batch that repeats one of its producer's recent
     *     batches (a retry whose first attempt was written); null when every batch is new and in order
     * @throws TributaryException INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID
     */
    BatchMetadata checkLeaderAppend(List<RecordBatch> batches) {
        // Sequences may chain across the batches of one request: track what each producer would have after each.
        Map<Long, Integer> pendingLastSeq = new HashMap<>();
        Map<Long, Short> pendingEpoch = new HashMap<>();
        for (RecordBatch b : batches) {
            if (!b.hasProducerId()) {
                continue;
            }
            long pid = b.producerId();
            short epoch = b.producerEpoch();
            int first = b.baseSequence();
            ProducerEntry entry = producers.get(pid);
            short currentEpoch = pendingEpoch.getOrDefault(pid, entry == null ? Short.MIN_VALUE : entry.epoch);
            Integer last = pendingLastSeq.containsKey(pid) ? pendingLastSeq.get(pid) : entry == null ? null : entry.lastSeq();
            if (first < 0) {
                throw new TributaryException(ErrorCode.INVALID_RECORD, "producer " + pid + " sent base sequence " + first);
            }
            if (entry == null && !pendingLastSeq.containsKey(pid)) {
                if (first != 0) {
                    throw new TributaryException(ErrorCode.UNKNOWN_PRODUCER_ID, "this partition has no state for producer id "
                            + pid + " (never seen, or expired after producer.id.expiration.ms) and its batch starts at sequence "
                            + first + ", not 0; re-initialise the producer (bump its epoch)");
                }
            } else if (epoch < currentEpoch) {
                throw new TributaryException(ErrorCode.INVALID_PRODUCER_EPOCH, "producer " + pid + " epoch " + epoch
                        + " is older than the current epoch " + currentEpoch + "; a newer instance of this producer is active");
            } else if (epoch > currentEpoch) {
                if (first != 0) {
                    throw new TributaryException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + pid + " started epoch "
                            + epoch + " at sequence " + first + "; a new epoch starts at 0");
                }
            } else {
                if (batches.size() == 1 && entry != null) {
                    for (BatchMetadata m : entry.batches) {
                        if (m.firstSeq() == first && m.lastSeq() == b.lastSequence()) {
                            return m;
                        }
                    }
                }
                int expected = nextSequence(last == null ? RecordBatch.NO_SEQUENCE : last);
                if (first != expected) {
                    throw new TributaryException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + pid + " epoch " + epoch
                            + " sent sequence " + first + " but " + expected + " was expected (after " + last + ")");
                }
            }
            pendingEpoch.put(pid, epoch);
            pendingLastSeq.put(pid, b.lastSequence());
        }
        return null;
    }

    /** Records a written batch (leader, follower and recovery alike). */
    void update(long producerId, short epoch, int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestampMs) {
        if (producerId == RecordBatch.NO_PRODUCER_ID) {
            return;
        }
        ProducerEntry entry = producers.get(producerId);
        if (entry == null || epoch > entry.epoch) {
            entry = new ProducerEntry(producerId, epoch);
            producers.put(producerId, entry);
        } else if (epoch < entry.epoch) {
            return; // a zombie's batch replicated before the fence; its sequence no longer matters
        }
        if (entry.batches.size() == BATCHES_PER_PRODUCER) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset, timestampMs));
        entry.lastTimestampMs = Math.max(entry.lastTimestampMs, timestampMs);
    }

    void update(RecordBatch b, long timestampMs) {
        if (b.hasProducerId()) {
            update(b.producerId(), b.producerEpoch(), b.baseSequence(), b.lastSequence(), b.baseOffset(), b.lastOffset(), timestampMs);
        }
    }

    void update(BatchHeader h) {
        if (h.producerId() != RecordBatch.NO_PRODUCER_ID) {
            long lastSeq = (long) h.baseSequence() + h.lastOffsetDelta();
            int last = (int) (lastSeq > Integer.MAX_VALUE ? lastSeq - Integer.MAX_VALUE - 1 : lastSeq);
            update(h.producerId(), h.producerEpoch(), h.baseSequence(), last, h.baseOffset(), h.lastOffset(), h.maxTimestamp());
        }
    }

    /** Forgets producers idle for longer than {@code expirationMs}; returns how many. */
    int removeExpired(long nowMs, long expirationMs) {
        int removed = 0;
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            if (nowMs - it.next().lastTimestampMs > expirationMs) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    Map<Long, ProducerEntry> producers() {
        return producers;
    }

    /**
     * For each known producer, the last offset of its newest batch. The log cleaner keeps those batches (emptied
     * if need be) so that a replica or a recovery rebuilding this state from the log still finds every producer's
     * last sequence.
     */
    Map<Long, Long> lastBatchOffsets() {
        Map<Long, Long> last = new HashMap<>();
        for (ProducerEntry e : producers.values()) {
            if (!e.batches.isEmpty()) {
                last.put(e.producerId, e.batches.peekLast().lastOffset());
            }
        }
        return last;
    }

    void clear() {
        producers.clear();
    }

    static Path snapshotFile(Path dir, long offset) {
        return dir.resolve(Segment.fileName(offset, SNAPSHOT_SUFFIX));
    }

    /** Writes the state as of {@code offset} (the log end) atomically, and keeps only the newest few snapshots. */
    void takeSnapshot(long offset) throws IOException {
        int size = 4 + 8 + 4 + 4;
        for (ProducerEntry e : producers.values()) {
            size += 8 + 2 + 8 + 1 + e.batches.size() * (4 + 4 + 8 + 8 + 8);
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putInt(MAGIC).putLong(offset).putInt(producers.size());
        for (ProducerEntry e : producers.values()) {
            buf.putLong(e.producerId).putShort(e.epoch).putLong(e.lastTimestampMs).put((byte) e.batches.size());
            for (BatchMetadata m : e.batches) {
                buf.putInt(m.firstSeq()).putInt(m.lastSeq()).putLong(m.firstOffset()).putLong(m.lastOffset()).putLong(m.timestampMs());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        buf.flip();
        Path target = snapshotFile(dir, offset);
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        TreeSet<Long> all = snapshotOffsets(dir);
        while (all.size() > SNAPSHOTS_KEPT) {
            Files.deleteIfExists(snapshotFile(dir, all.pollFirst()));
        }
    }

    /**
     * Replaces the state with the newest readable snapshot at or below {@code maxOffset}; snapshots above it (from a
     * truncated suffix) and unreadable ones are deleted.
     *
     * @return the offset the loaded snapshot covers up to, or -1 when none was loaded (state empty)
     */
    long loadLatestSnapshot(long maxOffset) throws IOException {
        producers.clear();
        TreeSet<Long> offsets = snapshotOffsets(dir);
        for (Long o : offsets.descendingSet()) {
            Path file = snapshotFile(dir, o);
            if (o > maxOffset) {
                Files.deleteIfExists(file);
                continue;
            }
            if (read(file, o)) {
                return o;
            }
            log.warn("{}: ignoring corrupt producer snapshot", file);
            Files.deleteIfExists(file);
            producers.clear();
        }
        return -1L;
    }

    private boolean read(Path file, long expectedOffset) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            if (buf.remaining() < 20 || buf.getInt(0) != MAGIC) {
                return false;
            }
            CRC32C crc = new CRC32C();
            crc.update(buf.array(), 0, buf.limit() - 4);
            if ((int) crc.getValue() != buf.getInt(buf.limit() - 4)) {
                return false;
            }
            buf.getInt();
            if (buf.getLong() != expectedOffset) {
                return false;
            }
            int count = buf.getInt();
            for (int i = 0; i < count; i++) {
                ProducerEntry e = new ProducerEntry(buf.getLong(), buf.getShort());
                e.lastTimestampMs = buf.getLong();
                int n = buf.get();
                for (int j = 0; j < n; j++) {
                    e.batches.addLast(new BatchMetadata(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong(), buf.getLong()));
                }
                producers.put(e.producerId, e);
            }
            return true;
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    /** Deletes snapshots below {@code offset} (retention moved the log start past them), keeping the newest one. */
    void deleteSnapshotsBelow(long offset) throws IOException {
        TreeSet<Long> all = snapshotOffsets(dir);
        Long newest = all.isEmpty() ? null : all.last();
        for (long o : all) {
            if (o < offset && (newest == null || o != newest)) {
                Files.deleteIfExists(snapshotFile(dir, o));
            }
        }
    }

    void deleteAllSnapshots() throws IOException {
        for (long o : snapshotOffsets(dir)) {
            Files.deleteIfExists(snapshotFile(dir, o));
        }
    }

    static TreeSet<Long> snapshotOffsets(Path dir) throws IOException {
        TreeSet<Long> offsets = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SNAPSHOT_SUFFIX)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    offsets.add(Long.parseLong(name.substring(0, name.length() - SNAPSHOT_SUFFIX.length())));
                } catch (NumberFormatException ignored) {
                    // Not ours.
                }
            }
        }
        return offsets;
    }
}
