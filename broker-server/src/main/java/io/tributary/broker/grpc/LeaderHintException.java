package io.tributary.broker.grpc;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.LeaderHint;

/** A leadership error (NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, ...) that tells the client who leads now. */
public final class LeaderHintException extends TributaryException {
    private static final long serialVersionUID = 1L;

    private final transient LeaderHint hint;

    public LeaderHintException(ErrorCode error, String message, LeaderHint hint) {
        super(error, message);
        this.hint = hint;
    }

    public LeaderHint hint() {
        return hint;
    }
}
