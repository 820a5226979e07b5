package io.tributary.broker.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;
import io.tributary.api.LeaderHint;
import io.tributary.api.LeaderHintException;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TributaryException;
import io.tributary.broker.common.ErrorProtos;

/**
 * The one place where the error catalogue becomes gRPC: whole-call failures as a status whose
 * {@code google.rpc.Status} details carry an {@link ErrorInfo} (domain {@value #DOMAIN}, reason = the error name,
 * the leader hint as metadata). Per-partition errors inside a response are {@link ErrorProtos}'. Stateless and
 * thread-safe.
 */
public final class GrpcErrors {
    public static final String DOMAIN = ErrorInfos.DOMAIN;

    private GrpcErrors() {
    }

    /** The catalogue entry for any throwable: domain errors keep theirs, anything else is UNKNOWN_SERVER_ERROR. */
    public static ErrorCode codeOf(Throwable t) {
        return ErrorProtos.codeOf(t);
    }

    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException sre) {
            return sre;
        }
        ErrorCode code = codeOf(t);
        String message = code == ErrorCode.UNKNOWN_SERVER_ERROR
                ? "internal error (" + t.getClass().getSimpleName() + "): " + t.getMessage() + "; see the broker log"
                : t.getMessage();
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(code.name());
        if (t instanceof OffsetOutOfRangeException oor) {
            info.putMetadata("log_start_offset", Long.toString(oor.logStartOffset()));
            info.putMetadata("log_end_offset", Long.toString(oor.logEndOffset()));
        }
        if (t instanceof LeaderHintException lh) {
            LeaderHint hint = lh.hint();
            info.putMetadata("leader_id", Integer.toString(hint.leaderId()));
            info.putMetadata("leader_epoch", Integer.toString(hint.leaderEpoch()));
            info.putMetadata("leader_host", hint.host());
            info.putMetadata("leader_port", Integer.toString(hint.port()));
        }
        return status(code, message, info.build());
    }

    private static StatusRuntimeException status(ErrorCode code, String message, ErrorInfo info) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(code.grpcCode().value())
                .setMessage(code.name() + ": " + (message == null ? code.description() : message))
                .addDetails(Any.pack(info))
                .build();
        return StatusProto.toStatusRuntimeException(status);
    }
}
