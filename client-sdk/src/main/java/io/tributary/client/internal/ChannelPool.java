package io.tributary.client.internal;

import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.tributary.api.util.DaemonThreads;
import io.tributary.client.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per broker address, created on first use and shared by every call to that broker (a channel
 * multiplexes all streams over one HTTP/2 connection and reconnects by itself). Plaintext, or TLS with one
 * {@link SslContext} built when the pool is made (the stores are read once per client, not once per broker). With
 * SASL (SASL_SSL, SASL_PLAINTEXT) every channel is a {@link SaslChannel}: its connection authenticates before calls
 * go through, the exchanges running on this pool's SASL threads (at most one per broker at a time; idle ones end).
 *
 * <p>Thread-safe.
 */
public final class ChannelPool implements AutoCloseable {
    /** Keepalive pings keep long-lived fetch and produce streams from being dropped by idle middleboxes. */
    private static final long KEEPALIVE_TIME_MS = 30_000;
    private static final long KEEPALIVE_TIMEOUT_MS = 10_000;
    /** Bounds of one socket read; the size adapts to what arrives between them. */
    private static final int MIN_READ_BYTES = 512;
    private static final int INITIAL_READ_BYTES = 16 * 1024;
    private static final int MAX_READ_BYTES = 1024 * 1024;

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final int maxInboundMessageBytes;
    private final String userAgent;
    /** Null: plaintext. */
    private final SslContext tls;
    private final boolean mutualTls;
    /** Null: no SASL. */
    private final SaslCredentials sasl;
    private final long saslTimeoutMs;
    /** With SASL only: where exchanges run (they block, bounded by saslTimeoutMs), and renewal / deadline timers. */
    private final ExecutorService saslExchanges;
    private final ScheduledExecutorService saslTimer;
    private volatile boolean closed;
    /** Whether any broker has answered a call of this client; see {@link ContactAttempt}. */
    private volatile boolean answered;

    /**
     * @param tls the client's TLS settings ({@code ClientConfig.tls()}), or null for plaintext
     * @throws io.tributary.api.config.ConfigException when the TLS settings cannot make a context
     */
    public ChannelPool(int maxInboundMessageBytes, String clientId, ClientTls tls) {
        this(maxInboundMessageBytes, clientId, tls, null, 0);
    }

    /**
     * @param sasl          the SASL credentials with SASL_SSL / SASL_PLAINTEXT ({@code ClientConfig.sasl()}), else null:
     *                      every connection then authenticates before its first call ({@link SaslChannel})
     * @param saslTimeoutMs the bound of one authentication exchange (the client's request.timeout.ms)
     */
    public ChannelPool(int maxInboundMessageBytes, String clientId, ClientTls tls, SaslCredentials sasl, long saslTimeoutMs) {
        this.maxInboundMessageBytes = maxInboundMessageBytes;
        this.userAgent = "tributary-java/" + clientId;
        this.tls = tls == null ? null : tls.context();
        this.mutualTls = tls != null && tls.mutual();
        this.sasl = sasl;
        this.saslTimeoutMs = saslTimeoutMs;
        if (sasl == null) {
            this.saslExchanges = null;
            this.saslTimer = null;
        } else {
            // Threads come and go with exchanges: a client that stays connected keeps none between renewals.
            ThreadPoolExecutor exchanges = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), DaemonThreads.numbered("tributary-sasl | " + clientId));
            this.saslExchanges = exchanges;
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("tributary-sasl-timer | " + clientId));
            timer.setRemoveOnCancelPolicy(true);
            this.saslTimer = timer;
        }
    }

    /** Whether the channels speak TLS (security.protocol=SSL or SASL_SSL); failures to connect are explained accordingly. */
    public boolean usesTls() {
        return tls != null;
    }

    /** Whether connections authenticate with SASL (security.protocol=SASL_SSL or SASL_PLAINTEXT). */
    public boolean usesSasl() {
        return sasl != null;
    }

    /** Whether this client presents a certificate of its own. */
    public boolean mutualTls() {
        return mutualTls;
    }

    /** Some broker answered a call: failures to connect are an outage from now on, not a wrong address. */
    public void markAnswered() {
        answered = true;
    }

    public boolean hasAnswered() {
        return answered;
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
        return channels.computeIfAbsent(host + ":" + port, k -> newChannel(host, port));
    }

    private ManagedChannel newChannel(String host, int port) {
        NettyChannelBuilder builder = tls == null
                ? NettyChannelBuilder.forAddress(host, port, InsecureChannelCredentials.create())
                : NettyChannelBuilder.forAddress(host, port).sslContext(tls);
        ManagedChannel channel = builder
                // Netty's default reads at most 64 KiB per read call; a consumer receives ~1 MiB fetch responses back
                // to back, and larger reads (the size adapts to what arrives, up to MAX_READ_BYTES) cut the reads and
                // pooled buffers per response: the consumer perf tool used 6% less CPU (5 runs each, 5M records).
                .withOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(MIN_READ_BYTES, INITIAL_READ_BYTES, MAX_READ_BYTES))
                .maxInboundMessageSize(maxInboundMessageBytes)
                .keepAliveTime(KEEPALIVE_TIME_MS, TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .userAgent(userAgent)
                .build();
        return sasl == null ? channel : new SaslChannel(channel, sasl, saslTimeoutMs, saslExchanges, saslTimer);
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
        if (saslExchanges != null) {
            // Interrupts a running exchange: its waiting calls close CANCELLED.
            saslExchanges.shutdownNow();
            saslTimer.shutdownNow();
        }
    }
}
