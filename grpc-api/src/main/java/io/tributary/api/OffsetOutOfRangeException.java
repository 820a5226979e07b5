package io.tributary.api;

/** A read or seek asked for an offset outside [logStartOffset, logEndOffset]; carries the valid range. */
public final class OffsetOutOfRangeException extends TributaryException {
    private static final long serialVersionUID = 1L;

    private final long requestedOffset;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(String partition, long requestedOffset, long logStartOffset, long logEndOffset) {
        super(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + requestedOffset + " is out of range for " + partition
                + ": valid offsets are " + logStartOffset + " to " + logEndOffset + " (log end)");
        this.requestedOffset = requestedOffset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long requestedOffset() {
        return requestedOffset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }
}
