package io.tributary.client.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way a TLS connection fails, as grpc-java reports it (UNAVAILABLE with the engine's exception as the cause),
 * is explained naming the setting to check; failures that are not about TLS are left to the usual handling.
 */
class TlsFailuresTest {
    private static StatusRuntimeException unavailable(String description, Throwable cause) {
        return Status.UNAVAILABLE.withDescription(description).withCause(cause).asRuntimeException();
    }

    private static SSLHandshakeException handshake(Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException("General OpenSslEngine problem");
        e.initCause(cause);
        return e;
    }

    private static void assertMentions(String reason, String... words) {
        assertTrue(reason != null, "no reason");
        for (String w : words) {
            assertTrue(reason.contains(w), "'" + w + "' in: " + reason);
        }
    }

    @Test
    void anUntrustedBrokerCertificateNamesTheTruststore() {
        assertMentions(TlsFailures.explain(unavailable("io exception", handshake(new CertificateException(
                "PKIX path building failed"))), true, true), "not trusted", "ssl.truststore.location", "PKIX");
    }

    @Test
    void aCertificateForAnotherHostNamesTheEndpointIdentificationSetting() {
        assertMentions(TlsFailures.explain(unavailable("io exception", handshake(new CertificateException(
                "No subject alternative names matching IP address 10.1.2.3 found"))), true, false),
                "does not name the host", "ssl.endpoint.identification.algorithm");
    }

    @Test
    void aMissingClientCertificateNamesTheKeystoreOnBothEngines() {
        for (String alert : new String[] {"error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED",
                "Received fatal alert: certificate_required"}) {
            assertMentions(TlsFailures.explain(unavailable("ssl exception", new SSLException(alert)), true, false),
                    "requires a client certificate", "set ssl.keystore.location");
            assertMentions(TlsFailures.explain(unavailable("ssl exception", new SSLException(alert)), true, true),
                    "did not take this one", "ssl.keystore.location");
        }
    }

    @Test
    void aTls12HandshakeFailureNamesBothTheKeystoreAndTheProtocols() {
        // TLS 1.2 has no certificate_required alert: a broker that requires a certificate says handshake_failure.
        assertMentions(TlsFailures.explain(unavailable("ssl exception",
                new SSLException("error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE")), true, false),
                "ssl.keystore.location", "ssl.enabled.protocols");
        assertMentions(TlsFailures.explain(unavailable("ssl exception",
                new SSLException("Received fatal alert: protocol_version")), true, true), "ssl.enabled.protocols", "ssl.cipher.suites");
    }

    @Test
    void aTlsClientAtAPlaintextPortIsToldItIsNotTls() {
        assertMentions(TlsFailures.explain(unavailable("io exception", new NotSslRecordException("not an SSL/TLS record: 0000")),
                true, true), "does not speak TLS", "PLAINTEXT listener");
    }

    @Test
    void aPlaintextConnectionClosedWithoutAWordSuggestsATlsListener() {
        assertMentions(TlsFailures.explain(unavailable("Network closed for unknown reason", null), false, false),
                "is this a TLS listener?", "security.protocol=SSL");
    }

    @Test
    void failuresThatAreNotAboutTlsAreLeftAlone() {
        assertNull(TlsFailures.explain(unavailable("io exception", new ConnectException("Connection refused")), true, true));
        assertNull(TlsFailures.explain(unavailable("io exception", new IOException("Connection reset by peer")), false, false));
        assertNull(TlsFailures.explain(unavailable("Network closed for unknown reason", null), true, false),
                "a TLS client's closed connection is not a plaintext mismatch");
        assertNull(TlsFailures.explain(unavailable("Network closed for unknown reason", new IOException("reset")), false, false));
        assertNull(TlsFailures.explain(Status.DEADLINE_EXCEEDED.asRuntimeException(), false, false));
    }
}
