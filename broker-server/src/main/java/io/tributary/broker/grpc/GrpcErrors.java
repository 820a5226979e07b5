package io.tributary.broker.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.ErrorCode;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TributaryException;
import io.tributary.api.config.ConfigException;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.LeaderHint;

/**
 * The one place where the error catalogue becomes gRPC: whole-call failures as a status whose
 * {@code google.rpc.Status} details carry an {@link ErrorInfo} (domain {@value #DOMAIN}, reason = the error name),
 * per-partition failures as a proto {@link Error}. Stateless and thread-safe.
 */
public final class GrpcErrors {
    public static final String DOMAIN = "tributary.io";

    private GrpcErrors() {
    }

    /** The catalogue entry for any throwable: domain errors keep theirs, anything else is UNKNOWN_SERVER_ERROR. */
    public static ErrorCode codeOf(Throwable t) {
        if (t instanceof TributaryException te) {
            return te.error();
        }
        if (t instanceof ConfigException) {
            return ErrorCode.INVALID_CONFIG;
        }
        return ErrorCode.UNKNOWN_SERVER_ERROR;
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
            info.putMetadata("leader_id", Integer.toString(hint.getLeaderId()));
            info.putMetadata("leader_epoch", Integer.toString(hint.getLeaderEpoch()));
            info.putMetadata("leader_host", hint.getHost());
            info.putMetadata("leader_port", Integer.toString(hint.getPort()));
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

    /** A per-partition error for inside a successful response. */
    public static Error toProto(Throwable t) {
        ErrorCode code = codeOf(t);
        Error.Builder e = Error.newBuilder().setCode(code.name()).setRetriable(code.retriable())
                .setMessage(t.getMessage() == null ? code.description() : t.getMessage());
        if (t instanceof LeaderHintException lh) {
            e.setLeader(lh.hint());
        }
        return e.build();
    }

    public static Error toProto(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code.name()).setRetriable(code.retriable()).setMessage(message).build();
    }
}
