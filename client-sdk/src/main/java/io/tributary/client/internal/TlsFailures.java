package io.tributary.client.internal;

import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException;

import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why a connection failed at the TLS layer, or why a plaintext one was cut off by what is likely a TLS listener,
 * in words that name the setting to check. grpc-java reports all of these as UNAVAILABLE ("io exception", "ssl
 * exception", "Network closed for unknown reason"), which reads like a broker that is down; the cause chain says
 * which side refused what.
 *
 * <p>Stateless and thread-safe.
 */
public final class TlsFailures {
    /** How far down a cause chain to look; real chains are two to four deep, a cycle must not loop forever. */
    private static final int MAX_CAUSE_DEPTH = 8;

    private TlsFailures() {
    }

    /**
     * The reason a call of this client could never succeed at {@code failure}'s address until a setting changes, or
     * null when the failure is not about TLS.
     *
     * @param tls    whether the client speaks TLS (security.protocol=SSL)
     * @param mutual whether it presents a certificate of its own (ssl.keystore.location)
     */
    public static String explain(Throwable failure, boolean tls, boolean mutual) {
        return explain(failure, tls, mutual, false);
    }

    /**
     * As {@link #explain(Throwable, boolean, boolean)}, naming the SASL protocols when the client uses SASL
     * (security.protocol=SASL_SSL or SASL_PLAINTEXT).
     */
    public static String explain(Throwable failure, boolean tls, boolean mutual, boolean sasl) {
        return tls ? handshake(failure, mutual, sasl) : plaintextCutOff(failure, sasl);
    }

    /** A TLS client's failure at the TLS layer, explained; null when the chain holds none. */
    static String handshake(Throwable failure, boolean mutual) {
        return handshake(failure, mutual, false);
    }

    static String handshake(Throwable failure, boolean mutual, boolean sasl) {
        CertificateException rejected = find(failure, CertificateException.class);
        if (rejected != null) {
            String why = rejected.getMessage();
            if (why != null && (why.contains("subject alternative") || why.contains("No name matching"))) {
                return "TLS handshake failed: the broker's certificate does not name the host dialed; use a host name its"
                        + " certificate lists, or set ssl.endpoint.identification.algorithm= (empty) to skip the check (" + why + ")";
            }
            return "TLS handshake failed: the broker's certificate is not trusted; check ssl.truststore.location holds the CA"
                    + " that signed the brokers' certificates (" + why + ")";
        }
        if (find(failure, NotSslRecordException.class) != null) {
            return sasl
                    ? "the broker does not speak TLS at this address: is it a SASL_PLAINTEXT or PLAINTEXT listener? use the"
                            + " SASL_SSL listener's port, or security.protocol=SASL_PLAINTEXT"
                    : "the broker does not speak TLS at this address: is it a PLAINTEXT listener? use the SSL listener's port,"
                            + " or security.protocol=PLAINTEXT";
        }
        SSLException ssl = find(failure, SSLException.class);
        if (ssl == null) {
            return null;
        }
        String message = String.valueOf(ssl.getMessage());
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("certificate_required")) {
            return mutual
                    ? "TLS handshake failed: the broker requires a client certificate and did not take this one; check"
                            + " ssl.keystore.location holds a certificate signed by a CA the broker trusts (" + message + ")"
                    : "TLS handshake failed: the broker requires a client certificate (mutual TLS); set ssl.keystore.location"
                            + " and ssl.keystore.password (" + message + ")";
        }
        if (lower.contains("bad_certificate") || lower.contains("unknown_ca") || lower.contains("certificate_unknown")
                || lower.contains("certificate_expired") || lower.contains("access_denied")) {
            return "TLS handshake failed: the broker refused this client's certificate; check ssl.keystore.location holds a"
                    + " valid certificate signed by a CA the broker trusts (" + message + ")";
        }
        if (lower.contains("protocol_version") || lower.contains("no appropriate protocol") || lower.contains("no_cipher")
                || lower.contains("no cipher") || lower.contains("no_shared_cipher")) {
            return "TLS handshake failed: no TLS version or cipher suite in common with the broker; check"
                    + " ssl.enabled.protocols and ssl.cipher.suites (" + message + ")";
        }
        if (lower.contains("handshake_failure")) {
            // TLS 1.2 has no certificate_required alert: a missing or refused client certificate reads like this too.
            return "TLS handshake failed: the broker refused the handshake; "
                    + (mutual ? "check ssl.keystore.location holds a certificate signed by a CA the broker trusts"
                            : "if it requires a client certificate (mutual TLS), set ssl.keystore.location")
                    + ", and that ssl.enabled.protocols and ssl.cipher.suites overlap the broker's (" + message + ")";
        }
        return "TLS handshake failed; check the ssl.* settings (" + message + ")";
    }

    /**
     * A plaintext client whose connection was closed without a word: gRPC's "Network closed for unknown reason" with no
     * cause is what a TLS listener does with bytes that are not TLS. A broker that fails or shuts down says more
     * (a GOAWAY, a reset connection).
     */
    static String plaintextCutOff(Throwable failure) {
        return plaintextCutOff(failure, false);
    }

    static String plaintextCutOff(Throwable failure, boolean sasl) {
        Status status = Status.fromThrowable(failure);
        if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() == null && status.getDescription() != null
                && status.getDescription().startsWith("Network closed for unknown reason")) {
            return "the broker closed the connection without answering: is this a TLS listener? set security.protocol="
                    + (sasl ? "SASL_SSL" : "SSL") + " (and ssl.truststore.location)";
        }
        return null;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < MAX_CAUSE_DEPTH; c = c.getCause(), depth++) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
