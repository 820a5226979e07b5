package io.tributary.broker.log;

import java.nio.ByteBuffer;

/**
 * The result of a read: whole stored batches, ready for the wire, and the log's bounds at the time of the read.
 *
 * @param records        zero or more whole batches, exactly as stored
 * @param logStartOffset first offset still in the log
 * @param logEndOffset   offset of the next record to be appended
 * @param highWatermark  offset below which records are committed (readable by consumers)
 */
public record LogReadInfo(ByteBuffer records, long logStartOffset, long logEndOffset, long highWatermark) {
    public boolean isEmpty() {
        return !records.hasRemaining();
    }
}
