package io.tributary.broker.log;

/** A record found by timestamp: its own timestamp and its offset. */
public record TimestampAndOffset(long timestamp, long offset) {
}
