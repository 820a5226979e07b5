package io.tributary.api.security;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AuthenticateRequest;
import io.tributary.api.v1.AuthenticateResponse;
import io.tributary.api.v1.SecurityGrpc;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The client side of {@code Security/Authenticate} (see {@code security.proto}): runs one SCRAM-SHA-256/512 or
 * PLAIN exchange on a channel, which authenticates the connection the channel uses. Used by the Java SDK and the
 * tools; clients in other languages do the same with the .proto and any SCRAM library. Thread-safe (stateless).
 */
public final class SaslAuthentication {
    public static final String PLAIN = "PLAIN";

    private SaslAuthentication() {
    }

    /**
     * Authenticates the channel's connection.
     *
     * @return the server's last message: the principal and the session lifetime
     * @throws StatusRuntimeException as the broker failed the exchange (UNAUTHENTICATED with
     *                                SASL_AUTHENTICATION_FAILED for a wrong user name or password), or DEADLINE_EXCEEDED
     * @throws IllegalArgumentException for a mechanism this client does not know
     */
    public static AuthenticateResponse authenticate(Channel channel, String mechanism, String username, String password,
                                                    long timeoutMs) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        StreamObserver<AuthenticateRequest> requests = SecurityGrpc.newStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .authenticate(new StreamObserver<>() {
                    @Override
                    public void onNext(AuthenticateResponse value) {
                        events.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        events.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        events.add(Boolean.TRUE);
                    }
                });
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            AuthenticateResponse last;
            if (PLAIN.equals(mechanism)) {
                requests.onNext(AuthenticateRequest.newBuilder().setMechanism(PLAIN)
                        .setSaslToken(ByteString.copyFrom("\0" + username + "\0" + password, StandardCharsets.UTF_8)).build());
                last = next(events, deadline);
            } else {
                ScramMechanism m = ScramMechanism.forName(mechanism).orElseThrow(() -> new IllegalArgumentException(
                        "sasl.mechanism '" + mechanism + "' is not one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN"));
                ScramClient scram = new ScramClient(m, username, password);
                requests.onNext(AuthenticateRequest.newBuilder().setMechanism(mechanism)
                        .setSaslToken(ByteString.copyFrom(scram.clientFirst(), StandardCharsets.UTF_8)).build());
                AuthenticateResponse serverFirst = next(events, deadline);
                String clientFinal;
                try {
                    clientFinal = scram.clientFinal(serverFirst.getSaslToken().toString(StandardCharsets.UTF_8));
                } catch (IllegalArgumentException malformed) {
                    requests.onError(Status.CANCELLED.withDescription("malformed server-first message").asRuntimeException());
                    throw Status.UNAUTHENTICATED.withDescription("the broker's SCRAM challenge is malformed: "
                            + malformed.getMessage()).asRuntimeException();
                }
                requests.onNext(AuthenticateRequest.newBuilder()
                        .setSaslToken(ByteString.copyFrom(clientFinal, StandardCharsets.UTF_8)).build());
                last = next(events, deadline);
                try {
                    scram.verifyServerFinal(last.getSaslToken().toString(StandardCharsets.UTF_8));
                } catch (IllegalArgumentException forged) {
                    requests.onError(Status.CANCELLED.withDescription("server signature mismatch").asRuntimeException());
                    // The server proved nothing: whoever answered does not hold the user's credential.
                    throw Status.UNAUTHENTICATED.withDescription("the broker's SCRAM signature does not verify: it is not "
                            + "the cluster holding this user's credential (" + forged.getMessage() + ")").asRuntimeException();
                }
            }
            if (!last.getComplete()) {
                throw Status.UNAUTHENTICATED.withDescription("the broker did not complete the exchange").asRuntimeException();
            }
            requests.onCompleted();
            return last;
        } catch (RuntimeException e) {
            requests.onError(Status.CANCELLED.withDescription("authentication abandoned").asRuntimeException());
            throw e;
        }
    }

    private static AuthenticateResponse next(BlockingQueue<Object> events, long deadlineNanos) {
        Object e;
        try {
            e = events.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted while authenticating").asRuntimeException();
        }
        if (e == null) {
            throw Status.DEADLINE_EXCEEDED.withDescription("the broker did not answer the authentication in time").asRuntimeException();
        }
        if (e instanceof AuthenticateResponse r) {
            return r;
        }
        if (e instanceof StatusRuntimeException sre) {
            throw sre;
        }
        if (e instanceof Throwable t) {
            throw Status.fromThrowable(t).asRuntimeException();
        }
        throw Status.UNAUTHENTICATED.withDescription("the broker ended the exchange early").asRuntimeException();
    }
}
