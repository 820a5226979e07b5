package io.tributary.broker.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclProtos;
import io.tributary.api.security.ScramMechanism;
import io.tributary.api.v1.AlterUserScramCredentialsRequest;
import io.tributary.api.v1.AlterUserScramCredentialsResponse;
import io.tributary.api.v1.AuthenticateRequest;
import io.tributary.api.v1.AuthenticateResponse;
import io.tributary.api.v1.CreateAclsRequest;
import io.tributary.api.v1.CreateAclsResponse;
import io.tributary.api.v1.DeleteAclsRequest;
import io.tributary.api.v1.DeleteAclsResponse;
import io.tributary.api.v1.DeleteAclsResult;
import io.tributary.api.v1.DescribeAclsRequest;
import io.tributary.api.v1.DescribeAclsResponse;
import io.tributary.api.v1.DescribeSessionRequest;
import io.tributary.api.v1.DescribeSessionResponse;
import io.tributary.api.v1.DescribeUserScramCredentialsRequest;
import io.tributary.api.v1.DescribeUserScramCredentialsResponse;
import io.tributary.api.v1.ScramCredentialInfo;
import io.tributary.api.v1.ScramMechanismType;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.api.v1.UserScramCredentials;
import io.tributary.api.v1.UserScramCredentialsResult;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.security.AclAdmin;
import io.tributary.broker.security.ConnectionSession;
import io.tributary.broker.security.RequestContext;
import io.tributary.broker.security.SaslAuthenticator;
import io.tributary.broker.security.ScramAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * gRPC face of SASL authentication ({@link SaslAuthenticator} bound to the connection's {@link ConnectionSession}),
 * ACL administration ({@link AclAdmin}) and SCRAM credential administration ({@link ScramAdmin}). A failed
 * authentication is answered after {@code connection.failed.authentication.delay.ms}, as in Kafka, to slow password
 * guessing. Thread-safe.
 */
public final class SecurityService extends SecurityGrpc.SecurityImplBase {
    private static final Logger log = LoggerFactory.getLogger(SecurityService.class);

    private final SaslAuthenticator authenticator;
    /** Listener name to whether it is SASL, and whether it has TLS. */
    private final Predicate<String> saslListener;
    private final Predicate<String> tlsListener;
    private final long reauthMs;
    private final long failedAuthenticationDelayMs;
    private final ScheduledExecutorService timer;
    private final AclAdmin acls;
    private final ScramAdmin scram;

    public SecurityService(SaslAuthenticator authenticator, Predicate<String> saslListener, Predicate<String> tlsListener,
                           long reauthMs, long failedAuthenticationDelayMs, ScheduledExecutorService timer,
                           AclAdmin acls, ScramAdmin scram) {
        this.authenticator = authenticator;
        this.saslListener = saslListener;
        this.tlsListener = tlsListener;
        this.reauthMs = reauthMs;
        this.failedAuthenticationDelayMs = failedAuthenticationDelayMs;
        this.timer = timer;
        this.acls = acls;
        this.scram = scram;
    }

    @Override
    public StreamObserver<AuthenticateRequest> authenticate(StreamObserver<AuthenticateResponse> out) {
        String listener = PrincipalInterceptor.LISTENER.get();
        ConnectionSession session = PrincipalInterceptor.SESSION.get();
        if (session == null || !saslListener.test(listener)) {
            out.onError(GrpcErrors.toStatus(new TributaryException(ErrorCode.ILLEGAL_SASL_STATE, "listener " + listener
                    + " does not use SASL (its principal comes from TLS or is User:ANONYMOUS); authenticate on a"
                    + " SASL_SSL or SASL_PLAINTEXT listener")));
            return new Ignore<>();
        }
        if (!session.beginExchange()) {
            out.onError(GrpcErrors.toStatus(new TributaryException(ErrorCode.ILLEGAL_SASL_STATE,
                    "another authentication is running on this connection; one at a time")));
            return new Ignore<>();
        }
        return new Exchange(session, tlsListener.test(listener), (ServerCallStreamObserver<AuthenticateResponse>) out);
    }

    /** One Authenticate stream: its messages arrive one at a time (gRPC serializes a call's callbacks). */
    private final class Exchange implements StreamObserver<AuthenticateRequest> {
        private final ConnectionSession session;
        private final boolean tls;
        private final ServerCallStreamObserver<AuthenticateResponse> out;
        private SaslAuthenticator.Exchange exchange;
        private boolean finished;

        Exchange(ConnectionSession session, boolean tls, ServerCallStreamObserver<AuthenticateResponse> out) {
            this.session = session;
            this.tls = tls;
            this.out = out;
        }

        @Override
        public void onNext(AuthenticateRequest request) {
            if (finished) {
                return;
            }
            try {
                if (exchange == null) {
                    exchange = authenticator.start(request.getMechanism(), tls);
                } else if (exchange.complete()) {
                    throw new TributaryException(ErrorCode.ILLEGAL_SASL_STATE, "the exchange is complete; half-close the stream");
                } else if (!request.getMechanism().isEmpty() && !request.getMechanism().equals(exchange.mechanism())) {
                    throw new TributaryException(ErrorCode.ILLEGAL_SASL_STATE, "the mechanism is named in the first message only");
                }
                byte[] answer = exchange.evaluate(request.getSaslToken().toByteArray());
                AuthenticateResponse.Builder response = AuthenticateResponse.newBuilder().setSaslToken(ByteString.copyFrom(answer));
                if (exchange.complete()) {
                    try {
                        session.authenticated(exchange.principal(), exchange.mechanism(), System.nanoTime(),
                                TimeUnit.MILLISECONDS.toNanos(reauthMs));
                    } catch (IllegalStateException otherPrincipal) {
                        throw new TributaryException(ErrorCode.ILLEGAL_SASL_STATE, otherPrincipal.getMessage());
                    }
                    session.endExchange();
                    finished = true;
                    response.setComplete(true).setPrincipal(exchange.principal()).setSessionLifetimeMs(reauthMs);
                    log.debug("listener {}: {} authenticated with {} from {}", session.listener(), exchange.principal(),
                            exchange.mechanism(), session.clientHost());
                }
                out.onNext(response.build());
            } catch (TributaryException e) {
                fail(e);
            }
        }

        private void fail(TributaryException e) {
            finished = true;
            if (e.error() == ErrorCode.SASL_AUTHENTICATION_FAILED) {
                log.info("listener {}: failed authentication from {}: {}", session.listener(), session.clientHost(), e.getMessage());
                timer.schedule(() -> {
                    session.endExchange();
                    out.onError(GrpcErrors.toStatus(e));
                }, failedAuthenticationDelayMs, TimeUnit.MILLISECONDS);
            } else {
                session.endExchange();
                out.onError(GrpcErrors.toStatus(e));
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!finished) {
                finished = true;
                session.endExchange();
            }
        }

        @Override
        public void onCompleted() {
            if (finished && exchange != null && exchange.complete()) {
                out.onCompleted();
            } else if (!finished) {
                fail(new TributaryException(ErrorCode.ILLEGAL_SASL_STATE, "the stream ended before the exchange completed"));
            }
        }
    }

    private static final class Ignore<T> implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    @Override
    public void describeSession(DescribeSessionRequest request, StreamObserver<DescribeSessionResponse> out) {
        ConnectionSession session = PrincipalInterceptor.SESSION.get();
        long remainingMs = 0;
        if (session != null && session.everAuthenticated() && session.expiresAtNanos() != 0L) {
            remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(session.remainingNanos(System.nanoTime())));
        }
        out.onNext(DescribeSessionResponse.newBuilder().setPrincipal(PrincipalInterceptor.PRINCIPAL.get())
                .setAuthentication(PrincipalInterceptor.AUTHENTICATION.get()).setListener(PrincipalInterceptor.LISTENER.get())
                .setSessionRemainingMs(remainingMs).build());
        out.onCompleted();
    }

    @Override
    public void createAcls(CreateAclsRequest request, StreamObserver<CreateAclsResponse> out) {
        List<AclBinding> bindings = new ArrayList<>();
        List<TributaryException> invalid = new ArrayList<>();
        for (io.tributary.api.v1.AclBinding b : request.getCreationsList()) {
            try {
                bindings.add(AclProtos.fromProto(b));
                invalid.add(null);
            } catch (IllegalArgumentException e) {
                bindings.add(null);
                invalid.add(new TributaryException(ErrorCode.INVALID_REQUEST, e.getMessage()));
            }
        }
        List<TributaryException> results = acls.create(PrincipalInterceptor.caller(), bindings, invalid);
        CreateAclsResponse.Builder response = CreateAclsResponse.newBuilder();
        for (TributaryException e : results) {
            response.addResults(e == null ? io.tributary.api.v1.Error.getDefaultInstance() : ErrorProtos.toProto(e));
        }
        out.onNext(response.build());
        out.onCompleted();
    }

    @Override
    public void deleteAcls(DeleteAclsRequest request, StreamObserver<DeleteAclsResponse> out) {
        DeleteAclsResponse.Builder response = DeleteAclsResponse.newBuilder();
        RequestContext ctx = PrincipalInterceptor.caller();
        acls.requireAlter(ctx);
        for (io.tributary.api.v1.AclBindingFilter f : request.getFiltersList()) {
            DeleteAclsResult.Builder r = DeleteAclsResult.newBuilder();
            try {
                for (AclBinding deleted : acls.delete(ctx, AclProtos.fromProto(f))) {
                    r.addDeleted(AclProtos.toProto(deleted));
                }
            } catch (IllegalArgumentException e) {
                r.setError(ErrorProtos.toProto(ErrorCode.INVALID_REQUEST, e.getMessage()));
            } catch (TributaryException e) {
                r.setError(ErrorProtos.toProto(e));
            }
            response.addResults(r);
        }
        out.onNext(response.build());
        out.onCompleted();
    }

    @Override
    public void describeAcls(DescribeAclsRequest request, StreamObserver<DescribeAclsResponse> out) {
        io.tributary.api.acl.AclBindingFilter filter;
        try {
            filter = AclProtos.fromProto(request.getFilter());
        } catch (IllegalArgumentException e) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, e.getMessage());
        }
        DescribeAclsResponse.Builder response = DescribeAclsResponse.newBuilder();
        for (AclBinding b : acls.describe(PrincipalInterceptor.caller(), filter)) {
            response.addAcls(AclProtos.toProto(b));
        }
        out.onNext(response.build());
        out.onCompleted();
    }

    @Override
    public void describeUserScramCredentials(DescribeUserScramCredentialsRequest request,
                                             StreamObserver<DescribeUserScramCredentialsResponse> out) {
        acls.requireDescribe(PrincipalInterceptor.caller());
        DescribeUserScramCredentialsResponse.Builder response = DescribeUserScramCredentialsResponse.newBuilder();
        try {
            for (ScramAdmin.Described d : scram.describe(request.getUsersList())) {
                UserScramCredentials.Builder u = UserScramCredentials.newBuilder().setUser(d.user());
                if (d.error() != null) {
                    u.setError(ErrorProtos.toProto(d.error()));
                }
                d.iterations().forEach((m, i) -> u.addCredentials(ScramCredentialInfo.newBuilder().setMechanism(toProto(m)).setIterations(i)));
                response.addResults(u);
            }
        } catch (TributaryException e) {
            throw e;
        } catch (Exception e) {
            throw new TributaryException(ErrorCode.BROKER_NOT_AVAILABLE, "could not read /config/users from ZooKeeper: " + e.getMessage(), e);
        }
        out.onNext(response.build());
        out.onCompleted();
    }

    @Override
    public void alterUserScramCredentials(AlterUserScramCredentialsRequest request,
                                          StreamObserver<AlterUserScramCredentialsResponse> out) {
        acls.requireAlter(PrincipalInterceptor.caller());
        List<ScramAdmin.Deletion> deletions = new ArrayList<>();
        List<ScramAdmin.Upsertion> upsertions = new ArrayList<>();
        for (var d : request.getDeletionsList()) {
            deletions.add(new ScramAdmin.Deletion(d.getUser(), fromProto(d.getMechanism())));
        }
        for (var u : request.getUpsertionsList()) {
            upsertions.add(new ScramAdmin.Upsertion(u.getUser(), fromProto(u.getMechanism()), u.getIterations(),
                    u.getSalt().toByteArray(), u.getSaltedPassword().toByteArray()));
        }
        AlterUserScramCredentialsResponse.Builder response = AlterUserScramCredentialsResponse.newBuilder();
        for (Map.Entry<String, TributaryException> e : scram.alter(deletions, upsertions).entrySet()) {
            UserScramCredentialsResult.Builder r = UserScramCredentialsResult.newBuilder().setUser(e.getKey());
            if (e.getValue() != null) {
                r.setError(ErrorProtos.toProto(e.getValue()));
            }
            response.addResults(r);
        }
        out.onNext(response.build());
        out.onCompleted();
    }

    private static ScramMechanismType toProto(ScramMechanism m) {
        return m == ScramMechanism.SCRAM_SHA_256 ? ScramMechanismType.SCRAM_MECHANISM_TYPE_SCRAM_SHA_256
                : ScramMechanismType.SCRAM_MECHANISM_TYPE_SCRAM_SHA_512;
    }

    private static ScramMechanism fromProto(ScramMechanismType t) {
        return switch (t) {
            case SCRAM_MECHANISM_TYPE_SCRAM_SHA_256 -> ScramMechanism.SCRAM_SHA_256;
            case SCRAM_MECHANISM_TYPE_SCRAM_SHA_512 -> ScramMechanism.SCRAM_SHA_512;
            default -> throw new TributaryException(ErrorCode.UNACCEPTABLE_CREDENTIAL,
                    "the SCRAM mechanism must be SCRAM_SHA_256 or SCRAM_SHA_512, got " + t);
        };
    }
}
