package io.tributary.broker.grpc;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelDuplexHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.tributary.broker.security.ConnectionRegistry;
import io.tributary.broker.security.ConnectionSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The first handler of every client connection on a Netty listener, ahead of TLS and HTTP/2: it counts the connection
 * against {@code max.connections} / {@code max.connections.per.ip}, creates its {@link ConnectionSession}, and on a
 * SASL listener bounds what a connection that has not authenticated may cost the broker, as Kafka does after
 * CVE-2022-34917: at most {@code sasl.server.max.receive.size} bytes (TLS handshake, HTTP/2 preface, headers and the
 * SASL messages together) and {@code connections.authentication.timeout.ms} before it is closed. Larger messages are
 * refused by gRPC's own inbound message limit before they are buffered.
 *
 * <p>Installed through grpc-netty's {@code Internal*} negotiator hooks, the one place the broker reaches below gRPC's
 * public API (there is no other way to run a handler per connection or to close one from the server); the listener
 * tests fail if a gRPC upgrade changes them.
 *
 * <p>One guard per connection, confined to its event loop, except {@link ConnectionSession} which is thread-safe.
 */
public final class ConnectionGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

    /** What a listener's guards share. */
    public record Limits(String listener, boolean sasl, ConnectionRegistry registry, int maxUnauthenticatedBytes,
                  long authenticationTimeoutMs) {
    }

    /** Server credentials for a listener: plaintext or TLS ({@code tls} non-null), each connection guarded. */
    public static ServerCredentials credentials(SslContext tls, Limits limits) {
        InternalProtocolNegotiator.ProtocolNegotiator inner = tls == null
                ? InternalProtocolNegotiators.serverPlaintext() : InternalProtocolNegotiators.serverTls(tls);
        return InternalNettyServerCredentials.create(new Negotiator(inner, limits));
    }

    private static final class Negotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
        private final InternalProtocolNegotiator.ProtocolNegotiator inner;
        private final Limits limits;

        Negotiator(InternalProtocolNegotiator.ProtocolNegotiator inner, Limits limits) {
            this.inner = inner;
            this.limits = limits;
        }

        @Override
        public AsciiString scheme() {
            return inner.scheme();
        }

        @Override
        public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
            ChannelHandler negotiation = inner.newHandler(grpcHandler);
            // Takes the negotiation handler's place in the pipeline and puts the guard in front of it.
            return new ChannelHandlerAdapter() {
                @Override
                public void handlerAdded(ChannelHandlerContext ctx) {
                    ctx.pipeline().addBefore(ctx.name(), null, new ConnectionGuard(limits));
                    ctx.pipeline().replace(this, null, negotiation);
                }
            };
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private final Limits limits;
    private ConnectionSession session;
    private SocketAddress remote;
    private long unauthenticatedBytes;

    private ConnectionGuard(Limits limits) {
        this.limits = limits;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        remote = channel.remoteAddress();
        String host = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        session = new ConnectionSession(limits.listener(), host, new ConnectionSession.Transport() {
            @Override
            public void close() {
                channel.close();
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                if (channel.isOpen()) {
                    channel.eventLoop().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                }
            }
        });
        if (!limits.registry().tryOpen(limits.listener(), remote, session)) {
            log.warn("listener {}: refusing a connection from {}: max.connections or max.connections.per.ip reached",
                    limits.listener(), host);
            session = null;
            channel.close();
            return;
        }
        ConnectionSession s = session;
        channel.closeFuture().addListener(f -> limits.registry().closed(limits.listener(), remote, s));
        if (limits.sasl()) {
            channel.eventLoop().schedule(() -> {
                if (!s.everAuthenticated() && channel.isOpen()) {
                    log.info("listener {}: closing a connection from {} that did not authenticate within {} ms",
                            limits.listener(), host, limits.authenticationTimeoutMs());
                    channel.close();
                }
            }, limits.authenticationTimeoutMs(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (session == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (limits.sasl() && msg instanceof ByteBuf buf && !session.everAuthenticated()) {
            unauthenticatedBytes += buf.readableBytes();
            if (unauthenticatedBytes > limits.maxUnauthenticatedBytes()) {
                log.warn("listener {}: closing a connection from {} that sent {} bytes before authenticating "
                                + "(sasl.server.max.receive.size is {})", limits.listener(), session.clientHost(),
                        unauthenticatedBytes, limits.maxUnauthenticatedBytes());
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
