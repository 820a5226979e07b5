package io.tributary.broker.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Puts who is calling on every request's gRPC {@link Context}: the principal and the client's address. Plaintext
 * listeners know no identity, so everyone is {@code User:ANONYMOUS}; TLS client certificates and SASL-style
 * credentials will resolve real principals here, and authorization will read them from {@link #PRINCIPAL}. The
 * address is what a group coordinator shows as a member's host. Stateless and thread-safe.
 */
public final class PrincipalInterceptor implements ServerInterceptor {
    public static final String ANONYMOUS = "User:ANONYMOUS";
    public static final Context.Key<String> PRINCIPAL = Context.key("tributary-principal");
    /** The client's IP address as text ("127.0.0.1"), or "" when the transport does not say. */
    public static final Context.Key<String> CLIENT_HOST = Context.keyWithDefault("tributary-client-host", "");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Context ctx = Context.current().withValues(PRINCIPAL, ANONYMOUS, CLIENT_HOST,
                hostOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
        return Contexts.interceptCall(ctx, call, headers, next);
    }

    private static String hostOf(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return address == null ? "" : address.toString();
    }
}
