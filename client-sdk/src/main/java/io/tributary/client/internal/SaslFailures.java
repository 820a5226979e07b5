package io.tributary.client.internal;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;

/**
 * Failed SASL exchanges and SASL mismatches, in words that name the setting to fix, as {@link TlsFailures} does for
 * TLS: a wrong password, a mechanism the listener does not enable, a SASL client at a listener without SASL, and a
 * client without SASL at a SASL listener (whose calls all come back REAUTHENTICATION_REQUIRED, which would otherwise
 * be retried until the timeout). No message ever holds a password.
 *
 * <p>Stateless and thread-safe.
 */
public final class SaslFailures {
    private SaslFailures() {
    }

    /**
     * A failed exchange as the status its waiting calls close with: the broker's code and error details, with a
     * description saying what to check.
     */
    static StatusRuntimeException explain(StatusRuntimeException e, SaslCredentials credentials) {
        ErrorCode code = ErrorInfos.brokerError(e);
        Metadata trailers = e.getTrailers() == null ? new Metadata() : e.getTrailers();
        String who = "user " + credentials.username() + " with " + credentials.mechanism();
        String said = e.getStatus().getDescription() == null ? e.getStatus().getCode().toString() : e.getStatus().getDescription();
        if (code == ErrorCode.SASL_AUTHENTICATION_FAILED) {
            return e.getStatus().withDescription("authentication failed for " + who + ": invalid username or password")
                    .asRuntimeException(trailers);
        }
        if (code == ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
            return e.getStatus().withDescription("the broker's listener does not enable sasl.mechanism=" + credentials.mechanism()
                    + "; set sasl.mechanism to one in its sasl.enabled.mechanisms (" + said + ")").asRuntimeException(trailers);
        }
        if (code == ErrorCode.ILLEGAL_SASL_STATE && said.contains("does not use SASL")) {
            return e.getStatus().withDescription("the broker's listener at this address does not use SASL: use the port of its"
                    + " SASL_SSL or SASL_PLAINTEXT listener, or set security.protocol to this listener's protocol (" + said + ")")
                    .asRuntimeException(trailers);
        }
        if (code == null && e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
            // Raised by this client: the broker's SCRAM messages did not verify (a forged or foreign server).
            return withError(Status.Code.UNAUTHENTICATED, ErrorCode.SASL_AUTHENTICATION_FAILED,
                    "authentication failed for " + who + ": " + said);
        }
        return e.getStatus().augmentDescription("while authenticating as " + who).asRuntimeException(trailers);
    }

    /** Failures no other broker, and no retry, can answer differently until a setting changes. */
    public static boolean isFatal(ErrorCode code) {
        return code == ErrorCode.SASL_AUTHENTICATION_FAILED || code == ErrorCode.UNSUPPORTED_SASL_MECHANISM
                || code == ErrorCode.ILLEGAL_SASL_STATE;
    }

    /**
     * Why a client without SASL can never be served at {@code failure}'s address, or null: every call of a connection
     * that did not authenticate comes back REAUTHENTICATION_REQUIRED from a SASL listener.
     */
    public static String unauthenticatedClient(Throwable failure, boolean sasl) {
        if (sasl || ErrorInfos.brokerError(failure) != ErrorCode.REAUTHENTICATION_REQUIRED) {
            return null;
        }
        return "the broker requires SASL authentication at this address (a SASL_SSL or SASL_PLAINTEXT listener): set"
                + " security.protocol=SASL_SSL (or SASL_PLAINTEXT), sasl.mechanism and sasl.jaas.config, or use another listener's port";
    }

    private static StatusRuntimeException withError(Status.Code code, ErrorCode error, String message) {
        com.google.rpc.Status rich = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(ErrorInfos.DOMAIN).setReason(error.name()).build())).build();
        return StatusProto.toStatusRuntimeException(rich);
    }
}
