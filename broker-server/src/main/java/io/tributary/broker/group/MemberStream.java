package io.tributary.broker.group;

import io.tributary.api.TributaryException;
import io.tributary.api.v1.MembershipResponse;

/**
 * The coordinator's side of one member's membership stream. Implementations serialize sends, end the stream at most
 * once, and ignore anything after the end; none of the calls block.
 */
public interface MemberStream {
    void send(MembershipResponse response);

    /** Ends the stream with the error's status (NOT_COORDINATOR, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID, ...). */
    void fail(TributaryException error);

    /** Ends the stream normally (after a LeaveGroup). */
    void complete();
}
