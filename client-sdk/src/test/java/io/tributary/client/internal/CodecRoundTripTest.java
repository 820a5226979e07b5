package io.tributary.client.internal;

import io.tributary.api.TributaryException;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.Header;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.RecordSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every codec through the shared batch builder and decoder (grpc-api's CompressionCodecs). */
class CodecRoundTripTest {
    @ParameterizedTest
    @EnumSource(Compression.class)
    void batchRoundTripsThroughEveryCodec(Compression compression) {
        RecordBatchBuilder builder = RecordBatchBuilder.options().compression(compression).build();
        for (int i = 0; i < 500; i++) {
            builder.append(1_000 + i, ("key-" + i).getBytes(StandardCharsets.UTF_8),
                    ("value value value " + i).getBytes(StandardCharsets.UTF_8),
                    i % 10 == 0 ? List.of(new Header("h", new byte[] {(byte) i}), new Header("n", null)) : null);
        }
        builder.append(2_000, null, null);
        ByteBuffer bytes = builder.build();
        RecordBatch batch = RecordBatch.wrap(bytes);
        batch.ensureValid(Integer.MAX_VALUE);
        assertEquals(compression, batch.compression());
        assertEquals(501, batch.recordCount());
        RecordSet set = batch.decodeRecords();
        assertEquals(501, set.getRecordsCount());
        assertEquals("key-123", set.getRecords(123).getKey().toStringUtf8());
        assertEquals("value value value 499", set.getRecords(499).getValue().toStringUtf8());
        assertEquals(2, set.getRecords(10).getHeadersCount());
        assertFalse(set.getRecords(10).getHeaders(1).hasValue(), "null header value survives");
        assertFalse(set.getRecords(500).hasKey());
        assertFalse(set.getRecords(500).hasValue(), "a tombstone stays null");
        if (compression != Compression.NONE) {
            assertTrue(batch.sizeInBytes() < 500 * 30, compression + " should shrink repetitive records: " + batch.sizeInBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void garbageBodyIsCorruptMessageNotACrash(Compression compression) {
        ByteBuffer bytes = RecordBatchBuilder.options().compression(compression).build().append(1, null, new byte[100]).build();
        // Scribble over the body, then fix the CRC so only the codec can notice.
        for (int i = RecordBatch.RECORDS_OFFSET; i < bytes.limit(); i++) {
            bytes.put(i, (byte) (i * 31));
        }
        RecordBatch batch = RecordBatch.wrap(bytes);
        bytes.putInt(RecordBatch.CRC_OFFSET, (int) batch.computeChecksum());
        TributaryException e = assertThrows(TributaryException.class, batch::decodeRecords);
        assertEquals(io.tributary.api.ErrorCode.CORRUPT_MESSAGE, e.error());
    }

    @Test
    void flippedBitFailsTheCrcCheck() {
        ByteBuffer bytes = RecordBatchBuilder.create().append(1, null, "v".getBytes(StandardCharsets.UTF_8)).build();
        bytes.put(bytes.limit() - 1, (byte) (bytes.get(bytes.limit() - 1) ^ 1));
        assertFalse(RecordBatch.wrap(bytes).isValid());
    }
}
