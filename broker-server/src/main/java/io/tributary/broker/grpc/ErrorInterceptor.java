package io.tributary.broker.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.api.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Applies the error catalogue to every call: an exception thrown by a handler closes the call with the status the
 * catalogue gives it (never UNKNOWN), with {@code google.rpc.Status} details; and a handler's own
 * {@code onError(Throwable)} with a plain exception is mapped the same way. Unexpected exceptions are logged once
 * here. Stateless and thread-safe.
 */
public final class ErrorInterceptor implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(ErrorInterceptor.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        GuardedCall<Q, R> guarded = new GuardedCall<>(call);
        ServerCall.Listener<Q> delegate;
        try {
            delegate = next.startCall(guarded, headers);
        } catch (RuntimeException e) {
            guarded.fail(e);
            return new ServerCall.Listener<>() {
            };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message);
                } catch (RuntimeException e) {
                    guarded.fail(e);
                }
            }

            @Override
            public void onHalfClose() {
                try {
                    super.onHalfClose();
                } catch (RuntimeException e) {
                    guarded.fail(e);
                }
            }

            @Override
            public void onReady() {
                try {
                    super.onReady();
                } catch (RuntimeException e) {
                    guarded.fail(e);
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } catch (RuntimeException e) {
                    log.warn("handler failed while a call was cancelled", e);
                }
            }

            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } catch (RuntimeException e) {
                    log.warn("handler failed after a call completed", e);
                }
            }
        };
    }

    /** Closes at most once, and maps statuses that carry a plain exception instead of a catalogue entry. */
    private static final class GuardedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final AtomicBoolean closed = new AtomicBoolean();

        GuardedCall(ServerCall<Q, R> delegate) {
            super(delegate);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            if (!status.isOk() && status.getCode() == Status.Code.UNKNOWN && status.getCause() != null) {
                // A handler passed a plain exception to onError: map it rather than leak UNKNOWN.
                StatusRuntimeException mapped = GrpcErrors.toStatus(status.getCause());
                logIfUnexpected(status.getCause());
                super.close(mapped.getStatus(), mapped.getTrailers() == null ? trailers : mapped.getTrailers());
                return;
            }
            super.close(status, trailers);
        }

        void fail(RuntimeException e) {
            logIfUnexpected(e);
            StatusRuntimeException mapped = GrpcErrors.toStatus(e);
            close(mapped.getStatus(), mapped.getTrailers() == null ? new Metadata() : mapped.getTrailers());
        }

        private static void logIfUnexpected(Throwable t) {
            if (GrpcErrors.codeOf(t) == ErrorCode.UNKNOWN_SERVER_ERROR && !(t instanceof StatusRuntimeException)) {
                log.error("unexpected error in a request handler", t);
            }
        }
    }
}
