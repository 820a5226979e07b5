package io.tributary.api.batch;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Record;
import io.tributary.api.v1.RecordHeader;
import io.tributary.api.v1.RecordSet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a batch's records straight off the body's protobuf wire format into the caller's hands, without building a
 * {@code RecordSet} and its {@code Record}/{@code ByteString} objects first. A consumer turns every record into its
 * own object anyway; going through the generated classes allocated and copied each key and value twice more.
 * Unknown fields are skipped, so bodies written by a newer producer still read.
 *
 * <p>Stateless and thread-safe.
 */
public final class RecordReader {
    // Field numbers from the generated classes, so the reader follows records.proto by construction.
    private static final int RECORDS_FIELD = RecordSet.RECORDS_FIELD_NUMBER;
    private static final int OFFSET_DELTA_FIELD = Record.OFFSET_DELTA_FIELD_NUMBER;
    private static final int TIMESTAMP_DELTA_FIELD = Record.TIMESTAMP_DELTA_FIELD_NUMBER;
    private static final int KEY_FIELD = Record.KEY_FIELD_NUMBER;
    private static final int VALUE_FIELD = Record.VALUE_FIELD_NUMBER;
    private static final int HEADERS_FIELD = Record.HEADERS_FIELD_NUMBER;
    private static final int HEADER_KEY_FIELD = RecordHeader.KEY_FIELD_NUMBER;
    private static final int HEADER_VALUE_FIELD = RecordHeader.VALUE_FIELD_NUMBER;

    /** Receives each record of a batch in order; {@code key}/{@code value} are null when absent, never shared. */
    @FunctionalInterface
    public interface Visitor {
        void record(int offsetDelta, long timestampDelta, byte[] key, byte[] value, List<Header> headers);
    }

    private RecordReader() {
    }

    /**
     * Visits every record of {@code batch}, decompressing the body first if needed (to at most
     * {@code maxDecompressedBytes}).
     *
     * @throws TributaryException CORRUPT_MESSAGE when the body does not decompress or parse
     */
    public static void read(RecordBatch batch, int maxDecompressedBytes, Visitor visitor) {
        read(batch, null, maxDecompressedBytes, visitor);
    }

    /**
     * As {@link #read(RecordBatch, int, Visitor)}, for a batch that also exists as {@code batchBytes} (e.g. a
     * substring of a received protobuf {@code bytes} field): an uncompressed body is then parsed in place. A read-only
     * heap ByteBuffer, which is all a ByteString hands out, would otherwise be copied whole before parsing.
     */
    public static void read(RecordBatch batch, ByteString batchBytes, int maxDecompressedBytes, Visitor visitor) {
        Compression compression = batch.compression();
        if (compression == null) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "unknown compression id in " + batch);
        }
        try {
            CodedInputStream in;
            if (compression == Compression.NONE && batchBytes != null) {
                in = batchBytes.substring(RecordBatch.HEADER_SIZE).newCodedInput();
            } else if (compression == Compression.NONE) {
                ByteBuffer body = batch.body();
                in = body.hasArray()
                        ? CodedInputStream.newInstance(body.array(), body.arrayOffset() + body.position(), body.remaining())
                        : CodedInputStream.newInstance(body);
            } else {
                in = CodedInputStream.newInstance(CompressionCodecs.decompress(compression, batch.body(), maxDecompressedBytes));
            }
            readRecords(in, visitor);
        } catch (IOException | RuntimeException e) {
            if (e instanceof TributaryException te) {
                throw te;
            }
            // Native codecs report garbage input as assorted runtime exceptions; all of them mean a corrupt body.
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "records body of " + batch + " does not decode ("
                    + compression.configName() + "): " + e.getMessage(), e);
        }
    }

    private static void readRecords(CodedInputStream in, Visitor visitor) throws IOException {
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return;
            }
            if (WireFormat.getTagFieldNumber(tag) != RECORDS_FIELD || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                in.skipField(tag);
                continue;
            }
            int limit = in.pushLimit(in.readRawVarint32());
            readRecord(in, visitor);
            in.popLimit(limit);
        }
    }

    private static void readRecord(CodedInputStream in, Visitor visitor) throws IOException {
        int offsetDelta = 0;
        long timestampDelta = 0;
        byte[] key = null;
        byte[] value = null;
        List<Header> headers = List.of();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            switch (tag) {
                case (OFFSET_DELTA_FIELD << 3) | WireFormat.WIRETYPE_VARINT -> offsetDelta = in.readUInt32();
                case (TIMESTAMP_DELTA_FIELD << 3) | WireFormat.WIRETYPE_VARINT -> timestampDelta = in.readSInt64();
                case (KEY_FIELD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> key = in.readByteArray();
                case (VALUE_FIELD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> value = in.readByteArray();
                case (HEADERS_FIELD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    if (headers.isEmpty()) {
                        headers = new ArrayList<>(2);
                    }
                    int limit = in.pushLimit(in.readRawVarint32());
                    headers.add(readHeader(in));
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        visitor.record(offsetDelta, timestampDelta, key, value, headers);
    }

    private static Header readHeader(CodedInputStream in) throws IOException {
        String key = "";
        byte[] value = null;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return new Header(key, value);
            }
            switch (tag) {
                case (HEADER_KEY_FIELD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> key = in.readStringRequireUtf8();
                case (HEADER_VALUE_FIELD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> value = in.readByteArray();
                default -> in.skipField(tag);
            }
        }
    }
}
