package io.tributary.broker.security;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a broker knows about one client connection on a SASL listener: whether it has authenticated, as whom, with
 * which mechanism, and until when. Authentication is per connection, as in Kafka: once a connection completes an
 * exchange, every call on it runs as that principal until the session expires ({@code connections.max.reauth.ms}).
 * A re-authentication must name the same principal (Kafka's rule, so a connection cannot change identity under
 * in-flight requests).
 *
 * <p>Thread-safe: the transport's event loop, the exchange and every call on the connection read it; the state is one
 * immutable value swapped atomically.
 */
public final class ConnectionSession {
    /** Before any exchange completed. */
    private static final State UNAUTHENTICATED = new State(null, null, 0L);

    private record State(String principal, String mechanism, long expiresAtNanos) {
    }

    /** What the session needs of the connection under it; the transport implements it. */
    public interface Transport {
        /** Closes the connection; callable from any thread, idempotent. */
        void close();

        /** Runs {@code task} once after {@code delayNanos}, unless the connection has closed by then. */
        void schedule(Runnable task, long delayNanos);
    }

    private final String listener;
    private final String clientHost;
    private final Transport transport;
    private final AtomicBoolean exchangeInFlight = new AtomicBoolean();
    private volatile State state = UNAUTHENTICATED;

    public ConnectionSession(String listener, String clientHost, Transport transport) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.clientHost = Objects.requireNonNull(clientHost, "clientHost");
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    public String listener() {
        return listener;
    }

    public String clientHost() {
        return clientHost;
    }

    /** Whether an exchange has completed on this connection (even if its session has since expired). */
    public boolean everAuthenticated() {
        return state.principal != null;
    }

    /** The principal calls on this connection run as, or null when it has not authenticated or its session expired. */
    public String principalIfValid(long nowNanos) {
        State s = state;
        if (s.principal == null || (s.expiresAtNanos != 0L && nowNanos - s.expiresAtNanos >= 0)) {
            return null;
        }
        return s.principal;
    }

    public String mechanism() {
        return state.mechanism;
    }

    /** Nanoseconds until the session expires; 0 when it never does; negative once expired; -1 if never authenticated. */
    public long remainingNanos(long nowNanos) {
        State s = state;
        if (s.principal == null) {
            return -1L;
        }
        return s.expiresAtNanos == 0L ? 0L : s.expiresAtNanos - nowNanos;
    }

    /** The session's expiry on the {@link System#nanoTime()} clock; 0 = never. */
    public long expiresAtNanos() {
        return state.expiresAtNanos;
    }

    /**
     * Claims the right to run an exchange; false while another one is running on this connection (a stranger gets one
     * exchange at a time, so it cannot multiply the broker's work by opening streams).
     */
    public boolean beginExchange() {
        return exchangeInFlight.compareAndSet(false, true);
    }

    public void endExchange() {
        exchangeInFlight.set(false);
    }

    /**
     * Records a completed exchange. A session with a lifetime closes the connection when it expires unless the client
     * has re-authenticated by then (Kafka's KIP-368 behaviour): long-lived streams cannot outlive the credential.
     *
     * @param lifetimeNanos 0 for a session that never expires
     * @throws IllegalStateException when a re-authentication names another principal than the first
     */
    public void authenticated(String principal, String mechanism, long nowNanos, long lifetimeNanos) {
        State previous = state;
        if (previous.principal != null && !previous.principal.equals(principal)) {
            throw new IllegalStateException("this connection authenticated as " + previous.principal
                    + "; re-authentication must use the same identity, not " + principal + " (open a new connection)");
        }
        long expires = lifetimeNanos == 0L ? 0L : nowNanos + lifetimeNanos;
        if (expires == 0L && lifetimeNanos != 0L) {
            expires = 1L; // nanoTime may be 0 exactly; 0 means "never"
        }
        state = new State(principal, mechanism, expires);
        if (lifetimeNanos != 0L) {
            transport.schedule(this::closeIfExpired, lifetimeNanos);
        }
    }

    private void closeIfExpired() {
        if (principalIfValid(System.nanoTime()) == null) {
            transport.close();
        }
    }

    /** Closes the connection: failed or expired sessions, the authentication timeout. */
    public void close() {
        transport.close();
    }
}
