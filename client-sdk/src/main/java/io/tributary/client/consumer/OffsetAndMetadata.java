package io.tributary.client.consumer;

import java.util.Objects;
import java.util.Optional;

/**
 * A committed position: the offset of the next record to consume, the leader epoch of the last consumed record
 * (lets a future reader detect that the log was truncated under the commit), and free-form metadata.
 * Immutable.
 */
public record OffsetAndMetadata(long offset, Optional<Integer> leaderEpoch, String metadata) {
    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("invalid negative offset " + offset);
        }
        Objects.requireNonNull(leaderEpoch, "leaderEpoch");
        metadata = metadata == null ? "" : metadata;
    }

    public OffsetAndMetadata(long offset) {
        this(offset, Optional.empty(), "");
    }

    public OffsetAndMetadata(long offset, String metadata) {
        this(offset, Optional.empty(), metadata);
    }

    /** The epoch as sent on the wire: -1 when unknown. */
    int leaderEpochOrUnknown() {
        return leaderEpoch.orElse(-1);
    }
}
