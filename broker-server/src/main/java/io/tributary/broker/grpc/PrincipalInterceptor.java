package io.tributary.broker.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.broker.security.ConnectionRegistry;
import io.tributary.broker.security.ConnectionSession;
import io.tributary.broker.security.RequestContext;
import io.tributary.broker.security.SslPrincipalMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Puts who is calling, and through which listener, on every request's gRPC {@link Context}: the principal, the
 * client's address, the listener's name and the connection's {@link ConnectionSession}.
 * <ul>
 *   <li>SASL_PLAINTEXT / SASL_SSL: the principal the connection authenticated as (Security/Authenticate). A call on a
 *       connection that has not authenticated, or whose session expired, is refused UNAUTHENTICATED with
 *       REAUTHENTICATION_REQUIRED before any of its messages is read; only Authenticate, DescribeSession, health and
 *       reflection are served before. A client certificate, if any, does not decide the principal (as in Kafka).</li>
 *   <li>SSL: {@code User:<name>} from the client certificate's subject by {@code ssl.principal.mapping.rules}; a
 *       subject no rule maps is refused (UNAUTHENTICATED); no certificate is {@code User:ANONYMOUS}.</li>
 *   <li>PLAINTEXT: {@code User:ANONYMOUS}.</li>
 * </ul>
 * One interceptor per listener; stateless and thread-safe.
 */
public final class PrincipalInterceptor implements ServerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(PrincipalInterceptor.class);
    public static final String ANONYMOUS = "User:ANONYMOUS";
    public static final Context.Key<String> PRINCIPAL = Context.keyWithDefault("tributary-principal", ANONYMOUS);
    /** The client's IP address as text ("127.0.0.1"), or "" when the transport does not say. */
    public static final Context.Key<String> CLIENT_HOST = Context.keyWithDefault("tributary-client-host", "");
    /** The name of the listener the call came in on ("PLAINTEXT", "SSL", ...); "" for an in-process server. */
    public static final Context.Key<String> LISTENER = Context.keyWithDefault("tributary-listener", "");
    /** The connection's session; null for an in-process server. */
    public static final Context.Key<ConnectionSession> SESSION = Context.key("tributary-session");
    /** How the principal was established: "SSL", a SASL mechanism name, or "" for anonymous. */
    public static final Context.Key<String> AUTHENTICATION = Context.keyWithDefault("tributary-authentication", "");

    /** Served on a SASL listener before the connection has authenticated. */
    private static final Set<String> BEFORE_AUTHENTICATION = Set.of(
            SecurityGrpc.getAuthenticateMethod().getFullMethodName(),
            SecurityGrpc.getDescribeSessionMethod().getFullMethodName());
    private static final Set<String> OPEN_SERVICES = Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");

    private final String listener;
    private final SslPrincipalMapper mapper;
    private final boolean sasl;
    private final ConnectionRegistry registry;

    /** For a plaintext or in-process server: everyone is anonymous. */
    public PrincipalInterceptor() {
        this("", null, false, null);
    }

    /**
     * @param mapper   how certificate subjects become principals on an SSL listener; null on others
     * @param sasl     whether the listener is SASL_PLAINTEXT or SASL_SSL
     * @param registry where connections' sessions are found; null for an in-process server
     */
    public PrincipalInterceptor(String listener, SslPrincipalMapper mapper, boolean sasl, ConnectionRegistry registry) {
        this.listener = listener;
        this.mapper = sasl ? null : mapper;
        this.sasl = sasl;
        this.registry = registry;
    }

    /** The caller of the current call, for the transport-neutral handlers. */
    public static RequestContext caller() {
        return new RequestContext(PRINCIPAL.get(), CLIENT_HOST.get(), LISTENER.get());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        ConnectionSession session = registry == null ? null : registry.session(listener, remote);
        String principal = ANONYMOUS;
        String authentication = "";
        if (sasl) {
            String method = call.getMethodDescriptor().getFullMethodName();
            String valid = session == null ? null : session.principalIfValid(System.nanoTime());
            if (valid != null) {
                principal = valid;
                authentication = session.mechanism();
            } else if (!BEFORE_AUTHENTICATION.contains(method)
                    && !OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
                String why = session != null && session.everAuthenticated()
                        ? "the session of this connection expired (connections.max.reauth.ms): run Security/Authenticate on it again"
                        : "listener " + listener + " requires SASL authentication: run Security/Authenticate on this connection first";
                StatusRuntimeException refused = GrpcErrors.toStatus(new TributaryException(ErrorCode.REAUTHENTICATION_REQUIRED, why));
                call.close(refused.getStatus(), refused.getTrailers() == null ? new Metadata() : refused.getTrailers());
                return new ServerCall.Listener<>() {
                };
            }
        } else if (mapper != null) {
            X509Certificate cert = clientCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            if (cert != null) {
                String subject = cert.getSubjectX500Principal().getName();
                try {
                    principal = "User:" + mapper.principalName(subject);
                    authentication = "SSL";
                } catch (IllegalArgumentException unmapped) {
                    log.warn("listener {}: refusing a client certificate from {}: {}", listener,
                            hostOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), unmapped.getMessage());
                    call.close(Status.UNAUTHENTICATED.withDescription(unmapped.getMessage()), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
            }
        }
        Context ctx = Context.current().withValues(PRINCIPAL, principal, CLIENT_HOST, hostOf(remote), LISTENER, listener)
                .withValues(SESSION, session, AUTHENTICATION, authentication);
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
