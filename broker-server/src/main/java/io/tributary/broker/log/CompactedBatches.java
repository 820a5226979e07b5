package io.tributary.broker.log;

import io.tributary.api.batch.CompressionCodecs;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.TimestampType;
import io.tributary.api.v1.Record;
import io.tributary.api.v1.RecordSet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Builds the batches the log cleaner writes in place of a stored batch that lost records (see "Compacted batches"
 * in {@link RecordBatch}): same base offset, last offset delta, leader epoch and producer fields, so offsets,
 * leader-epoch history and idempotent-producer sequences read from the log are unchanged; fewer records; the body
 * re-encoded and compressed with the batch's own codec.
 *
 * <p>Stateless and thread-safe.
 */
final class CompactedBatches {
    private CompactedBatches() {
    }

    /**
     * The batch with only {@code kept} of its records.
     *
     * @param kept            records of {@code original}, in offset order, at least one
     * @param newDeleteHorizonMs {@link RecordBatch#NO_TIMESTAMP} to keep the batch's timestamps as they are, or the
     *                        time after which its tombstones may go: stored in {@code first_timestamp} with the
     *                        delete-horizon attribute, every record's timestamp delta re-based on it
     */
    static ByteBuffer withRecords(RecordBatch original, List<Record> kept, long newDeleteHorizonMs) {
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("a rebuilt batch keeps at least one record; use headerOnly");
        }
        long first = original.firstTimestamp();
        long newFirst = newDeleteHorizonMs == RecordBatch.NO_TIMESTAMP ? first : newDeleteHorizonMs;
        RecordSet.Builder set = RecordSet.newBuilder();
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        for (Record r : kept) {
            long timestamp = first + r.getTimestampDelta();
            maxTimestamp = Math.max(maxTimestamp, timestamp);
            set.addRecords(newFirst == first ? r : r.toBuilder().setTimestampDelta(timestamp - newFirst).build());
        }
        if (original.timestampType() == TimestampType.LOG_APPEND_TIME) {
            maxTimestamp = original.maxTimestamp(); // every record's timestamp is the append time
        }
        byte[] body;
        try {
            body = CompressionCodecs.compress(original.compression(), set.build().toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot recompress a batch with " + original.compression().configName(), e);
        }
        int attributes = original.attributes();
        if (newDeleteHorizonMs != RecordBatch.NO_TIMESTAMP) {
            attributes |= RecordBatch.DELETE_HORIZON_MASK;
        }
        return assemble(original, attributes, kept.size(), newFirst, maxTimestamp, body);
    }

    /**
     * The batch with no record left: only its header, kept so that an idempotent producer's last sequence survives
     * compaction (a replica or recovery rebuilding producer state from the log finds it). Its timestamps stay, so
     * producer expiry still sees when it was written.
     */
    static ByteBuffer headerOnly(RecordBatch original) {
        int attributes = original.attributes() & RecordBatch.TIMESTAMP_TYPE_MASK; // no body to compress, no tombstone to time
        return assemble(original, attributes, 0, original.firstTimestamp(), original.maxTimestamp(), new byte[0]);
    }

    private static ByteBuffer assemble(RecordBatch original, int attributes, int recordCount, long firstTimestamp,
                                       long maxTimestamp, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + body.length);
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, original.baseOffset());
        b.putInt(RecordBatch.LENGTH_OFFSET, b.capacity() - RecordBatch.LOG_OVERHEAD);
        b.putInt(RecordBatch.LEADER_EPOCH_OFFSET, original.leaderEpoch());
        b.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) attributes);
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, original.lastOffsetDelta());
        b.putLong(RecordBatch.FIRST_TIMESTAMP_OFFSET, firstTimestamp);
        b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, original.producerId());
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, original.producerEpoch());
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, original.baseSequence());
        b.putInt(RecordBatch.RECORD_COUNT_OFFSET, recordCount);
        b.put(RecordBatch.RECORDS_OFFSET, body);
        RecordBatch view = RecordBatch.wrap(b);
        b.putInt(RecordBatch.CRC_OFFSET, (int) view.computeChecksum());
        // Checked before it is written: a bad rebuild must fail the cleaning, not reach a reader.
        view.ensureValid(Integer.MAX_VALUE);
        return b;
    }
}
