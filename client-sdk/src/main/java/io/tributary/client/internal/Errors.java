package io.tributary.client.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Error;

/**
 * The one place where the client turns broker errors back into the {@link ErrorCode} catalogue: a failed call's
 * gRPC status (with its {@code google.rpc.ErrorInfo} detail) and a per-partition {@code Error} inside a
 * successful response.
 *
 * <p>Stateless and thread-safe.
 */
public final class Errors {
    /** The ErrorInfo domain brokers put on every Tributary error. */
    public static final String DOMAIN = "tributary.io";

    private Errors() {
    }

    /** @return the catalogue entry of a per-partition error; {@link ErrorCode#NONE} when {@code error} is absent or empty. */
    public static ErrorCode code(Error error) {
        return error == null ? ErrorCode.NONE : ErrorCode.forName(error.getCode());
    }

    public static boolean isError(Error error) {
        return error != null && !error.getCode().isEmpty();
    }

    /** A per-partition error as an exception naming what it concerned. */
    public static TributaryException toException(Error error, String context) {
        ErrorCode code = code(error);
        String message = error.getMessage().isEmpty() ? code.description() : error.getMessage();
        return new TributaryException(code, context + ": " + code.name() + ": " + message);
    }

    /**
     * Maps any failure of a gRPC call. A status with Tributary's ErrorInfo keeps its name; a bare transport
     * status is named by what it means to a client: a broker it cannot reach is BROKER_NOT_AVAILABLE
     * (retriable elsewhere), a deadline is REQUEST_TIMED_OUT.
     */
    public static TributaryException fromThrowable(Throwable t) {
        if (t instanceof TributaryException te) {
            return te;
        }
        Status status = Status.fromThrowable(t);
        ErrorCode code = errorInfoCode(t);
        if (code == null) {
            code = switch (status.getCode()) {
                case UNAVAILABLE -> ErrorCode.BROKER_NOT_AVAILABLE;
                case DEADLINE_EXCEEDED -> ErrorCode.REQUEST_TIMED_OUT;
                case CANCELLED -> ErrorCode.BROKER_NOT_AVAILABLE;
                case UNIMPLEMENTED -> ErrorCode.UNSUPPORTED_VERSION;
                case PERMISSION_DENIED, UNAUTHENTICATED -> ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
                case INVALID_ARGUMENT -> ErrorCode.INVALID_REQUEST;
                case NOT_FOUND -> ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
                case RESOURCE_EXHAUSTED -> ErrorCode.THROTTLING_QUOTA_EXCEEDED;
                default -> ErrorCode.UNKNOWN_SERVER_ERROR;
            };
        }
        String description = status.getDescription() != null ? status.getDescription() : code.description();
        return new TributaryException(code, code.name() + ": " + description, t);
    }

    private static ErrorCode errorInfoCode(Throwable t) {
        if (!(t instanceof StatusRuntimeException) && !(t instanceof io.grpc.StatusException)) {
            return null;
        }
        com.google.rpc.Status rich = StatusProto.fromThrowable(t);
        if (rich == null) {
            return null;
        }
        for (Any detail : rich.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    ErrorInfo info = detail.unpack(ErrorInfo.class);
                    if (DOMAIN.equals(info.getDomain()) || info.getDomain().isEmpty()) {
                        return ErrorCode.forName(info.getReason());
                    }
                } catch (InvalidProtocolBufferException ignored) {
                    // A detail we cannot read names nothing; fall back to the bare status.
                    return null;
                }
            }
        }
        return null;
    }

    /** Whether an error means the client's idea of who leads a partition is stale. */
    public static boolean needsMetadataRefresh(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
                    UNKNOWN_TOPIC_OR_PARTITION, BROKER_NOT_AVAILABLE, REQUEST_TIMED_OUT, NOT_CONTROLLER -> true;
            default -> false;
        };
    }
}
