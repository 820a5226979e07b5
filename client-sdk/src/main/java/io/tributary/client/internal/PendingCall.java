package io.tributary.client.internal;

import io.grpc.Attributes;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A call handed out before the call it stands for can start: the caller may start it, send, request and half-close at
 * once; those steps are kept in order and replayed on the real call once it is set ({@link #proceed}), or the call
 * closes with a status ({@link #fail}) without ever reaching the network. This is how a call waits for its
 * connection's SASL exchange without blocking the thread that started it (grpc-java's own {@code DelayedClientCall}
 * does the same for name resolution but is internal API).
 *
 * <p>Thread-safe: the caller's thread and the thread that sets the outcome may race; replay keeps the caller's order,
 * and a step taken while the queue drains joins the end of the queue. {@link #isReady()} is false until the real call
 * runs, so a stream that honours flow control waits for its {@code onReady}.
 */
final class PendingCall<Q, R> extends ClientCall<Q, R> {
    /** Where a failed call's {@code onClose} runs: the call's own executor, else the SDK's SASL executor. */
    private final Executor callbackExecutor;
    private final Object lock = new Object();
    /** Steps to replay, in order; null once they run straight through on {@link #delegate}. Guarded by lock. */
    private List<Runnable> pending = new ArrayList<>();
    /** The real call, or a {@link FailedCall}; set once. Guarded by lock until {@link #passThrough}. */
    private ClientCall<Q, R> delegate;
    private volatile boolean passThrough;

    PendingCall(Executor callbackExecutor) {
        this.callbackExecutor = callbackExecutor;
    }

    /** Starts {@code call} with every step taken so far; false (and {@code call} left unstarted) when already settled. */
    boolean proceed(ClientCall<Q, R> call) {
        synchronized (lock) {
            if (delegate != null) {
                return false;
            }
            delegate = call;
        }
        drain();
        return true;
    }

    /** Closes the call with {@code status} once it is started; false when already settled. */
    boolean fail(Status status, Metadata trailers) {
        return proceed(new FailedCall<>(status, trailers, callbackExecutor));
    }

    private void drain() {
        List<Runnable> toRun = new ArrayList<>();
        while (true) {
            synchronized (lock) {
                if (pending.isEmpty()) {
                    pending = null;
                    passThrough = true;
                    return;
                }
                List<Runnable> swap = toRun;
                toRun = pending;
                pending = swap;
            }
            for (Runnable step : toRun) {
                step.run();
            }
            toRun.clear();
        }
    }

    private void step(Runnable step) {
        if (!passThrough) {
            synchronized (lock) {
                if (!passThrough) {
                    pending.add(step);
                    return;
                }
            }
        }
        step.run();
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
        step(() -> delegate.start(listener, headers));
    }

    @Override
    public void request(int numMessages) {
        step(() -> delegate.request(numMessages));
    }

    @Override
    public void sendMessage(Q message) {
        step(() -> delegate.sendMessage(message));
    }

    @Override
    public void halfClose() {
        step(() -> delegate.halfClose());
    }

    @Override
    public void setMessageCompression(boolean enabled) {
        step(() -> delegate.setMessageCompression(enabled));
    }

    /** Before the outcome is known the call closes CANCELLED at once and the real call never starts. */
    @Override
    public void cancel(String message, Throwable cause) {
        if (!fail(Status.CANCELLED.withDescription(message).withCause(cause), new Metadata())) {
            step(() -> delegate.cancel(message, cause));
        }
    }

    @Override
    public boolean isReady() {
        return passThrough && delegate.isReady();
    }

    @Override
    public Attributes getAttributes() {
        return passThrough ? delegate.getAttributes() : Attributes.EMPTY;
    }

    /** A call that never reaches the network: once started it closes with the given status, on the callback executor. */
    static final class FailedCall<Q, R> extends ClientCall<Q, R> {
        private final Status status;
        private final Metadata trailers;
        private final Executor executor;
        private boolean started;

        FailedCall(Status status, Metadata trailers, Executor executor) {
            this.status = status;
            this.trailers = trailers;
            this.executor = executor;
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            if (started) {
                return;
            }
            started = true;
            try {
                executor.execute(() -> listener.onClose(status, trailers));
            } catch (RejectedExecutionException closed) {
                // The client is closing and its executor is gone: tell the listener here rather than never.
                listener.onClose(status, trailers);
            }
        }

        @Override
        public void request(int numMessages) {
        }

        @Override
        public void cancel(String message, Throwable cause) {
        }

        @Override
        public void halfClose() {
        }

        @Override
        public void sendMessage(Q message) {
        }

        @Override
        public boolean isReady() {
            return false;
        }
    }
}
