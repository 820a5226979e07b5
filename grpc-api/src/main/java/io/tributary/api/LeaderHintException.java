package io.tributary.api;

import java.util.Objects;

/** A leadership error (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, NOT_COORDINATOR, ...) that tells the client who leads now. */
public final class LeaderHintException extends TributaryException {
    private static final long serialVersionUID = 1L;

    private final LeaderHint hint;

    public LeaderHintException(ErrorCode error, String message, LeaderHint hint) {
        super(error, message);
        this.hint = Objects.requireNonNull(hint, "hint");
    }

    public LeaderHint hint() {
        return hint;
    }
}
