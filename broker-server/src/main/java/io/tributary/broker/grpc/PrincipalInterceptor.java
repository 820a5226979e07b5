package io.tributary.broker.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Puts the caller's principal on every request's gRPC {@link Context}. Plaintext listeners know no identity, so
 * everyone is {@code User:ANONYMOUS}; TLS client certificates and SASL-style credentials will resolve real
 * principals here, and authorization will read them from {@link #PRINCIPAL}. Stateless and thread-safe.
 */
public final class PrincipalInterceptor implements ServerInterceptor {
    public static final String ANONYMOUS = "User:ANONYMOUS";
    public static final Context.Key<String> PRINCIPAL = Context.key("tributary-principal");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Context ctx = Context.current().withValue(PRINCIPAL, ANONYMOUS);
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}
