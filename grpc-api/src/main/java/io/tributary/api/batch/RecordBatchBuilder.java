package io.tributary.api.batch;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Builds one record batch as a producer sends it: base offset 0, leader epoch -1, CRC filled in. The body is
 * written field by field in the wire format of {@code tributary.v1.RecordSet} (no message object per record),
 * so the bytes are exactly what {@link RecordBatch#decodeRecords()} and any protobuf library parse.
 *
 * <p>Not thread-safe: one builder per batch, used by one thread.
 */
public final class RecordBatchBuilder {
    private static final int RECORDS_FIELD = 1;
    private static final int OFFSET_DELTA_FIELD = 1;
    private static final int TIMESTAMP_DELTA_FIELD = 2;
    private static final int KEY_FIELD = 3;
    private static final int VALUE_FIELD = 4;
    private static final int HEADERS_FIELD = 5;
    private static final int HEADER_KEY_FIELD = 1;
    private static final int HEADER_VALUE_FIELD = 2;

    private final Compression compression;
    private final TimestampType timestampType;
    private final long producerId;
    private final short producerEpoch;
    private final int baseSequence;
    private final BatchBuffer body;
    private final CodedOutputStream out;

    private int recordCount;
    private long firstTimestamp = RecordBatch.NO_TIMESTAMP;
    private long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private boolean built;

    private RecordBatchBuilder(Options options) {
        this.compression = options.compression;
        this.timestampType = options.timestampType;
        this.producerId = options.producerId;
        this.producerEpoch = options.producerEpoch;
        this.baseSequence = options.baseSequence;
        this.body = new BatchBuffer(RecordBatch.HEADER_SIZE + Math.max(64, options.initialCapacityBytes));
        this.out = CodedOutputStream.newInstance(body, 8192);
    }

    public static Options options() {
        return new Options();
    }

    public static RecordBatchBuilder create() {
        return new Options().build();
    }

    /** Appends a record; {@code key}, {@code value} and {@code headers} may be null. */
    public RecordBatchBuilder append(long timestampMs, byte[] key, byte[] value, List<Header> headers) {
        if (built) {
            throw new IllegalStateException("batch already built");
        }
        if (recordCount == 0) {
            firstTimestamp = timestampMs;
        }
        maxTimestamp = Math.max(maxTimestamp, timestampMs);
        int offsetDelta = recordCount;
        long timestampDelta = timestampMs - firstTimestamp;
        int size = recordSize(offsetDelta, timestampDelta, key, value, headers);
        try {
            out.writeTag(RECORDS_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(size);
            if (offsetDelta != 0) {
                out.writeUInt32(OFFSET_DELTA_FIELD, offsetDelta);
            }
            if (timestampDelta != 0) {
                out.writeSInt64(TIMESTAMP_DELTA_FIELD, timestampDelta);
            }
            if (key != null) {
                out.writeByteArray(KEY_FIELD, key);
            }
            if (value != null) {
                out.writeByteArray(VALUE_FIELD, value);
            }
            if (headers != null) {
                for (Header h : headers) {
                    out.writeTag(HEADERS_FIELD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                    out.writeUInt32NoTag(headerSize(h));
                    if (!h.key().isEmpty()) {
                        out.writeString(HEADER_KEY_FIELD, h.key());
                    }
                    if (h.value() != null) {
                        out.writeByteArray(HEADER_VALUE_FIELD, h.value());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        recordCount++;
        return this;
    }

    public RecordBatchBuilder append(long timestampMs, byte[] key, byte[] value) {
        return append(timestampMs, key, value, null);
    }

    public int recordCount() {
        return recordCount;
    }

    /** Body bytes written so far, before compression: a bound on the batch size for uncompressed batches. */
    public int estimatedSizeInBytes() {
        return RecordBatch.HEADER_SIZE + out.getTotalBytesWritten();
    }

    /** The finished batch, position 0, limit = size. The builder cannot be used afterwards. */
    public ByteBuffer build() {
        if (recordCount == 0) {
            throw new IllegalStateException("a batch holds at least one record");
        }
        built = true;
        ByteBuffer batch;
        try {
            out.flush();
            if (compression == Compression.NONE) {
                // The body was written after HEADER_SIZE reserved bytes: the header goes in front of it in place.
                batch = ByteBuffer.wrap(body.array(), 0, body.size()).slice();
            } else {
                byte[] raw = Arrays.copyOfRange(body.array(), RecordBatch.HEADER_SIZE, body.size());
                byte[] records = CompressionCodecs.compress(compression, raw);
                batch = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + records.length);
                batch.put(RecordBatch.RECORDS_OFFSET, records);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        batch.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L);
        batch.putInt(RecordBatch.LENGTH_OFFSET, batch.capacity() - RecordBatch.LOG_OVERHEAD);
        batch.putInt(RecordBatch.LEADER_EPOCH_OFFSET, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        batch.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        int attributes = compression.id() | (timestampType == TimestampType.LOG_APPEND_TIME ? RecordBatch.TIMESTAMP_TYPE_MASK : 0);
        batch.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) attributes);
        batch.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        batch.putLong(RecordBatch.FIRST_TIMESTAMP_OFFSET, firstTimestamp);
        batch.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        batch.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        batch.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        batch.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        batch.putInt(RecordBatch.RECORD_COUNT_OFFSET, recordCount);
        CRC32C crc = new CRC32C();
        crc.update(batch.slice(RecordBatch.ATTRIBUTES_OFFSET, batch.capacity() - RecordBatch.ATTRIBUTES_OFFSET));
        batch.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        return batch.clear();
    }

    /**
     * The batch's one array: starts with {@link RecordBatch#HEADER_SIZE} zero bytes that {@link #build()} fills, then
     * the records body as CodedOutputStream flushes it. Exposing the array (ByteArrayOutputStream's protected
     * {@code buf}) lets an uncompressed batch be built without copying its body again.
     */
    private static final class BatchBuffer extends ByteArrayOutputStream {
        BatchBuffer(int capacityBytes) {
            super(capacityBytes);
            count = RecordBatch.HEADER_SIZE;
        }

        byte[] array() {
            return buf;
        }
    }

    private static int recordSize(int offsetDelta, long timestampDelta, byte[] key, byte[] value, List<Header> headers) {
        int size = 0;
        if (offsetDelta != 0) {
            size += CodedOutputStream.computeUInt32Size(OFFSET_DELTA_FIELD, offsetDelta);
        }
        if (timestampDelta != 0) {
            size += CodedOutputStream.computeSInt64Size(TIMESTAMP_DELTA_FIELD, timestampDelta);
        }
        if (key != null) {
            size += CodedOutputStream.computeByteArraySize(KEY_FIELD, key);
        }
        if (value != null) {
            size += CodedOutputStream.computeByteArraySize(VALUE_FIELD, value);
        }
        if (headers != null) {
            for (Header h : headers) {
                int hs = headerSize(h);
                size += CodedOutputStream.computeTagSize(HEADERS_FIELD) + CodedOutputStream.computeUInt32SizeNoTag(hs) + hs;
            }
        }
        return size;
    }

    private static int headerSize(Header h) {
        int size = h.key().isEmpty() ? 0 : CodedOutputStream.computeStringSize(HEADER_KEY_FIELD, h.key());
        if (h.value() != null) {
            size += CodedOutputStream.computeByteArraySize(HEADER_VALUE_FIELD, h.value());
        }
        return size;
    }

    /** Batch-wide settings; defaults describe a plain, non-idempotent, uncompressed CreateTime batch. */
    public static final class Options {
        private Compression compression = Compression.NONE;
        private TimestampType timestampType = TimestampType.CREATE_TIME;
        private long producerId = RecordBatch.NO_PRODUCER_ID;
        private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
        private int baseSequence = RecordBatch.NO_SEQUENCE;
        private int initialCapacityBytes = 1024;

        private Options() {
        }

        public Options compression(Compression compression) {
            this.compression = compression;
            return this;
        }

        public Options timestampType(TimestampType timestampType) {
            this.timestampType = timestampType;
            return this;
        }

        public Options producer(long producerId, short producerEpoch, int baseSequence) {
            this.producerId = producerId;
            this.producerEpoch = producerEpoch;
            this.baseSequence = baseSequence;
            return this;
        }

        public Options initialCapacityBytes(int initialCapacityBytes) {
            this.initialCapacityBytes = initialCapacityBytes;
            return this;
        }

        public RecordBatchBuilder build() {
            return new RecordBatchBuilder(this);
        }
    }
}
