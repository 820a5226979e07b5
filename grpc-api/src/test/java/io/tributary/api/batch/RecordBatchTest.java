package io.tributary.api.batch;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Record;
import io.tributary.api.v1.RecordSet;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordBatchTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void builtBatchParsesWithTheGeneratedProtobufClasses() throws Exception {
        ByteBuffer bytes = RecordBatchBuilder.options().producer(7L, (short) 2, 40).build()
                .append(1000L, utf8("k1"), utf8("v1"), List.of(new Header("h", utf8("x")), new Header("n", null)))
                .append(1005L, null, null)
                .append(998L, new byte[0], utf8("v3"))
                .build();
        RecordBatch batch = RecordBatch.wrap(bytes);
        batch.ensureValid(Integer.MAX_VALUE);
        assertEquals(0L, batch.baseOffset());
        assertEquals(-1, batch.leaderEpoch());
        assertEquals(3, batch.recordCount());
        assertEquals(2, batch.lastOffsetDelta());
        assertEquals(1000L, batch.firstTimestamp());
        assertEquals(1005L, batch.maxTimestamp());
        assertEquals(7L, batch.producerId());
        assertEquals(2, batch.producerEpoch());
        assertEquals(40, batch.baseSequence());
        assertEquals(42, batch.lastSequence());
        assertEquals(Compression.NONE, batch.compression());
        assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
        assertEquals(bytes.remaining(), batch.sizeInBytes());

        RecordSet set = RecordSet.parseFrom(batch.body());
        assertEquals(3, set.getRecordsCount());
        Record r0 = set.getRecords(0);
        assertEquals(0, r0.getOffsetDelta());
        assertEquals(0, r0.getTimestampDelta());
        assertArrayEquals(utf8("k1"), r0.getKey().toByteArray());
        assertArrayEquals(utf8("v1"), r0.getValue().toByteArray());
        assertEquals("h", r0.getHeaders(0).getKey());
        assertArrayEquals(utf8("x"), r0.getHeaders(0).getValue().toByteArray());
        assertFalse(r0.getHeaders(1).hasValue(), "null header value stays null");
        Record r1 = set.getRecords(1);
        assertEquals(1, r1.getOffsetDelta());
        assertEquals(5, r1.getTimestampDelta());
        assertFalse(r1.hasKey(), "null key stays null");
        assertFalse(r1.hasValue(), "null value (tombstone) stays null");
        Record r2 = set.getRecords(2);
        assertTrue(r2.hasKey(), "empty key is present, not null");
        assertEquals(0, r2.getKey().size());
        assertEquals(-2, r2.getTimestampDelta());
    }

    @Test
    void gzipBodyRoundTrips() {
        RecordBatchBuilder b = RecordBatchBuilder.options().compression(Compression.GZIP).build();
        for (int i = 0; i < 100; i++) {
            b.append(i, null, utf8("value-" + i));
        }
        RecordBatch batch = RecordBatch.wrap(b.build());
        batch.ensureValid(Integer.MAX_VALUE);
        assertEquals(Compression.GZIP, batch.compression());
        RecordSet set = batch.decodeRecords();
        assertEquals(100, set.getRecordsCount());
        assertEquals("value-99", set.getRecords(99).getValue().toStringUtf8());
    }

    @Test
    void stampingBaseOffsetAndLeaderEpochKeepsTheCrcValid() {
        RecordBatch batch = RecordBatch.wrap(RecordBatchBuilder.create().append(1L, null, utf8("a")).build());
        batch.setBaseOffset(123_456L);
        batch.setLeaderEpoch(9);
        batch.ensureValid(Integer.MAX_VALUE);
        assertEquals(123_456L, batch.lastOffset());
    }

    @Test
    void logAppendTimeStampRecomputesTheCrc() {
        RecordBatch batch = RecordBatch.wrap(RecordBatchBuilder.create().append(1L, null, utf8("a")).build());
        batch.setLogAppendTime(5_000L);
        batch.ensureValid(Integer.MAX_VALUE);
        assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
        assertEquals(5_000L, batch.maxTimestamp());
    }

    @Test
    void stampingProducerFieldsRecomputesTheCrcAndKeepsTheBody() {
        ByteBuffer bytes = RecordBatchBuilder.create().append(1L, null, utf8("a")).append(2L, null, utf8("b")).build();
        RecordBatch batch = RecordBatch.wrap(bytes);
        ByteBuffer bodyBefore = batch.body();
        assertFalse(batch.hasProducerId());
        batch.setProducerFields(77L, (short) 3, Integer.MAX_VALUE);
        batch.ensureValid(Integer.MAX_VALUE);
        assertEquals(77L, batch.producerId());
        assertEquals(3, batch.producerEpoch());
        assertEquals(Integer.MAX_VALUE, batch.baseSequence());
        assertEquals(0, batch.lastSequence(), "two records from Integer.MAX_VALUE wrap to 0");
        assertEquals(bodyBefore, batch.body());
        assertEquals(2, batch.decodeRecords().getRecordsCount());
    }

    @Test
    void flippedBitFailsTheCrcCheckAsCorruptMessage() {
        ByteBuffer bytes = RecordBatchBuilder.create().append(1L, null, utf8("hello")).build();
        bytes.put(bytes.limit() - 2, (byte) (bytes.get(bytes.limit() - 2) ^ 0x10));
        TributaryException e = assertThrows(TributaryException.class, () -> RecordBatch.wrap(bytes).ensureValid(Integer.MAX_VALUE));
        assertEquals(ErrorCode.CORRUPT_MESSAGE, e.error());
        assertTrue(e.getMessage().contains("CRC"), e.getMessage());
    }

    @Test
    void lengthFieldBeyondTheBufferIsCorruptMessage() {
        ByteBuffer bytes = RecordBatchBuilder.create().append(1L, null, utf8("hello")).build();
        bytes.putInt(RecordBatch.LENGTH_OFFSET, 10_000);
        TributaryException e = assertThrows(TributaryException.class, () -> RecordBatch.wrap(bytes));
        assertEquals(ErrorCode.CORRUPT_MESSAGE, e.error());
    }

    @Test
    void oversizedBatchIsMessageTooLarge() {
        ByteBuffer bytes = RecordBatchBuilder.create().append(1L, null, new byte[500]).build();
        TributaryException e = assertThrows(TributaryException.class, () -> RecordBatch.wrap(bytes).ensureValid(100));
        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, e.error());
    }

    @Test
    void sequencesWrapAtIntMax() {
        ByteBuffer bytes = RecordBatchBuilder.options().producer(1L, (short) 0, Integer.MAX_VALUE - 1).build()
                .append(1L, null, null).append(1L, null, null).append(1L, null, null).build();
        assertEquals(0, RecordBatch.wrap(bytes).lastSequence());
    }

    @Test
    void iterateWalksConcatenatedBatchesWithoutCopying() {
        ByteBuffer a = RecordBatchBuilder.create().append(1L, null, utf8("a")).build();
        ByteBuffer b = RecordBatchBuilder.create().append(2L, null, utf8("b")).append(3L, null, utf8("c")).build();
        ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining()).put(a).put(b).flip();
        int count = 0;
        int records = 0;
        for (RecordBatch batch : RecordBatch.iterate(both)) {
            batch.ensureValid(Integer.MAX_VALUE);
            count++;
            records += batch.recordCount();
        }
        assertEquals(2, count);
        assertEquals(3, records);
    }

    private static ByteBuffer withRecordCount(ByteBuffer bytes, int count) {
        bytes.putInt(RecordBatch.RECORD_COUNT_OFFSET, count);
        bytes.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.wrap(bytes.duplicate()).computeChecksum());
        return bytes;
    }

    @Test
    void compactedBatchWithFewerRecordsThanOffsetsEvenNoneIsValid() {
        ByteBuffer three = RecordBatchBuilder.create().append(1L, utf8("a"), utf8("1")).append(1L, utf8("b"), utf8("2"))
                .append(1L, utf8("c"), utf8("3")).build();
        RecordBatch.wrap(withRecordCount(three.duplicate(), 1)).ensureValid(Integer.MAX_VALUE);
        RecordBatch.wrap(withRecordCount(three.duplicate(), 0)).ensureValid(Integer.MAX_VALUE);
        assertEquals(2, RecordBatch.wrap(three).lastOffsetDelta(), "the offset range is what nextOffset follows");
    }

    @Test
    void moreRecordsThanOffsetsIsCorruptMessage() {
        ByteBuffer bytes = withRecordCount(RecordBatchBuilder.create().append(1L, utf8("a"), utf8("1")).build(), 2);
        TributaryException e = assertThrows(TributaryException.class, () -> RecordBatch.wrap(bytes).ensureValid(Integer.MAX_VALUE));
        assertEquals(ErrorCode.CORRUPT_MESSAGE, e.error());
    }

    @Test
    void deleteHorizonIsReadFromFirstTimestampOnlyWhenItsBitIsSet() {
        ByteBuffer bytes = RecordBatchBuilder.create().append(1234L, utf8("a"), null).build();
        RecordBatch batch = RecordBatch.wrap(bytes);
        assertFalse(batch.hasDeleteHorizon());
        assertEquals(RecordBatch.NO_TIMESTAMP, batch.deleteHorizonMs());
        bytes.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (batch.attributes() | RecordBatch.DELETE_HORIZON_MASK));
        assertTrue(batch.hasDeleteHorizon());
        assertEquals(1234L, batch.deleteHorizonMs());
    }
}
