package io.tributary.broker.log;

import io.tributary.api.batch.Compression;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.batch.TimestampType;
import io.tributary.api.v1.Record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keyed batches for compaction tests, and a reader that walks a compacted log the way consumers must. */
final class KeyedBatches {
    private KeyedBatches() {
    }

    /** A record read back: its offset, key, value (null for a tombstone) and timestamp. */
    record KV(long offset, String key, String value, long timestamp) {
    }

    /** One batch of {@code key, value} pairs (a null value is a tombstone), all at {@code timestamp}. */
    static ByteBuffer batch(long timestamp, String... keyValues) {
        return batch(Compression.NONE, timestamp, keyValues);
    }

    static ByteBuffer batch(Compression compression, long timestamp, String... keyValues) {
        RecordBatchBuilder b = RecordBatchBuilder.options().compression(compression).build();
        for (int i = 0; i < keyValues.length; i += 2) {
            b.append(timestamp, bytes(keyValues[i]), bytes(keyValues[i + 1]));
        }
        return b.build();
    }

    /** An idempotent producer's batch. */
    static ByteBuffer producerBatch(long producerId, short epoch, int baseSequence, long timestamp, String... keyValues) {
        RecordBatchBuilder b = RecordBatchBuilder.options().producer(producerId, epoch, baseSequence).build();
        for (int i = 0; i < keyValues.length; i += 2) {
            b.append(timestamp, bytes(keyValues[i]), bytes(keyValues[i + 1]));
        }
        return b.build();
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads the whole log, checking every batch's CRC, stepping from batch to batch by {@link RecordBatch#nextOffset()}
     * (after compaction the last record read is not the end of its batch) and checking that offsets only increase.
     */
    static List<KV> readAll(PartitionLog log) {
        List<KV> all = new ArrayList<>();
        long next = log.logStartOffset();
        long end = log.logEndOffset();
        for (int reads = 0; next < end; reads++) {
            if (reads > 1_000_000) {
                throw new AssertionError("reading " + log + " does not progress at " + next);
            }
            ByteBuffer batches = log.read(next, 64 * 1024, Long.MAX_VALUE, true).records();
            if (!batches.hasRemaining()) {
                break; // compaction removed everything from here to the end
            }
            for (RecordBatch batch : RecordBatch.iterate(batches)) {
                batch.ensureValid(Integer.MAX_VALUE);
                for (Record r : batch.decodeRecords().getRecordsList()) {
                    long offset = batch.baseOffset() + r.getOffsetDelta();
                    if (offset < next) {
                        continue;
                    }
                    if (!all.isEmpty() && offset <= all.get(all.size() - 1).offset()) {
                        throw new AssertionError("offset " + offset + " after " + all.get(all.size() - 1));
                    }
                    long ts = batch.timestampType() == TimestampType.LOG_APPEND_TIME
                            ? batch.maxTimestamp() : batch.firstTimestamp() + r.getTimestampDelta();
                    all.add(new KV(offset, r.hasKey() ? r.getKey().toStringUtf8() : null,
                            r.hasValue() ? r.getValue().toStringUtf8() : null, ts));
                }
                next = batch.nextOffset();
            }
        }
        return all;
    }

    /** Every stored batch of the log, in order (for header-level checks). */
    static List<RecordBatch> batches(PartitionLog log) {
        List<RecordBatch> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ByteBuffer batches = log.read(next, 64 * 1024, Long.MAX_VALUE, true).records();
            if (!batches.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : RecordBatch.iterate(batches)) {
                if (batch.nextOffset() > next) {
                    out.add(batch);
                    next = batch.nextOffset();
                }
            }
        }
        return out;
    }

    /** The newest record of each key (tombstones included), in offset order: what a full compaction leaves. */
    static List<KV> survivors(List<KV> records) {
        Map<String, KV> latest = new LinkedHashMap<>();
        for (KV kv : records) {
            latest.put(kv.key(), kv);
        }
        List<KV> out = new ArrayList<>(latest.values());
        out.sort(java.util.Comparator.comparingLong(KV::offset));
        return out;
    }
}
