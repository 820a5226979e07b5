package io.tributary.api.batch;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Record;
import io.tributary.api.v1.RecordHeader;
import io.tributary.api.v1.RecordSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordReaderTest {
    private record Seen(int offsetDelta, long timestampDelta, byte[] key, byte[] value, List<Header> headers) {
    }

    private static List<Seen> read(ByteBuffer batch) {
        List<Seen> out = new ArrayList<>();
        RecordReader.read(RecordBatch.wrap(batch), RecordBodies.DEFAULT_MAX_DECOMPRESSED_BYTES,
                (o, t, k, v, h) -> out.add(new Seen(o, t, k, v, h)));
        return out;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void readsWhatTheGeneratedClassesReadForEveryCodec(Compression compression) {
        Random random = new Random(42);
        RecordBatchBuilder builder = RecordBatchBuilder.options().compression(compression).build();
        for (int i = 0; i < 500; i++) {
            byte[] key = i % 7 == 0 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value = i % 11 == 0 ? null : new byte[random.nextInt(300)];
            random.nextBytes(value == null ? new byte[0] : value);
            List<Header> headers = i % 5 == 0 ? List.of(new Header("h" + i, new byte[] {(byte) i}), new Header("", null)) : null;
            builder.append(1_000L + i * 3L - (i % 4 == 0 ? 10 : 0), key, value, headers);
        }
        ByteBuffer batch = builder.build();
        RecordSet expected = RecordBodies.decode(RecordBatch.wrap(batch.duplicate()));
        List<Seen> seen = read(batch.duplicate());
        assertEquals(expected.getRecordsCount(), seen.size());
        for (int i = 0; i < seen.size(); i++) {
            Record r = expected.getRecords(i);
            Seen s = seen.get(i);
            assertEquals(r.getOffsetDelta(), s.offsetDelta());
            assertEquals(r.getTimestampDelta(), s.timestampDelta());
            assertArrayEquals(r.hasKey() ? r.getKey().toByteArray() : null, s.key(), "key of record " + i);
            assertArrayEquals(r.hasValue() ? r.getValue().toByteArray() : null, s.value(), "value of record " + i);
            assertEquals(r.getHeadersCount(), s.headers().size());
            for (int h = 0; h < r.getHeadersCount(); h++) {
                RecordHeader rh = r.getHeaders(h);
                assertEquals(rh.getKey(), s.headers().get(h).key());
                assertArrayEquals(rh.hasValue() ? rh.getValue().toByteArray() : null, s.headers().get(h).value());
            }
        }
    }

    @Test
    void readingFromTheBatchesByteStringGivesTheSameRecords() {
        ByteBuffer batch = RecordBatchBuilder.create().append(5L, "k".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3})
                .append(9L, null, new byte[0], List.of(new Header("h", null))).build();
        ByteString bytes = ByteString.copyFrom(batch.duplicate());
        List<Seen> viaString = new ArrayList<>();
        RecordReader.read(RecordBatch.wrap(bytes.asReadOnlyByteBuffer()), bytes, RecordBodies.DEFAULT_MAX_DECOMPRESSED_BYTES,
                (o, t, k, v, h) -> viaString.add(new Seen(o, t, k, v, h)));
        List<Seen> viaBuffer = read(batch.duplicate());
        assertEquals(viaBuffer.size(), viaString.size());
        for (int i = 0; i < viaBuffer.size(); i++) {
            assertEquals(viaBuffer.get(i).offsetDelta(), viaString.get(i).offsetDelta());
            assertEquals(viaBuffer.get(i).timestampDelta(), viaString.get(i).timestampDelta());
            assertArrayEquals(viaBuffer.get(i).key(), viaString.get(i).key());
            assertArrayEquals(viaBuffer.get(i).value(), viaString.get(i).value());
            assertEquals(viaBuffer.get(i).headers(), viaString.get(i).headers());
        }
    }

    @Test
    void presentButEmptyStaysEmptyAndAbsentStaysNull() {
        List<Seen> seen = read(RecordBatchBuilder.create().append(5L, new byte[0], null).build());
        assertArrayEquals(new byte[0], seen.get(0).key());
        assertNull(seen.get(0).value());
    }

    @Test
    void fieldsFromANewerWriterAreSkipped() {
        UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).addLengthDelimited(ByteString.copyFromUtf8("x")).build())
                .build();
        RecordSet set = RecordSet.newBuilder()
                .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("a")).setUnknownFields(unknown))
                .addRecords(Record.newBuilder().setOffsetDelta(1).setValue(ByteString.copyFromUtf8("b")))
                .setUnknownFields(unknown)
                .build();
        ByteBuffer batch = RecordBatch.assemble(Compression.NONE, TimestampType.CREATE_TIME, 2, 0L, 0L,
                RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, set.toByteString().asReadOnlyByteBuffer());
        List<Seen> seen = read(batch);
        assertEquals(2, seen.size());
        assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), seen.get(0).value());
        assertEquals(1, seen.get(1).offsetDelta());
        assertArrayEquals("b".getBytes(StandardCharsets.UTF_8), seen.get(1).value());
    }

    @Test
    void aTruncatedBodyIsCorruptMessage() {
        ByteBuffer good = RecordBatchBuilder.create().append(5L, null, new byte[100]).build();
        byte[] body = new byte[good.remaining() - RecordBatch.HEADER_SIZE - 10];
        good.get(RecordBatch.HEADER_SIZE, body);
        ByteBuffer batch = RecordBatch.assemble(Compression.NONE, TimestampType.CREATE_TIME, 1, 5L, 5L,
                RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, ByteBuffer.wrap(body));
        TributaryException e = assertThrows(TributaryException.class, () -> read(batch));
        assertEquals(ErrorCode.CORRUPT_MESSAGE, e.error());
    }
}
