package io.tributary.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.MembershipRequest;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.group.MemberStream;
import io.tributary.broker.security.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's {@code Membership} stream: turns the member's messages into calls on the {@link GroupCoordinator}, and
 * is the {@link MemberStream} the group answers through.
 *
 * <p>Back-pressure: while the transport is not ready, at most one message of each kind waits (a newer Assignment or
 * HeartbeatAck replaces an older one, which it supersedes), and they go out in the order Joined, Assignment,
 * HeartbeatAck when it is ready again. So a member that stops reading costs a bounded amount of memory.
 *
 * <p>Thread-safety: gRPC delivers the request callbacks one at a time, so {@link #groupId} and {@link #memberId} are
 * only touched there. Sends come from any thread (under the group's lock) and are serialized on this object; this
 * object never calls into a group while holding its own monitor. Lock order: this, then the sink's.
 */
final class MembershipSession implements StreamObserver<MembershipRequest>, MemberStream {
    private static final Logger log = LoggerFactory.getLogger(MembershipSession.class);

    private final GroupCoordinator coordinator;
    private final ServerStreams.GrpcStreamSink<MembershipResponse> out;
    private final RequestContext ctx;
    private String groupId;
    private String memberId;
    /** Guarded by this. */
    private MembershipResponse waitingJoined;
    private MembershipResponse waitingAssignment;
    private MembershipResponse waitingHeartbeatAck;

    MembershipSession(GroupCoordinator coordinator, StreamObserver<MembershipResponse> responseObserver, RequestContext ctx) {
        this.coordinator = coordinator;
        this.out = ServerStreams.sink(responseObserver);
        this.ctx = ctx;
        out.call().setOnReadyHandler(this::flush);
        out.call().setOnCancelHandler(this::disconnected);
    }

    @Override
    public void onNext(MembershipRequest request) {
        if (out.isClosed()) {
            return;
        }
        try {
            handle(request);
        } catch (RuntimeException e) {
            if (ErrorProtos.codeOf(e) == ErrorCode.UNKNOWN_SERVER_ERROR) {
                log.error("membership stream of group {} failed", groupId, e);
            }
            fail(e instanceof TributaryException te ? te
                    : new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(e.getMessage()), e));
            disconnected();
        }
    }

    private void handle(MembershipRequest request) {
        if (request.getKindCase() == MembershipRequest.KindCase.JOIN) {
            if (memberId != null) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "join may only be the first message of a "
                        + "membership stream; this stream already speaks for member " + memberId);
            }
            String group = request.getJoin().getGroupId();
            memberId = coordinator.join(ctx, request.getJoin(), this);
            groupId = group;
            return;
        }
        if (memberId == null) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "the first message of a membership stream must be join");
        }
        switch (request.getKindCase()) {
            case HEARTBEAT -> coordinator.heartbeat(groupId, memberId, this);
            case ACK -> coordinator.acknowledge(groupId, memberId, this, request.getAck());
            case SUBSCRIPTION -> coordinator.changeSubscription(groupId, memberId, this, request.getSubscription().getTopicsList());
            case REJOIN -> coordinator.rejoin(groupId, memberId, this, request.getRejoin().getReason());
            case LEAVE -> coordinator.leave(groupId, memberId, this, request.getLeave().getReason());
            default -> throw new TributaryException(ErrorCode.INVALID_REQUEST, "membership message with no kind set");
        }
    }

    @Override
    public void onError(Throwable t) {
        disconnected();
    }

    @Override
    public void onCompleted() {
        // The member closed its side without LeaveGroup: it keeps its place until its session timeout.
        disconnected();
        complete();
    }

    /** The stream is gone without a LeaveGroup: the group keeps the member until its session timeout. */
    private void disconnected() {
        if (memberId != null) {
            coordinator.streamClosed(groupId, memberId, this);
        }
    }

    @Override
    public synchronized void send(MembershipResponse response) {
        if (out.isClosed()) {
            return;
        }
        switch (response.getKindCase()) {
            case JOINED -> waitingJoined = response;
            case ASSIGNMENT -> waitingAssignment = response;
            default -> waitingHeartbeatAck = response;
        }
        flush();
    }

    private synchronized void flush() {
        while (!out.isClosed() && out.isReady()) {
            MembershipResponse next = takeWaiting();
            if (next == null) {
                return;
            }
            out.send(next);
        }
    }

    private MembershipResponse takeWaiting() {
        MembershipResponse next;
        if (waitingJoined != null) {
            next = waitingJoined;
            waitingJoined = null;
        } else if (waitingAssignment != null) {
            next = waitingAssignment;
            waitingAssignment = null;
        } else {
            next = waitingHeartbeatAck;
            waitingHeartbeatAck = null;
        }
        return next;
    }

    @Override
    public synchronized void fail(TributaryException error) {
        out.fail(error);
    }

    @Override
    public synchronized void complete() {
        // Whatever still waits goes out before the end: gRPC buffers it past readiness.
        for (MembershipResponse r = takeWaiting(); r != null; r = takeWaiting()) {
            out.send(r);
        }
        out.complete();
    }
}
