package io.tributary.client.admin;

/**
 * A partition's offset for a query: earliest, latest (high watermark) or by time (-1 when no record is that new),
 * with the log's bounds at the time of asking. Immutable.
 */
public record ListedOffset(long offset, long timestampMs, int leaderEpoch, long logStartOffset, long logEndOffset, long highWatermark) {
}
