package io.tributary.client.consumer;

/** The first offset whose record timestamp is at or after a requested time, and that record's timestamp. Immutable. */
public record OffsetAndTimestamp(long offset, long timestampMs, int leaderEpoch) {
}
