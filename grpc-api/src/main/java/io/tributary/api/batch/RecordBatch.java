package io.tributary.api.batch;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.RecordSet;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * A view over the bytes of one record batch: the single owner of the batch layout, used unchanged in memory,
 * on disk and on the wire.
 *
 * <pre>
 *  offset  size  field
 *       0     8  base_offset        assigned by the broker (a producer sends 0)
 *       8     4  batch_length       bytes after this field
 *      12     4  leader_epoch       stamped by the broker (a producer sends -1)
 *      16     1  magic              2
 *      17     4  crc                CRC32C of bytes [21, end)
 *      21     2  attributes         bits 0-2 compression, bit 3 timestamp type, bit 4 delete horizon
 *      23     4  last_offset_delta  offset of the last record - base_offset (record_count - 1 as produced)
 *      27     8  first_timestamp
 *      35     8  max_timestamp
 *      43     8  producer_id
 *      51     2  producer_epoch
 *      53     4  base_sequence
 *      57     4  record_count       as produced: last_offset_delta + 1; after compaction: fewer, even 0
 *      61     *  records            a tributary.v1.RecordSet message, compressed as a whole per the attributes
 * </pre>
 *
 * All integers are big-endian. The broker-stamped fields come before the CRC so that stamping them costs no
 * new checksum.
 *
 * <p><b>Compacted batches.</b> The log cleaner of a {@code cleanup.policy=compact} topic drops records from a batch
 * but never renumbers: a record's offset stays {@code base_offset + offset_delta}, and the header keeps its base
 * offset, last offset delta and producer fields, so {@link #nextOffset()} is unchanged and only
 * {@code record_count} shrinks. A batch may even keep no record at all, to carry an idempotent producer's last
 * sequence. When the cleaner first keeps a tombstone (a record without a value) it sets bit 4 and stores in
 * {@code first_timestamp} the time after which it may drop that tombstone, re-basing the records'
 * {@code timestamp_delta} so that {@code first_timestamp + timestamp_delta} is still each record's timestamp. The .proto file {@code tributary/v1/records.proto} carries the same table for clients in other
 * languages.
 *
 * <p>A view does not copy: it reads and writes the buffer it wraps, from that buffer's position at the time of
 * wrapping. Not thread-safe when mutated; concurrent reads of an unmutated batch are safe.
 */
public final class RecordBatch {
    public static final byte MAGIC = 2;

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BASE_OFFSET_LENGTH = 8;
    public static final int LENGTH_OFFSET = BASE_OFFSET_OFFSET + BASE_OFFSET_LENGTH;
    public static final int LENGTH_LENGTH = 4;
    /** Bytes before the part that {@code batch_length} counts. */
    public static final int LOG_OVERHEAD = LENGTH_OFFSET + LENGTH_LENGTH;
    public static final int LEADER_EPOCH_OFFSET = LENGTH_OFFSET + LENGTH_LENGTH;
    public static final int LEADER_EPOCH_LENGTH = 4;
    public static final int MAGIC_OFFSET = LEADER_EPOCH_OFFSET + LEADER_EPOCH_LENGTH;
    public static final int MAGIC_LENGTH = 1;
    public static final int CRC_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH;
    public static final int CRC_LENGTH = 4;
    public static final int ATTRIBUTES_OFFSET = CRC_OFFSET + CRC_LENGTH;
    public static final int ATTRIBUTES_LENGTH = 2;
    public static final int LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + ATTRIBUTES_LENGTH;
    public static final int LAST_OFFSET_DELTA_LENGTH = 4;
    public static final int FIRST_TIMESTAMP_OFFSET = LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH;
    public static final int FIRST_TIMESTAMP_LENGTH = 8;
    public static final int MAX_TIMESTAMP_OFFSET = FIRST_TIMESTAMP_OFFSET + FIRST_TIMESTAMP_LENGTH;
    public static final int MAX_TIMESTAMP_LENGTH = 8;
    public static final int PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + MAX_TIMESTAMP_LENGTH;
    public static final int PRODUCER_ID_LENGTH = 8;
    public static final int PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + PRODUCER_ID_LENGTH;
    public static final int PRODUCER_EPOCH_LENGTH = 2;
    public static final int BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + PRODUCER_EPOCH_LENGTH;
    public static final int BASE_SEQUENCE_LENGTH = 4;
    public static final int RECORD_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + BASE_SEQUENCE_LENGTH;
    public static final int RECORD_COUNT_LENGTH = 4;
    public static final int RECORDS_OFFSET = RECORD_COUNT_OFFSET + RECORD_COUNT_LENGTH;
    /** Size of a batch with an empty body. */
    public static final int HEADER_SIZE = RECORDS_OFFSET;

    public static final int COMPRESSION_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    /** Set by the log cleaner only: {@code first_timestamp} holds the delete horizon of the batch's tombstones. */
    public static final int DELETE_HORIZON_MASK = 0x10;

    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    public static final long NO_TIMESTAMP = -1L;

    private final ByteBuffer buffer;

    private RecordBatch(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /**
     * Wraps the batch that starts at {@code buffer.position()}. The view covers {@code batch_length + 12} bytes;
     * call {@link #ensureValid(int)} before trusting any field of bytes from outside.
     *
     * @throws TributaryException CORRUPT_MESSAGE if the buffer holds less than a whole batch
     */
    public static RecordBatch wrap(ByteBuffer buffer) {
        int remaining = buffer.remaining();
        if (remaining < LOG_OVERHEAD) {
            throw corrupt("a batch needs at least " + LOG_OVERHEAD + " bytes before its body, got " + remaining);
        }
        int size = sizeInBytes(buffer, buffer.position());
        if (size < HEADER_SIZE || size > remaining) {
            throw corrupt("batch_length " + (size - LOG_OVERHEAD) + " does not fit: " + remaining
                    + " bytes available, at least " + (HEADER_SIZE - LOG_OVERHEAD) + " needed");
        }
        ByteBuffer slice = buffer.slice(buffer.position(), size);
        return new RecordBatch(slice);
    }

    /**
     * The total size of the batch starting at {@code position}, read from its length field; the caller checks
     * that 12 bytes are there. May be nonsense on corrupt input: callers bound it.
     */
    public static int sizeInBytes(ByteBuffer buffer, int position) {
        return LOG_OVERHEAD + buffer.getInt(position + LENGTH_OFFSET);
    }

    /** Iterates the whole batches in {@code [position, limit)} of a buffer of concatenated batches, without copying. */
    public static Iterable<RecordBatch> iterate(ByteBuffer batches) {
        ByteBuffer view = batches.duplicate();
        return () -> new Iterator<>() {
            private int position = view.position();

            @Override
            public boolean hasNext() {
                return position < view.limit();
            }

            @Override
            public RecordBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RecordBatch batch = wrap(view.duplicate().position(position));
                position += batch.sizeInBytes();
                return batch;
            }
        };
    }

    /** The bytes of this batch, position 0 to limit; shares content with the wrapped buffer. */
    public ByteBuffer buffer() {
        return buffer.duplicate();
    }

    public int sizeInBytes() {
        return buffer.limit();
    }

    public long baseOffset() {
        return buffer.getLong(BASE_OFFSET_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset right after this batch. */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    public int batchLength() {
        return buffer.getInt(LENGTH_OFFSET);
    }

    public int leaderEpoch() {
        return buffer.getInt(LEADER_EPOCH_OFFSET);
    }

    public byte magic() {
        return buffer.get(MAGIC_OFFSET);
    }

    public long checksum() {
        return Integer.toUnsignedLong(buffer.getInt(CRC_OFFSET));
    }

    public short attributes() {
        return buffer.getShort(ATTRIBUTES_OFFSET);
    }

    /** @return the codec, or null if the attribute bits name none (only on a batch that fails {@link #ensureValid}). */
    public Compression compression() {
        return Compression.forId(attributes() & COMPRESSION_MASK);
    }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) == 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    /** Whether the log cleaner stamped a delete horizon in {@code first_timestamp} (see the class javadoc). */
    public boolean hasDeleteHorizon() {
        return (attributes() & DELETE_HORIZON_MASK) != 0;
    }

    /** When the log cleaner may drop this batch's tombstones; {@link #NO_TIMESTAMP} when it set no horizon. */
    public long deleteHorizonMs() {
        return hasDeleteHorizon() ? firstTimestamp() : NO_TIMESTAMP;
    }

    public int lastOffsetDelta() {
        return buffer.getInt(LAST_OFFSET_DELTA_OFFSET);
    }

    public long firstTimestamp() {
        return buffer.getLong(FIRST_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buffer.getLong(MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buffer.getLong(PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buffer.getShort(PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buffer.getInt(BASE_SEQUENCE_OFFSET);
    }

    /** The sequence of the last record; sequences wrap from {@link Integer#MAX_VALUE} to 0. */
    public int lastSequence() {
        int base = baseSequence();
        if (base == NO_SEQUENCE) {
            return NO_SEQUENCE;
        }
        long last = (long) base + lastOffsetDelta();
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    public boolean hasProducerId() {
        return producerId() != NO_PRODUCER_ID;
    }

    public int recordCount() {
        return buffer.getInt(RECORD_COUNT_OFFSET);
    }

    /** The (possibly compressed) records body, without copying. */
    public ByteBuffer body() {
        return buffer.slice(RECORDS_OFFSET, buffer.limit() - RECORDS_OFFSET);
    }

    /**
     * Lays out a producer batch (base offset 0, leader epoch -1) around an already encoded, possibly compressed
     * records body, and fills in the CRC. What a broker does for a client that sends the header fields as a
     * protobuf message instead of bytes, and what {@link RecordBatchBuilder} does once it has the body.
     */
    public static ByteBuffer assemble(Compression compression, TimestampType timestampType, int recordCount,
                                      long firstTimestamp, long maxTimestamp, long producerId, short producerEpoch,
                                      int baseSequence, ByteBuffer body) {
        if (recordCount < 1) {
            throw corrupt("record_count is " + recordCount + "; a batch holds at least one record");
        }
        ByteBuffer batch = ByteBuffer.allocate(HEADER_SIZE + body.remaining());
        batch.putLong(BASE_OFFSET_OFFSET, 0L);
        batch.putInt(LENGTH_OFFSET, batch.capacity() - LOG_OVERHEAD);
        batch.putInt(LEADER_EPOCH_OFFSET, NO_PARTITION_LEADER_EPOCH);
        batch.put(MAGIC_OFFSET, MAGIC);
        int attributes = compression.id() | (timestampType == TimestampType.LOG_APPEND_TIME ? TIMESTAMP_TYPE_MASK : 0);
        batch.putShort(ATTRIBUTES_OFFSET, (short) attributes);
        batch.putInt(LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        batch.putLong(FIRST_TIMESTAMP_OFFSET, firstTimestamp);
        batch.putLong(MAX_TIMESTAMP_OFFSET, maxTimestamp);
        batch.putLong(PRODUCER_ID_OFFSET, producerId);
        batch.putShort(PRODUCER_EPOCH_OFFSET, producerEpoch);
        batch.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
        batch.putInt(RECORD_COUNT_OFFSET, recordCount);
        batch.put(RECORDS_OFFSET, body.duplicate(), body.position(), body.remaining());
        RecordBatch view = new RecordBatch(batch);
        batch.putInt(CRC_OFFSET, (int) view.computeChecksum());
        return batch;
    }

    /** CRC32C over everything from the attributes to the end, as stored in the crc field. */
    public long computeChecksum() {
        CRC32C crc = new CRC32C();
        crc.update(buffer.slice(ATTRIBUTES_OFFSET, buffer.limit() - ATTRIBUTES_OFFSET));
        return crc.getValue();
    }

    public boolean isValid() {
        try {
            ensureValid(Integer.MAX_VALUE);
            return true;
        } catch (TributaryException e) {
            return false;
        }
    }

    /**
     * Checks everything about the batch that can be checked without decoding its records: size, magic, CRC,
     * attributes, counts and producer fields.
     *
     * @param maxBatchBytes the largest acceptable {@link #sizeInBytes()}
     * @throws TributaryException CORRUPT_MESSAGE for bytes that are not a well-formed batch, MESSAGE_TOO_LARGE
     *     for a well-formed batch over {@code maxBatchBytes}
     */
    public void ensureValid(int maxBatchBytes) {
        if (magic() != MAGIC) {
            throw corrupt("unsupported magic " + magic() + " (expected " + MAGIC + ")");
        }
        long stored = checksum();
        long computed = computeChecksum();
        if (stored != computed) {
            throw corrupt("CRC32C mismatch: stored " + Long.toHexString(stored) + ", computed " + Long.toHexString(computed));
        }
        if (compression() == null) {
            throw corrupt("unknown compression id " + (attributes() & COMPRESSION_MASK));
        }
        int count = recordCount();
        // Compaction removes records without renumbering, so a stored batch may hold fewer records than its offset
        // range (even none); a producer's batch must hold exactly one record per offset, which the broker checks
        // on produce.
        if (lastOffsetDelta() < 0 || count < 0 || count > lastOffsetDelta() + 1L) {
            throw corrupt("record_count " + count + " does not fit last_offset_delta " + lastOffsetDelta());
        }
        if (sizeInBytes() > maxBatchBytes) {
            throw new TributaryException(ErrorCode.MESSAGE_TOO_LARGE, "batch of " + sizeInBytes()
                    + " bytes exceeds the limit of " + maxBatchBytes + " bytes (message.max.bytes)");
        }
    }

    public void setBaseOffset(long baseOffset) {
        buffer.putLong(BASE_OFFSET_OFFSET, baseOffset);
    }

    public void setLeaderEpoch(int leaderEpoch) {
        buffer.putInt(LEADER_EPOCH_OFFSET, leaderEpoch);
    }

    /**
     * Stamps the broker's clock under {@code LogAppendTime}: sets the type bit and max_timestamp, then the CRC,
     * which covers both. The only broker write that costs a checksum, and one per batch.
     */
    public void setLogAppendTime(long appendTimeMs) {
        buffer.putShort(ATTRIBUTES_OFFSET, (short) (attributes() | TIMESTAMP_TYPE_MASK));
        buffer.putLong(MAX_TIMESTAMP_OFFSET, appendTimeMs);
        buffer.putInt(CRC_OFFSET, (int) computeChecksum());
    }

    /**
     * Stamps an idempotent producer's identity on a built batch, then the CRC, which covers all three fields. For a
     * producer that assigns the sequence only when the batch is closed for sending; its retries reuse the bytes.
     */
    public void setProducerFields(long producerId, short producerEpoch, int baseSequence) {
        buffer.putLong(PRODUCER_ID_OFFSET, producerId);
        buffer.putShort(PRODUCER_EPOCH_OFFSET, producerEpoch);
        buffer.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
        buffer.putInt(CRC_OFFSET, (int) computeChecksum());
    }

    /**
     * Decodes the records, decompressing the body with its codec first (see {@link RecordBodies}).
     */
    public RecordSet decodeRecords() {
        return RecordBodies.decode(this);
    }

    private static TributaryException corrupt(String why) {
        return new TributaryException(ErrorCode.CORRUPT_MESSAGE, "corrupt record batch: " + why);
    }

    @Override
    public String toString() {
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", size=" + sizeInBytes()
                + ", leaderEpoch=" + leaderEpoch() + ", records=" + recordCount() + ", maxTimestamp=" + maxTimestamp() + ")";
    }
}
