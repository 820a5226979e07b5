package io.tributary.client.internal;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;
import io.tributary.api.v1.AuthenticateRequest;
import io.tributary.api.v1.AuthenticateResponse;
import io.tributary.api.v1.DescribeSessionRequest;
import io.tributary.api.v1.DescribeSessionResponse;
import io.tributary.api.v1.SecurityGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SaslChannel} against a fake broker that authenticates connections (PLAIN, by remote address) and answers
 * DescribeSession only on authenticated ones: concurrent first calls share one exchange and none blocks its caller; a
 * REAUTHENTICATION_REQUIRED answer and a new connection each make the next call authenticate first; a wrong password
 * fails every waiting call once, clearly, and the next call tries again; a pending call's deadline holds while the
 * exchange hangs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SaslChannelTest {
    private static final Context.Key<SocketAddress> REMOTE = Context.key("remote");

    private final Set<SocketAddress> authenticated = ConcurrentHashMap.newKeySet();
    private final AtomicInteger exchanges = new AtomicInteger();
    private volatile long exchangeDelayMs = 300;
    private volatile String acceptedPassword = "right";
    private Server server;
    private ScheduledExecutorService brokerTimer;
    private ExecutorService saslExchanges;
    private ScheduledExecutorService saslTimer;
    private ManagedChannel raw;
    private SaslChannel channel;

    @BeforeEach
    void start() throws Exception {
        brokerTimer = Executors.newSingleThreadScheduledExecutor();
        ServerInterceptor remote = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                Context ctx = Context.current().withValue(REMOTE, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                return Contexts.interceptCall(ctx, call, headers, next);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new FakeSecurity(), remote)).build().start();
        saslExchanges = Executors.newCachedThreadPool();
        saslTimer = Executors.newSingleThreadScheduledExecutor();
    }

    private SaslChannel channel(String password) {
        raw = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        channel = new SaslChannel(raw, new SaslCredentials("PLAIN", "alice", password), 5_000, saslExchanges, saslTimer);
        return channel;
    }

    @AfterEach
    void stop() throws Exception {
        if (raw != null) {
            raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        brokerTimer.shutdownNow();
        saslExchanges.shutdownNow();
        saslTimer.shutdownNow();
    }

    /** Starts a DescribeSession call without waiting; returns how long starting it took and its outcome. */
    private static CompletableFuture<DescribeSessionResponse> describeAsync(ManagedChannel ch, long[] startMs) {
        CompletableFuture<DescribeSessionResponse> f = new CompletableFuture<>();
        long t0 = System.nanoTime();
        SecurityGrpc.newStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).describeSession(DescribeSessionRequest.getDefaultInstance(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(DescribeSessionResponse value) {
                        f.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        f.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        startMs[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        return f;
    }

    private static DescribeSessionResponse describe(ManagedChannel ch) {
        return SecurityGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).describeSession(DescribeSessionRequest.getDefaultInstance());
    }

    @Test
    void concurrentFirstCallsShareOneExchangeAndNoneBlocksItsCaller() throws Exception {
        SaslChannel ch = channel("right");
        List<CompletableFuture<DescribeSessionResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long[] took = new long[1];
            calls.add(describeAsync(ch, took));
            assertTrue(took[0] < exchangeDelayMs / 2, "starting a call waited " + took[0] + " ms for the exchange");
        }
        for (CompletableFuture<DescribeSessionResponse> c : calls) {
            assertEquals("User:alice", c.get(10, TimeUnit.SECONDS).getPrincipal());
        }
        assertEquals(1, exchanges.get(), "one exchange for all the first calls");
        describe(ch);
        assertEquals(1, exchanges.get(), "an authenticated connection needs no other");
    }

    @Test
    void aReauthenticationRequiredAnswerMakesTheNextCallAuthenticateFirst() {
        SaslChannel ch = channel("right");
        describe(ch);
        authenticated.clear();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> describe(ch));
        assertEquals(ErrorCode.REAUTHENTICATION_REQUIRED, ErrorInfos.brokerError(e));
        assertEquals("User:alice", describe(ch).getPrincipal(), "the retry authenticated first");
        assertEquals(2, exchanges.get());
    }

    @Test
    void aNewConnectionIsAuthenticatedBeforeItsFirstCall() throws Exception {
        SaslChannel ch = channel("right");
        describe(ch);
        ch.enterIdle();
        // The watch runs on gRPC's executor, after the state change: give it a moment (a call that beat it would come
        // back REAUTHENTICATION_REQUIRED, the retriable safety net the previous test covers).
        Thread.sleep(200);
        long deadline = System.currentTimeMillis() + 5_000;
        while (exchanges.get() < 2 && System.currentTimeMillis() < deadline) {
            try {
                assertEquals("User:alice", describe(ch).getPrincipal());
            } catch (StatusRuntimeException reauth) {
                throw new AssertionError("the call went out on the new connection unauthenticated", reauth);
            }
            Thread.sleep(50);
        }
        assertEquals(2, exchanges.get(), "the new connection authenticated");
    }

    @Test
    void aWrongPasswordFailsEveryWaitingCallOnceClearlyAndTheNextCallTriesAgain() throws Exception {
        SaslChannel ch = channel("wrong-password-123");
        List<CompletableFuture<DescribeSessionResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(describeAsync(ch, new long[1]));
        }
        for (CompletableFuture<DescribeSessionResponse> c : calls) {
            Throwable t = assertThrows(Exception.class, () -> c.get(10, TimeUnit.SECONDS)).getCause();
            StatusRuntimeException e = (StatusRuntimeException) t;
            assertEquals(ErrorCode.SASL_AUTHENTICATION_FAILED, ErrorInfos.brokerError(e));
            assertEquals("authentication failed for user alice with PLAIN: invalid username or password", e.getStatus().getDescription());
            assertFalse(e.toString().contains("wrong-password-123"));
        }
        assertEquals(1, exchanges.get(), "the waiting calls shared one failed exchange");
        acceptedPassword = "wrong-password-123";
        assertEquals("User:alice", describe(ch).getPrincipal(), "nothing cached: the next call tries again");
    }

    @Test
    void aPendingCallFailsAtItsDeadlineWhileTheExchangeHangs() {
        exchangeDelayMs = 4_000;
        SaslChannel ch = channel("right");
        long t0 = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> SecurityGrpc.newBlockingStub(ch)
                .withDeadlineAfter(300, TimeUnit.MILLISECONDS).describeSession(DescribeSessionRequest.getDefaultInstance()));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue(tookMs < 2_000, "took " + tookMs + " ms");
    }

    private static StatusRuntimeException brokerError(Status.Code code, ErrorCode error, String message) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(ErrorInfos.DOMAIN).setReason(error.name()).build())).build());
    }

    /** PLAIN only, answered after {@link #exchangeDelayMs}; connections known by remote address. */
    private final class FakeSecurity extends SecurityGrpc.SecurityImplBase {
        @Override
        public StreamObserver<AuthenticateRequest> authenticate(StreamObserver<AuthenticateResponse> out) {
            SocketAddress remote = REMOTE.get();
            return new StreamObserver<>() {
                @Override
                public void onNext(AuthenticateRequest request) {
                    exchanges.incrementAndGet();
                    String[] parts = request.getSaslToken().toString(StandardCharsets.UTF_8).split("\0", -1);
                    boolean ok = request.getMechanism().equals("PLAIN") && parts.length == 3 && parts[2].equals(acceptedPassword);
                    brokerTimer.schedule(() -> {
                        if (ok) {
                            authenticated.add(remote);
                            out.onNext(AuthenticateResponse.newBuilder().setComplete(true).setPrincipal("User:" + parts[1]).build());
                        } else {
                            out.onError(brokerError(Status.Code.UNAUTHENTICATED, ErrorCode.SASL_AUTHENTICATION_FAILED,
                                    "SASL_AUTHENTICATION_FAILED: authentication failed"));
                        }
                    }, exchangeDelayMs, TimeUnit.MILLISECONDS);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            };
        }

        @Override
        public void describeSession(DescribeSessionRequest request, StreamObserver<DescribeSessionResponse> out) {
            if (!authenticated.contains(REMOTE.get())) {
                out.onError(brokerError(Status.Code.UNAUTHENTICATED, ErrorCode.REAUTHENTICATION_REQUIRED,
                        "REAUTHENTICATION_REQUIRED: authenticate this connection first"));
                return;
            }
            out.onNext(DescribeSessionResponse.newBuilder().setPrincipal("User:alice").setAuthentication("PLAIN").build());
            out.onCompleted();
        }
    }
}
