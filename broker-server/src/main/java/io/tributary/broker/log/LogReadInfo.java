package io.tributary.broker.log;

import java.nio.ByteBuffer;

/**
 * The result of a read: whole stored batches, ready for the wire, and the log's bounds at the time of the read.
 *
 * @param records        zero or more whole batches, exactly as stored
 * @param nextOffset     the offset after the last batch in {@code records} (found while the read cut the batches at
 *                       its limit, so a caller need not walk them again); -1 when {@code records} is empty
 * @param logStartOffset first offset still in the log
 * @param logEndOffset   offset of the next record to be appended
 * @param highWatermark  offset below which records are committed (readable by consumers)
 */
public record LogReadInfo(ByteBuffer records, long nextOffset, long logStartOffset, long logEndOffset, long highWatermark) {
    static LogReadInfo empty(long logStartOffset, long logEndOffset, long highWatermark) {
        return new LogReadInfo(ByteBuffer.allocate(0), -1L, logStartOffset, logEndOffset, highWatermark);
    }

    public boolean isEmpty() {
        return !records.hasRemaining();
    }
}
