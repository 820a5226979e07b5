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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void perPartitionErrorsMapTheSameWay() {
        Error none = Error.getDefaultInstance();
        assertFalse(Errors.isError(none));
        assertEquals(ErrorCode.NONE, Errors.code(none));
        Error oor = Error.newBuilder().setCode("OFFSET_OUT_OF_RANGE").setMessage("offset 9 is past the end").build();
        TributaryException e = Errors.toException(oor, "fetch of t-0");
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, e.error());
        assertTrue(e.getMessage().startsWith("fetch of t-0: OFFSET_OUT_OF_RANGE"), e.getMessage());
    }
}
