package io.tributary.client.internal;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.tributary.client.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per broker address, created on first use and shared by every call to that broker (a channel
 * multiplexes all streams over one HTTP/2 connection and reconnects by itself).
 *
 * <p>Thread-safe.
 */
public final class ChannelPool implements AutoCloseable {
    /** Keepalive pings keep long-lived fetch and produce streams from being dropped by idle middleboxes. */
    private static final long KEEPALIVE_TIME_MS = 30_000;
    private static final long KEEPALIVE_TIMEOUT_MS = 10_000;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final int maxInboundMessageBytes;
    private final String userAgent;
    private volatile boolean closed;

    public ChannelPool(int maxInboundMessageBytes, String clientId) {
        this.maxInboundMessageBytes = maxInboundMessageBytes;
        this.userAgent = "tributary-java/" + clientId;
    }

    public ManagedChannel channel(Node node) {
        return channel(node.host(), node.port());
    }

    public ManagedChannel channel(HostPort address) {
        return channel(address.host(), address.port());
    }

    public ManagedChannel channel(String host, int port) {
        if (closed) {
            throw new IllegalStateException("client is closed");
        }
        return channels.computeIfAbsent(host + ":" + port, k -> Grpc.newChannelBuilderForAddress(host, port,
                        InsecureChannelCredentials.create())
                .maxInboundMessageSize(maxInboundMessageBytes)
                .keepAliveTime(KEEPALIVE_TIME_MS, TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .userAgent(userAgent)
                .build());
    }

    /** Shuts every channel down, waiting at most {@code timeoutMs} in total for calls to drain. */
    @Override
    public void close() {
        close(5_000);
    }

    public void close(long timeoutMs) {
        closed = true;
        List<ManagedChannel> all = new ArrayList<>(channels.values());
        channels.clear();
        all.forEach(ManagedChannel::shutdown);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (ManagedChannel ch : all) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !ch.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    ch.shutdownNow();
                }
            } catch (InterruptedException e) {
                ch.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
