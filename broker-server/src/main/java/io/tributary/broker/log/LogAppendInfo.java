package io.tributary.broker.log;

/**
 * What an append wrote.
 *
 * @param firstOffset      offset of the first record appended
 * @param lastOffset       offset of the last record appended
 * @param recordCount      records appended
 * @param maxTimestamp     largest record timestamp appended (the append time under LogAppendTime)
 * @param logAppendTimeMs  the broker's append time when the topic uses LogAppendTime, else -1
 * @param logStartOffset   the log start offset after the append
 * @param sizeInBytes      bytes appended
 * @param duplicate        the batch repeated one an idempotent producer had already written: nothing was appended and
 *                         the offsets are the original ones
 */
public record LogAppendInfo(long firstOffset, long lastOffset, int recordCount, long maxTimestamp,
                            long logAppendTimeMs, long logStartOffset, int sizeInBytes, boolean duplicate) {
}
