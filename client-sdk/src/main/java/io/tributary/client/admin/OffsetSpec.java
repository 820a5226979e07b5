package io.tributary.client.admin;

/** Which offset {@link TributaryAdmin#listOffsets} asks for. Immutable. */
public record OffsetSpec(long timestamp) {
    public static OffsetSpec earliest() {
        return new OffsetSpec(-2L);
    }

    public static OffsetSpec latest() {
        return new OffsetSpec(-1L);
    }

    /** The first record with a timestamp at or after {@code timestampMs}. */
    public static OffsetSpec forTimestamp(long timestampMs) {
        if (timestampMs < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0, got " + timestampMs);
        }
        return new OffsetSpec(timestampMs);
    }
}
