package io.tributary.broker.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tributary.broker.security.SslPrincipalMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Puts who is calling, and through which listener, on every request's gRPC {@link Context}: the principal, the
 * client's address and the listener's name. On a TLS listener a client that presented a certificate is
 * {@code User:<name>}, the name mapped from the certificate's subject by {@code ssl.principal.mapping.rules}; a
 * subject no rule maps is refused (UNAUTHENTICATED). Everyone else is {@code User:ANONYMOUS}. One interceptor per
 * listener; stateless and thread-safe.
 */
public final class PrincipalInterceptor implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(PrincipalInterceptor.class);
    public static final String ANONYMOUS = "User:ANONYMOUS";
    public static final Context.Key<String> PRINCIPAL = Context.keyWithDefault("tributary-principal", ANONYMOUS);
    /** The client's IP address as text ("127.0.0.1"), or "" when the transport does not say. */
    public static final Context.Key<String> CLIENT_HOST = Context.keyWithDefault("tributary-client-host", "");
    /** The name of the listener the call came in on ("PLAINTEXT", "SSL", ...); "" for an in-process server. */
    public static final Context.Key<String> LISTENER = Context.keyWithDefault("tributary-listener", "");

    private final String listener;
    private final SslPrincipalMapper mapper;

    /** For a plaintext or in-process server: everyone is anonymous. */
    public PrincipalInterceptor() {
        this("", null);
    }

    /** @param mapper how certificate subjects become principals on a TLS listener; null on a plaintext one */
    public PrincipalInterceptor(String listener, SslPrincipalMapper mapper) {
        this.listener = listener;
        this.mapper = mapper;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String principal = ANONYMOUS;
        if (mapper != null) {
            X509Certificate cert = clientCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            if (cert != null) {
                String subject = cert.getSubjectX500Principal().getName();
                try {
                    principal = "User:" + mapper.principalName(subject);
                } catch (IllegalArgumentException unmapped) {
                    log.warn("listener {}: refusing a client certificate from {}: {}", listener,
                            hostOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), unmapped.getMessage());
                    call.close(Status.UNAUTHENTICATED.withDescription(unmapped.getMessage()), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
            }
        }
        Context ctx = Context.current().withValues(PRINCIPAL, principal, CLIENT_HOST,
                hostOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), LISTENER, listener);
        return Contexts.interceptCall(ctx, call, headers, next);
    }

    /** The client's leaf certificate, or null when it sent none (or the listener is not TLS). */
    private static X509Certificate clientCertificate(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException noCertificate) {
            return null;
        }
    }

    private static String hostOf(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return address == null ? "" : address.toString();
    }
}
