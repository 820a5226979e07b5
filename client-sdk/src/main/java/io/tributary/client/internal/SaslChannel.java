package io.tributary.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;
import io.tributary.api.security.SaslAuthentication;
import io.tributary.api.v1.AuthenticateResponse;
import io.tributary.api.v1.SecurityGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A channel whose connection authenticates with SASL before its calls, as a Kafka client's connection does: the broker
 * binds a completed {@code Security/Authenticate} exchange to the HTTP/2 connection (see {@code security.proto}), so
 * the exchange runs on the raw channel and later calls on the same connection need nothing more.
 *
 * <p><b>When it authenticates.</b> Before the first call, and again whenever the connection may have changed: the
 * channel left READY (watched with {@code notifyWhenStateChanged}: a reconnect starts unauthenticated), or a call came
 * back UNAUTHENTICATED with REAUTHENTICATION_REQUIRED (the safety net for a reconnect the watch saw too late; the error
 * is retriable, so the SDK's usual retry runs after this channel has authenticated again). A session with a lifetime
 * ({@code connections.max.reauth.ms} on the broker) is renewed on the same connection at 85-90% of it, from a timer,
 * whether or not calls are made (KIP-368: long-lived fetch and produce streams would otherwise be cut when the broker
 * closes an expired connection); calls keep going straight through while the renewal runs, up to 95% of the lifetime.
 *
 * <p><b>Threads.</b> No caller ever blocks on authentication: a call made while the connection is not authenticated
 * is a {@link PendingCall} that starts once the exchange succeeds, or closes with its failure. The exchange itself
 * (blocking, bounded by the request timeout) runs on the client's SASL executor, one at a time per channel: concurrent
 * first calls all wait for the same exchange (a broker refuses a second exchange on a connection). A pending call with
 * a deadline closes DEADLINE_EXCEEDED when it passes, even if the exchange has not finished.
 *
 * <p><b>Failures.</b> A wrong user name or password fails every waiting call with UNAUTHENTICATED and
 * SASL_AUTHENTICATION_FAILED (not retriable) and a message that names the user and mechanism, never the password. The
 * next call tries again: nothing is cached, so fixing the credential on the broker is enough.
 *
 * <p>Thread-safe. Lock order: {@link #lock} is never held while calling into gRPC or completing a future.
 */
final class SaslChannel extends ManagedChannel {
    private static final Logger log = LoggerFactory.getLogger(SaslChannel.class);
    private static final double RENEW_FROM_FRACTION = 0.85;
    private static final double RENEW_JITTER_FRACTION = 0.05;
    /** Past this fraction of a lifetime calls wait for the renewal instead of risking an expired session. */
    private static final double USABLE_FRACTION = 0.95;

    private final ManagedChannel raw;
    private final SaslCredentials credentials;
    private final long exchangeTimeoutMs;
    private final ExecutorService exchanges;
    private final ScheduledExecutorService timer;
    private final Object lock = new Object();
    /** Whether the current connection has authenticated and may still be used. Guarded by lock. */
    private boolean authenticated;
    /** Counts completed exchanges: a REAUTHENTICATION_REQUIRED of a call made under an older one changes nothing. */
    private long generation;
    /** False: the session never expires. Guarded by lock. */
    private boolean expires;
    private long usableUntilNanos;
    /** The exchange running now, completing with its generation; null when none. Guarded by lock. */
    private CompletableFuture<Long> exchange;
    private ScheduledFuture<?> renewal;

    /**
     * @param exchanges where exchanges run (they block) and where a failed pending call without an executor of its
     *                  own is told so
     * @param timer     renewals and pending calls' deadlines
     */
    SaslChannel(ManagedChannel raw, SaslCredentials credentials, long exchangeTimeoutMs, ExecutorService exchanges,
                ScheduledExecutorService timer) {
        this.raw = raw;
        this.credentials = credentials;
        this.exchangeTimeoutMs = exchangeTimeoutMs;
        this.exchanges = exchanges;
        this.timer = timer;
        watch(raw.getState(false));
    }

    /** Leaving READY may mean a new connection next, which starts unauthenticated. */
    private void watch(ConnectivityState from) {
        if (raw.isShutdown()) {
            return;
        }
        raw.notifyWhenStateChanged(from, () -> {
            if (from == ConnectivityState.READY) {
                synchronized (lock) {
                    authenticated = false;
                    cancelRenewal();
                }
            }
            watch(raw.getState(false));
        });
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        if (method.getFullMethodName().equals(SecurityGrpc.getAuthenticateMethod().getFullMethodName())) {
            return raw.newCall(method, options);
        }
        CompletableFuture<Long> waitFor;
        long current;
        boolean submit = false;
        synchronized (lock) {
            current = generation;
            if (authenticated && (!expires || System.nanoTime() - usableUntilNanos < 0)) {
                waitFor = null;
            } else {
                if (exchange == null) {
                    exchange = new CompletableFuture<>();
                    submit = true;
                }
                waitFor = exchange;
            }
        }
        if (waitFor == null) {
            return watched(raw.newCall(method, options), current);
        }
        if (submit) {
            submit(waitFor);
        }
        PendingCall<Q, R> call = new PendingCall<>(options.getExecutor() != null ? options.getExecutor() : exchanges);
        ScheduledFuture<?> deadline = failAtDeadline(call, options.getDeadline());
        waitFor.whenComplete((gen, failure) -> {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (failure == null) {
                call.proceed(watched(raw.newCall(method, options), gen));
            } else {
                StatusRuntimeException e = asStatus(failure);
                call.fail(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
            }
        });
        return call;
    }

    private ScheduledFuture<?> failAtDeadline(PendingCall<?, ?> call, Deadline deadline) {
        if (deadline == null) {
            return null;
        }
        Status status = Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded while the connection to " + raw.authority()
                + " authenticated (SASL " + credentials.mechanism() + ")");
        try {
            return timer.schedule(() -> call.fail(status, new Metadata()), deadline.timeRemaining(TimeUnit.NANOSECONDS),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            return null;
        }
    }

    private void submit(CompletableFuture<Long> f) {
        try {
            exchanges.execute(() -> runExchange(f));
        } catch (RejectedExecutionException closed) {
            finish(f, null, Status.UNAVAILABLE.withDescription("the client is closed").asRuntimeException());
        }
    }

    private void runExchange(CompletableFuture<Long> f) {
        AuthenticateResponse done = null;
        StatusRuntimeException failure = null;
        try {
            done = SaslAuthentication.authenticate(raw, credentials.mechanism(), credentials.username(), credentials.password(),
                    exchangeTimeoutMs);
        } catch (StatusRuntimeException e) {
            failure = SaslFailures.explain(e, credentials);
        } catch (RuntimeException e) {
            failure = Status.INTERNAL.withDescription("authenticating as " + credentials.username() + " with "
                    + credentials.mechanism() + " failed: " + e).withCause(e).asRuntimeException();
        }
        finish(f, done, failure);
    }

    /** Records an exchange's outcome, schedules the renewal, then (outside the lock) tells the waiting calls. */
    private void finish(CompletableFuture<Long> f, AuthenticateResponse done, StatusRuntimeException failure) {
        long gen;
        boolean renewed;
        synchronized (lock) {
            if (exchange == f) {
                exchange = null;
            }
            renewed = authenticated;
            cancelRenewal();
            if (done != null) {
                authenticated = true;
                gen = ++generation;
                long lifetimeNanos = TimeUnit.MILLISECONDS.toNanos(done.getSessionLifetimeMs());
                expires = lifetimeNanos > 0;
                if (expires) {
                    long now = System.nanoTime();
                    usableUntilNanos = now + (long) (lifetimeNanos * USABLE_FRACTION);
                    double at = RENEW_FROM_FRACTION + ThreadLocalRandom.current().nextDouble() * RENEW_JITTER_FRACTION;
                    scheduleRenewal(gen, (long) (lifetimeNanos * at));
                }
            } else {
                authenticated = false;
                gen = generation;
            }
        }
        if (done != null) {
            log.debug("{} authenticated as {} with {} (session lifetime {} ms{})", raw.authority(), done.getPrincipal(),
                    credentials.mechanism(), done.getSessionLifetimeMs(), renewed ? ", renewed" : "");
            f.complete(gen);
        } else {
            if (renewed) {
                log.warn("renewing the SASL session with {} failed; the next call authenticates again: {}", raw.authority(),
                        failure.getStatus());
            }
            f.completeExceptionally(failure);
        }
    }

    /** Under lock. */
    private void scheduleRenewal(long gen, long delayNanos) {
        try {
            renewal = timer.schedule(() -> renew(gen), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            renewal = null;
        }
    }

    /** Under lock. */
    private void cancelRenewal() {
        if (renewal != null) {
            renewal.cancel(false);
            renewal = null;
        }
    }

    private void renew(long gen) {
        CompletableFuture<Long> f;
        synchronized (lock) {
            if (!authenticated || generation != gen || exchange != null || raw.isShutdown()) {
                return;
            }
            f = new CompletableFuture<>();
            exchange = f;
        }
        submit(f);
    }

    /** The broker no longer takes this connection's session (a reconnect the watch missed, or an expiry). */
    private void reauthenticationRequired(long gen) {
        synchronized (lock) {
            if (generation == gen) {
                authenticated = false;
                cancelRenewal();
            }
        }
    }

    private <Q, R> ClientCall<Q, R> watched(ClientCall<Q, R> call, long gen) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (status.getCode() == Status.Code.UNAUTHENTICATED
                                && ErrorInfos.brokerError(status, trailers) == ErrorCode.REAUTHENTICATION_REQUIRED) {
                            reauthenticationRequired(gen);
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }

    private static StatusRuntimeException asStatus(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return t instanceof StatusRuntimeException sre ? sre : Status.fromThrowable(t).asRuntimeException();
    }

    @Override
    public String authority() {
        return raw.authority();
    }

    @Override
    public ManagedChannel shutdown() {
        raw.shutdown();
        return this;
    }

    @Override
    public boolean isShutdown() {
        return raw.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return raw.isTerminated();
    }

    @Override
    public ManagedChannel shutdownNow() {
        raw.shutdownNow();
        return this;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return raw.awaitTermination(timeout, unit);
    }

    @Override
    public ConnectivityState getState(boolean requestConnection) {
        return raw.getState(requestConnection);
    }

    @Override
    public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
        raw.notifyWhenStateChanged(source, callback);
    }

    @Override
    public void resetConnectBackoff() {
        raw.resetConnectBackoff();
    }

    @Override
    public void enterIdle() {
        raw.enterIdle();
    }
}
