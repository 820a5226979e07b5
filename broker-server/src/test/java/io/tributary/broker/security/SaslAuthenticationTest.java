package io.tributary.broker.security;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorInfos;
import io.tributary.api.security.SaslAuthentication;
import io.tributary.api.security.ScramClient;
import io.tributary.api.security.ScramMechanism;
import io.tributary.api.v1.AuthenticateRequest;
import io.tributary.api.v1.AuthenticateResponse;
import io.tributary.api.v1.DescribeSessionRequest;
import io.tributary.api.v1.DescribeSessionResponse;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SASL on a real broker: SCRAM-SHA-256/512 and PLAIN over SASL_SSL authenticate the connection; before that, and
 * with wrong credentials, nothing but Authenticate is served; the hostile cases (unknown user vs wrong password,
 * replayed and forged SCRAM messages, PLAIN without TLS, huge length prefixes, thousands of idle connections) each
 * leave the broker serving everyone else.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SaslAuthenticationTest {
    private static Path dir;
    private static TestCertificates ca;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tributary-sasl");
        ca = TestCertificates.newAuthority(dir, "cluster");
        cluster = EmbeddedCluster.start(1, 1, SecureCluster.brokerProps(ca, Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:{PORT},INTERNAL://127.0.0.1:{PORT2},SASL_SSL://127.0.0.1:{PORT3},"
                        + "SASL_PLAINTEXT://127.0.0.1:0",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:SSL,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
                "sasl.plaintext.allowed", true,
                "connections.authentication.timeout.ms", 3_000L,
                "connection.failed.authentication.delay.ms", 100)));
        SecureCluster.createUser(cluster, "alice", "alice-secret");
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ManagedChannel saslSsl() {
        return SecureCluster.tlsChannel(cluster, 1, SecureCluster.SASL_SSL, ca);
    }

    private static ManagedChannel saslPlaintext() {
        return SecureCluster.plaintextChannel(cluster, 1, SecureCluster.SASL_PLAINTEXT);
    }

    private static String reason(StatusRuntimeException e) {
        return ErrorInfos.brokerError(e).name();
    }

    private static DescribeSessionResponse session(ManagedChannel ch) {
        return SecurityGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .describeSession(DescribeSessionRequest.getDefaultInstance());
    }

    private static void metadata(ManagedChannel ch) {
        MetadataGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).getMetadata(MetadataRequest.getDefaultInstance());
    }

    @Test
    void scramSha512AndSha256AndPlainOverSaslSslAuthenticateTheConnection() throws Exception {
        for (String mechanism : List.of("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")) {
            ManagedChannel ch = saslSsl();
            try {
                AuthenticateResponse done = SaslAuthentication.authenticate(ch, mechanism, "alice", "alice-secret", 10_000);
                assertEquals("User:alice", done.getPrincipal(), mechanism);
                DescribeSessionResponse s = session(ch);
                assertEquals("User:alice", s.getPrincipal());
                assertEquals(mechanism, s.getAuthentication());
                assertEquals("SASL_SSL", s.getListener());
                metadata(ch);
            } finally {
                SecureCluster.close(ch);
            }
        }
    }

    @Test
    void callsBeforeAuthenticationAreRefusedWithReauthenticationRequired() throws Exception {
        ManagedChannel ch = saslSsl();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> metadata(ch));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertEquals("REAUTHENTICATION_REQUIRED", reason(e));
            assertTrue(e.getStatus().getDescription().contains("Security/Authenticate"), e.getStatus().getDescription());
            // The session call is open before authentication and says who the connection is.
            assertEquals("User:ANONYMOUS", session(ch).getPrincipal());
        } finally {
            SecureCluster.close(ch);
        }
    }

    @Test
    void wrongPasswordAndUnknownUserFailTheSameWayAndTheConnectionStaysUnauthenticated() throws Exception {
        List<Long> wrongNanos = new ArrayList<>();
        List<Long> unknownNanos = new ArrayList<>();
        String wrongMessage = null;
        String unknownMessage = null;
        for (int i = 0; i < 5; i++) {
            ManagedChannel ch = saslSsl();
            try {
                long t0 = System.nanoTime();
                StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
                        () -> SaslAuthentication.authenticate(ch, "SCRAM-SHA-512", "alice", "not-her-password", 10_000));
                wrongNanos.add(System.nanoTime() - t0);
                long t1 = System.nanoTime();
                StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                        () -> SaslAuthentication.authenticate(ch, "SCRAM-SHA-512", "mallory", "whatever", 10_000));
                unknownNanos.add(System.nanoTime() - t1);
                for (StatusRuntimeException e : List.of(wrong, unknown)) {
                    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
                    assertEquals("SASL_AUTHENTICATION_FAILED", reason(e));
                }
                wrongMessage = wrong.getStatus().getDescription();
                unknownMessage = unknown.getStatus().getDescription();
                assertEquals("REAUTHENTICATION_REQUIRED", reason(assertThrows(StatusRuntimeException.class, () -> metadata(ch))));
            } finally {
                SecureCluster.close(ch);
            }
        }
        assertEquals(wrongMessage, unknownMessage, "the answer must not tell whether the user exists");
        long wrong = median(wrongNanos);
        long unknown = median(unknownNanos);
        // Both are held back by connection.failed.authentication.delay.ms; neither skips the work the other does.
        assertTrue(wrong >= TimeUnit.MILLISECONDS.toNanos(100) && unknown >= TimeUnit.MILLISECONDS.toNanos(100));
        assertTrue(Math.abs(wrong - unknown) < TimeUnit.MILLISECONDS.toNanos(150),
                "wrong password took " + wrong / 1_000_000 + " ms, unknown user " + unknown / 1_000_000 + " ms");
        // And the broker goes on serving the right password.
        ManagedChannel ok = SecureCluster.authenticated(cluster, 1, ca, "alice", "alice-secret");
        try {
            metadata(ok);
        } finally {
            SecureCluster.close(ok);
        }
    }

    private static long median(List<Long> xs) {
        long[] a = xs.stream().mapToLong(Long::longValue).sorted().toArray();
        return a[a.length / 2];
    }

    /** A hand-driven exchange, to send what an attacker would. */
    private static final class RawExchange implements AutoCloseable {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final StreamObserver<AuthenticateRequest> requests;

        RawExchange(ManagedChannel ch) {
            requests = SecurityGrpc.newStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS).authenticate(new StreamObserver<>() {
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
                    events.add("completed");
                }
            });
        }

        Object send(String mechanism, String token) throws InterruptedException {
            requests.onNext(AuthenticateRequest.newBuilder().setMechanism(mechanism)
                    .setSaslToken(ByteString.copyFrom(token, StandardCharsets.UTF_8)).build());
            Object e = events.poll(15, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no answer within 15 s");
            }
            return e;
        }

        @Override
        public void close() {
            requests.onCompleted();
        }
    }

    @Test
    void aReplayedClientFinalAndAForgedNonceAreRefused() throws Exception {
        // A successful exchange, recorded.
        String recordedFirst;
        String recordedFinal;
        ManagedChannel first = saslSsl();
        try (RawExchange x = new RawExchange(first)) {
            ScramClient scram = new ScramClient(ScramMechanism.SCRAM_SHA_512, "alice", "alice-secret");
            recordedFirst = scram.clientFirst();
            AuthenticateResponse serverFirst = (AuthenticateResponse) x.send("SCRAM-SHA-512", recordedFirst);
            recordedFinal = scram.clientFinal(serverFirst.getSaslToken().toStringUtf8());
            AuthenticateResponse done = (AuthenticateResponse) x.send("", recordedFinal);
            assertTrue(done.getComplete());
        } finally {
            SecureCluster.close(first);
        }
        // Replayed on another connection: the broker's nonce differs, so the recorded proof is for another exchange.
        ManagedChannel second = saslSsl();
        try (RawExchange x = new RawExchange(second)) {
            Object serverFirst = x.send("SCRAM-SHA-512", recordedFirst);
            assertTrue(serverFirst instanceof AuthenticateResponse, String.valueOf(serverFirst));
            Object answer = x.send("", recordedFinal);
            assertTrue(answer instanceof StatusRuntimeException, String.valueOf(answer));
            assertEquals("SASL_AUTHENTICATION_FAILED", reason((StatusRuntimeException) answer));
            assertTrue(((StatusRuntimeException) answer).getStatus().getDescription().contains("replayed or forged"));
        } finally {
            SecureCluster.close(second);
        }
        // A client-final whose nonce is not the one the broker extended.
        ManagedChannel third = saslSsl();
        try (RawExchange x = new RawExchange(third)) {
            ScramClient scram = new ScramClient(ScramMechanism.SCRAM_SHA_512, "alice", "alice-secret");
            AuthenticateResponse serverFirst = (AuthenticateResponse) x.send("SCRAM-SHA-512", scram.clientFirst());
            String honest = scram.clientFinal(serverFirst.getSaslToken().toStringUtf8());
            String forged = honest.replaceFirst(",r=([^,]+),", ",r=$1forged,");
            Object answer = x.send("", forged);
            assertEquals("SASL_AUTHENTICATION_FAILED", reason((StatusRuntimeException) answer));
        } finally {
            SecureCluster.close(third);
        }
    }

    @Test
    void plainIsRefusedWithoutTlsWhileScramWorksOnAnExplicitlyAllowedSaslPlaintextListener() throws Exception {
        ManagedChannel ch = saslPlaintext();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> SaslAuthentication.authenticate(ch, "PLAIN", "alice", "alice-secret", 10_000));
            assertEquals("UNSUPPORTED_SASL_MECHANISM", reason(e));
            assertTrue(e.getStatus().getDescription().contains("SASL_SSL"), e.getStatus().getDescription());
            assertEquals("User:alice", SaslAuthentication.authenticate(ch, "SCRAM-SHA-256", "alice", "alice-secret", 10_000).getPrincipal());
            metadata(ch);
        } finally {
            SecureCluster.close(ch);
        }
    }

    @Test
    void authenticateOnANonSaslListenerIsRefused() throws Exception {
        ManagedChannel ch = SecureCluster.tlsChannel(cluster, 1, SecureCluster.INTERNAL, ca);
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> SaslAuthentication.authenticate(ch, "SCRAM-SHA-512", "alice", "alice-secret", 10_000));
            assertEquals("ILLEGAL_SASL_STATE", reason(e));
        } finally {
            SecureCluster.close(ch);
        }
    }

    /** HTTP/2 frames by hand: what a client that does not play by gRPC's rules can send. */
    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** HPACK literal header fields without indexing, no Huffman coding. */
    private static byte[] headers(String... nameValues) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < nameValues.length; i += 2) {
            byte[] n = nameValues[i].getBytes(StandardCharsets.US_ASCII);
            byte[] v = nameValues[i + 1].getBytes(StandardCharsets.US_ASCII);
            out.write(0x00);
            out.write(n.length);
            out.writeBytes(n);
            out.write(v.length);
            out.writeBytes(v);
        }
        return out.toByteArray();
    }

    @Test
    void aTwoGibibyteLengthPrefixBeforeAuthenticationIsRefusedWithoutBufferingIt() throws Exception {
        int port = cluster.broker(1).port(SecureCluster.SASL_PLAINTEXT);
        Runtime rt = Runtime.getRuntime();
        long usedBefore = rt.totalMemory() - rt.freeMemory();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(frame(0x4, 0, 0, new byte[0]));
            out.write(frame(0x1, 0x4, 1, headers(":method", "POST", ":scheme", "http", ":path", "/tributary.v1.Security/Authenticate",
                    ":authority", "127.0.0.1", "content-type", "application/grpc", "te", "trailers")));
            byte[] data = new byte[16 * 1024];
            data[1] = 0x7f;
            data[2] = (byte) 0xff;
            data[3] = (byte) 0xff;
            data[4] = (byte) 0xff;
            out.write(frame(0x0, 0, 1, data));
            out.flush();
            // The broker ends the stream (RESOURCE_EXHAUSTED trailers or RST_STREAM) or the connection at once,
            // instead of waiting for 2 GiB to arrive.
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            boolean ended = false;
            try {
                while (!ended) {
                    int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                    int type = in.readUnsignedByte();
                    int flags = in.readUnsignedByte();
                    int stream = in.readInt() & 0x7fffffff;
                    in.skipNBytes(length);
                    ended = (stream == 1 && ((type == 0x1 && (flags & 0x1) != 0) || type == 0x3)) || type == 0x7;
                }
            } catch (java.io.EOFException | java.net.SocketException closedByBroker) {
                ended = true;
            }
            assertTrue(ended);
        }
        System.gc();
        long usedAfter = rt.totalMemory() - rt.freeMemory();
        assertTrue(usedAfter - usedBefore < 256L * 1024 * 1024, "heap grew by " + (usedAfter - usedBefore) / (1024 * 1024) + " MiB");
        ManagedChannel ok = saslPlaintext();
        try {
            SaslAuthentication.authenticate(ok, "SCRAM-SHA-512", "alice", "alice-secret", 10_000);
            metadata(ok);
        } finally {
            SecureCluster.close(ok);
        }
    }

    @Test
    void aConnectionSendingMoreThanTheLimitBeforeAuthenticatingIsClosed() throws Exception {
        ManagedChannel ch = saslPlaintext();
        try {
            // A 1 MiB token: allowed by gRPC's message limit, but over sasl.server.max.receive.size (512 KiB) before
            // authentication, so the broker closes the connection rather than read it all.
            byte[] big = new byte[1024 * 1024];
            Arrays.fill(big, (byte) 'a');
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> {
                BlockingQueue<Object> events = new LinkedBlockingQueue<>();
                StreamObserver<AuthenticateRequest> req = SecurityGrpc.newStub(ch).withDeadlineAfter(15, TimeUnit.SECONDS)
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
                                events.add("done");
                            }
                        });
                req.onNext(AuthenticateRequest.newBuilder().setMechanism("SCRAM-SHA-512").setSaslToken(ByteString.copyFrom(big)).build());
                Object ev = events.poll(15, TimeUnit.SECONDS);
                if (ev instanceof StatusRuntimeException sre) {
                    throw sre;
                }
                throw new AssertionError("expected the connection to be closed, got " + ev);
            });
            assertTrue(e.getStatus().getCode() == Status.Code.UNAVAILABLE || e.getStatus().getCode() == Status.Code.INTERNAL
                    || e.getStatus().getCode() == Status.Code.CANCELLED, e.getStatus().toString());
        } finally {
            SecureCluster.close(ch);
        }
    }

    @Test
    void tenThousandIdleConnectionsBeforeAuthenticationAreClosedAtTheTimeoutAndHeapStaysBounded() throws Exception {
        int port = cluster.broker(1).port(SecureCluster.SASL_PLAINTEXT);
        int count = 10_000;
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long usedBefore = rt.totalMemory() - rt.freeMemory();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                IdleConnections.class.getName(), "127.0.0.1", Integer.toString(port), Integer.toString(count), "60000")
                .redirectErrorStream(true).start();
        try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             java.io.Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            assertEquals("open " + count, out.readLine());
            System.gc();
            long usedOpen = rt.totalMemory() - rt.freeMemory();
            in.write("go\n");
            in.flush();
            // Every idle connection is closed by the broker after connections.authentication.timeout.ms (3 s here).
            assertEquals("closed " + count, out.readLine(), "connections the broker closed within the authentication timeout");
            assertTrue(usedOpen - usedBefore < 512L * 1024 * 1024,
                    count + " idle connections cost " + (usedOpen - usedBefore) / (1024 * 1024) + " MiB of broker heap");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        ManagedChannel ok = saslPlaintext();
        try {
            SaslAuthentication.authenticate(ok, "SCRAM-SHA-512", "alice", "alice-secret", 10_000);
            metadata(ok);
        } finally {
            SecureCluster.close(ok);
        }
    }
}
