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
 */
public record LogAppendInfo(long firstOffset, long lastOffset, int recordCount, long maxTimestamp,
                            long logAppendTimeMs, long logStartOffset, int sizeInBytes) {
}
