package io.tributary.broker.log;

import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.Record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds producer batches and reads back what a log returns, for tests. */
final class TestBatches {
    private TestBatches() {
    }

    /** A batch of {@code count} records valued "v{firstValue}".."v{firstValue+count-1}", all at {@code timestamp}. */
    static ByteBuffer batch(int count, int firstValue, long timestamp) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < count; i++) {
            b.append(timestamp, null, ("v" + (firstValue + i)).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    /** A batch of one record with a value of {@code valueBytes} bytes. */
    static ByteBuffer sized(int valueBytes, long timestamp) {
        return RecordBatchBuilder.create().append(timestamp, null, new byte[valueBytes]).build();
    }

    record ReadRecord(long offset, long timestamp, String value) {
    }

    /** Decodes every record of a read result, checking each batch's CRC first. */
    static List<ReadRecord> records(ByteBuffer batches) {
        List<ReadRecord> out = new ArrayList<>();
        for (RecordBatch batch : RecordBatch.iterate(batches)) {
            batch.ensureValid(Integer.MAX_VALUE);
            for (Record r : batch.decodeRecords().getRecordsList()) {
                long ts = batch.timestampType() == io.tributary.api.batch.TimestampType.LOG_APPEND_TIME
                        ? batch.maxTimestamp() : batch.firstTimestamp() + r.getTimestampDelta();
                out.add(new ReadRecord(batch.baseOffset() + r.getOffsetDelta(), ts,
                        r.hasValue() ? r.getValue().toStringUtf8() : null));
            }
        }
        return out;
    }

    /** Reads the whole log from {@code from} to its end in chunks of {@code maxBytes}. */
    static List<ReadRecord> readAll(PartitionLog log, long from, int maxBytes) {
        List<ReadRecord> all = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            LogReadInfo info = log.read(next, maxBytes, Long.MAX_VALUE, true);
            List<ReadRecord> chunk = records(info.records());
            if (chunk.isEmpty()) {
                throw new AssertionError("read at " + next + " returned nothing below log end " + log.logEndOffset());
            }
            all.addAll(chunk);
            next = chunk.get(chunk.size() - 1).offset() + 1;
        }
        return all;
    }

    static LogConfig config(Object... keyValues) {
        java.util.Map<String, Object> props = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put((String) keyValues[i], keyValues[i + 1]);
        }
        return LogConfig.fromProps(props);
    }
}
