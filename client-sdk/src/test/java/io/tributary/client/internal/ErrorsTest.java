package io.tributary.client.internal;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Error;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorsTest {
    private static StatusRuntimeException withErrorInfo(Status.Code code, String reason) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage("broker says so")
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(Errors.DOMAIN).setReason(reason)
                        .putMetadata("leader_id", "2").build())).build();
        return StatusProto.toStatusRuntimeException(status);
    }

    @Test
    void errorInfoReasonNamesTheCatalogueEntry() {
        TributaryException e = Errors.fromThrowable(withErrorInfo(Status.Code.UNAVAILABLE, "NOT_LEADER_OR_FOLLOWER"));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, e.error());
        assertTrue(e.retriable());
        assertTrue(e.getMessage().contains("broker says so"), e.getMessage());
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, Errors.fromThrowable(withErrorInfo(Status.Code.ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS")).error());
    }

    @Test
    void unknownReasonIsNonRetriableServerError() {
        TributaryException e = Errors.fromThrowable(withErrorInfo(Status.Code.INTERNAL, "SOMETHING_NEW"));
        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, e.error());
        assertFalse(e.retriable());
    }

    @Test
    void bareTransportStatusesMapByMeaning() {
        assertEquals(ErrorCode.BROKER_NOT_AVAILABLE, Errors.fromThrowable(Status.UNAVAILABLE.asRuntimeException()).error());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, Errors.fromThrowable(Status.DEADLINE_EXCEEDED.asRuntimeException()).error());
        assertTrue(Errors.fromThrowable(Status.UNAVAILABLE.asRuntimeException()).retriable());
    }

    @Test
    void aCallCutShortByAClosedChannelIsRetriable() {
        // What grpc-java's Netty transport reports when a write finds the connection already closed by a dead peer.
        StatusRuntimeException closed = Status.UNKNOWN.withDescription("channel closed").withCause(new ClosedChannelException())
                .asRuntimeException();
        TributaryException e = Errors.fromThrowable(closed);
        assertEquals(ErrorCode.NETWORK_EXCEPTION, e.error());
        assertTrue(e.retriable());
        assertTrue(Errors.needsMetadataRefresh(e.error()));
        assertTrue(GroupsClient.isCoordinatorError(e.error()));

        StatusRuntimeException reset = Status.INTERNAL.withCause(new IOException("Connection reset by peer")).asRuntimeException();
        assertEquals(ErrorCode.NETWORK_EXCEPTION, Errors.fromThrowable(reset).error());
    }

    @Test
    void aBrokersOwnUnknownServerErrorIsNotRetriable() {
        TributaryException e = Errors.fromThrowable(withErrorInfo(Status.Code.INTERNAL, "UNKNOWN_SERVER_ERROR"));
        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, e.error());
        assertFalse(e.retriable());
        // The answer is the broker's even when this client's transport attached a local cause to it.
        StatusRuntimeException answered = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.INTERNAL.value()).setMessage("broker failed")
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(Errors.DOMAIN).setReason("UNKNOWN_SERVER_ERROR").build()))
                .build());
        assertFalse(Errors.fromThrowable(answered).retriable());
    }

    @Test
    void aBareInternalStatusWithoutAConnectionCauseStaysFatal() {
        // No ErrorInfo and no I/O cause: not evidence of a lost connection (e.g. a response this client cannot parse).
        TributaryException e = Errors.fromThrowable(Status.INTERNAL.withDescription("Invalid protobuf byte sequence").asRuntimeException());
        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, e.error());
        assertFalse(e.retriable());
        assertFalse(Errors.fromThrowable(new IllegalStateException("a bug")).retriable());
    }

    @Test
    void perPartitionErrorsMapTheSameWay() {
        Error none = Error.getDefaultInstance();
        assertFalse(Errors.isError(none));
        assertEquals(ErrorCode.NONE, Errors.code(none));
        Error oor = Error.newBuilder().setCode("OFFSET_OUT_OF_RANGE").setMessage("offset 9 is past the end").build();
        TributaryException e = Errors.toException(oor, "fetch of t-0");
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, e.error());
        assertTrue(e.getMessage().startsWith("fetch of t-0: OFFSET_OUT_OF_RANGE"), e.getMessage());
    }

    @Test
    void aBrokerMessageThatAlreadyNamesItsCodeIsNotPrefixedTwice() {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(Status.Code.NOT_FOUND.value())
                .setMessage("UNKNOWN_TOPIC_OR_PARTITION: topic 'x' does not exist")
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(Errors.DOMAIN).setReason("UNKNOWN_TOPIC_OR_PARTITION").build()))
                .build();
        assertEquals("UNKNOWN_TOPIC_OR_PARTITION: topic 'x' does not exist",
                Errors.fromThrowable(StatusProto.toStatusRuntimeException(status)).getMessage());
    }

    @Test
    void onlyFailuresThatProveNothingListensAreUnreachable() {
        StatusRuntimeException refused = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new IOException("wrapped", new ConnectException("Connection refused: /127.0.0.1:9"))).asRuntimeException();
        assertEquals("connection refused", Errors.unreachableReason(refused));
        assertEquals("unknown host", Errors.unreachableReason(Status.UNAVAILABLE.withCause(new UnknownHostException("x.invalid"))
                .asRuntimeException()));
        assertEquals("no route to host", Errors.unreachableReason(new NoRouteToHostException()));
        // A connect that timed out may be a slow network: it keeps the usual timeout.
        assertNull(Errors.unreachableReason(new ConnectTimeoutLike("connection timed out")));
        assertNull(Errors.unreachableReason(Status.DEADLINE_EXCEEDED.asRuntimeException()));
    }

    /** Shaped like netty's ConnectTimeoutException: a ConnectException whose name says Timeout. */
    private static final class ConnectTimeoutLike extends ConnectException {
        ConnectTimeoutLike(String message) {
            super(message);
        }
    }
}
