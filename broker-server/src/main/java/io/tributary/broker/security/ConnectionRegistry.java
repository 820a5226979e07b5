package io.tributary.broker.security;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's open client connections: their sessions by listener and remote address (how a call finds the
 * connection it came on), and counts against {@code max.connections} and {@code max.connections.per.ip}, so a
 * stranger opening thousands of idle connections is refused before the broker spends memory on them.
 *
 * <p>Thread-safe.
 */
public final class ConnectionRegistry {
    private record Key(String listener, SocketAddress remote) {
    }

    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final Map<Key, ConnectionSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, Integer> perIp = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    public ConnectionRegistry(int maxConnections, int maxConnectionsPerIp) {
        this.maxConnections = maxConnections;
        this.maxConnectionsPerIp = maxConnectionsPerIp;
    }

    /**
     * Counts a new connection in; false (and nothing counted) when a limit is reached.
     */
    public boolean tryOpen(String listener, SocketAddress remote, ConnectionSession session) {
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            return false;
        }
        boolean[] admitted = {false};
        perIp.compute(session.clientHost(), (h, n) -> {
            int count = n == null ? 0 : n;
            admitted[0] = count < maxConnectionsPerIp;
            return admitted[0] ? count + 1 : n;
        });
        if (!admitted[0]) {
            total.decrementAndGet();
            return false;
        }
        sessions.put(new Key(listener, remote), session);
        return true;
    }

    /** Counts a connection out; once per successful {@link #tryOpen}. */
    public void closed(String listener, SocketAddress remote, ConnectionSession session) {
        if (sessions.remove(new Key(listener, remote), session)) {
            total.decrementAndGet();
            perIp.computeIfPresent(session.clientHost(), (h, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** The session of the connection a call came in on; null when unknown (an in-process server). */
    public ConnectionSession session(String listener, SocketAddress remote) {
        return remote == null ? null : sessions.get(new Key(listener, remote));
    }

    public int openConnections() {
        return total.get();
    }

    /** Ends every session of {@code principal}: its connections close (credentials deleted or changed). */
    public int closeSessionsOf(String principal) {
        int n = 0;
        for (ConnectionSession s : sessions.values()) {
            if (principal.equals(s.principalIfValid(System.nanoTime()))) {
                s.close();
                n++;
            }
        }
        return n;
    }
}
