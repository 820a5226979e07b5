package io.tributary.client.consumer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;

/**
 * A commit the coordinator refused because this consumer is no longer the member (or no longer in the generation)
 * it claims to be: the group rebalanced, usually because poll() was not called within max.poll.interval.ms or the
 * member missed its session timeout, and the partitions may already belong to another member. Retrying cannot
 * succeed; the next poll() rejoins, and records processed since the last successful commit may be read again by
 * whichever member owns their partition now.
 *
 * <p>Immutable.
 */
public final class CommitFailedException extends TributaryException {
    private static final long serialVersionUID = 1L;

    public CommitFailedException(ErrorCode error, String detail) {
        super(error, "Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member ("
                + error.name() + (detail == null || detail.isEmpty() ? "" : ": " + detail) + "). This means that the time between "
                + "subsequent calls to poll() was longer than max.poll.interval.ms, or the member missed session.timeout.ms, or a "
                + "consumer outside the group committed while it has members. Call poll() again to rejoin, or lower "
                + "max.poll.records / raise max.poll.interval.ms so processing keeps up.");
    }
}
