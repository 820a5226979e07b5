package io.tributary.client.internal;

import io.grpc.Status;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Error;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

/**
 * The one place where the client turns broker errors back into the {@link ErrorCode} catalogue: a failed call's
 * gRPC status (with its {@code google.rpc.ErrorInfo} detail) and a per-partition {@code Error} inside a
 * successful response.
 *
 * <p>Stateless and thread-safe.
 */
public final class Errors {
    /** The ErrorInfo domain brokers put on every Tributary error. */
    public static final String DOMAIN = ErrorInfos.DOMAIN;

    /** How far down a cause chain to look; real chains are two or three deep, a cycle must not loop forever. */
    private static final int MAX_CAUSE_DEPTH = 8;

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
     * Maps any failure of a gRPC call. A status with Tributary's ErrorInfo is the broker's own answer and keeps its
     * name; that is the only way a call can fail fatally. A status without one did not come from a broker's handler
     * (the broker's error interceptor puts ErrorInfo on every failure it sends), so it is named by what it means to
     * a client: a broker it cannot reach is BROKER_NOT_AVAILABLE, a deadline is REQUEST_TIMED_OUT, and a call that
     * a closed connection cut short is NETWORK_EXCEPTION, all retriable.
     */
    public static TributaryException fromThrowable(Throwable t) {
        if (t instanceof TributaryException te) {
            return te;
        }
        Status status = Status.fromThrowable(t);
        ErrorCode code = ErrorInfos.brokerError(t);
        if (code == null) {
            code = bareStatusCode(status.getCode(), t);
        }
        String description = status.getDescription() != null ? status.getDescription() : code.description();
        // A broker's status already reads "CODE: message"; say the name once.
        String message = description.startsWith(code.name() + ": ") ? description : code.name() + ": " + description;
        return new TributaryException(code, message, t);
    }

    private static ErrorCode bareStatusCode(Status.Code grpcCode, Throwable t) {
        return switch (grpcCode) {
            case UNAVAILABLE -> ErrorCode.BROKER_NOT_AVAILABLE;
            case DEADLINE_EXCEEDED -> ErrorCode.REQUEST_TIMED_OUT;
            case CANCELLED -> ErrorCode.BROKER_NOT_AVAILABLE;
            case UNIMPLEMENTED -> ErrorCode.UNSUPPORTED_VERSION;
            case PERMISSION_DENIED, UNAUTHENTICATED -> ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
            case INVALID_ARGUMENT -> ErrorCode.INVALID_REQUEST;
            case NOT_FOUND -> ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            case RESOURCE_EXHAUSTED -> ErrorCode.THROTTLING_QUOTA_EXCEEDED;
            // grpc-java reports a write on a connection the peer already closed as UNKNOWN "channel closed", and
            // some connection failures as INTERNAL, depending on which event-loop step noticed the close first.
            default -> connectionLost(t) ? ErrorCode.NETWORK_EXCEPTION : ErrorCode.UNKNOWN_SERVER_ERROR;
        };
    }

    /**
     * Whether the failure was raised by this client's own transport because the connection went away. Causes never
     * travel over the wire, so an I/O exception in the chain (ClosedChannelException, a reset connection) is local
     * evidence, not something a broker said.
     */
    static boolean connectionLost(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < MAX_CAUSE_DEPTH; c = c.getCause(), depth++) {
            if (c instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why nothing can be listening at the address a call went to, when the failure proves it: the connection was
     * refused, the host name does not resolve, or there is no route to it. Null for anything else, including a
     * connect that timed out or a broker that accepted and then stalled: those may be a slow cluster, so they keep
     * the usual timeout.
     */
    public static String unreachableReason(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < MAX_CAUSE_DEPTH; c = c.getCause(), depth++) {
            if (c instanceof UnknownHostException) {
                return "unknown host";
            }
            if (c instanceof NoRouteToHostException) {
                return "no route to host";
            }
            // Netty's ConnectTimeoutException is a ConnectException too, and a timeout proves nothing.
            if (c instanceof ConnectException && !c.getClass().getSimpleName().contains("Timeout")) {
                return "connection refused";
            }
        }
        return null;
    }

    /** Whether an error means the client's idea of who leads a partition is stale. */
    public static boolean needsMetadataRefresh(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
                    UNKNOWN_TOPIC_OR_PARTITION, BROKER_NOT_AVAILABLE, NETWORK_EXCEPTION, REQUEST_TIMED_OUT, NOT_CONTROLLER -> true;
            default -> false;
        };
    }
}
