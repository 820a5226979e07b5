package io.tributary.api.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.tributary.api.config.ConfigException;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Netty TLS contexts for gRPC, from an {@link SslConfig}: a broker's TLS listeners, and the client side of calls to
 * them (brokers calling each other, the Java SDK). The
 * engine is BoringSSL (netty-tcnative, shipped inside grpc-netty-shaded) where it loads, else the JDK's;
 * {@code ssl.provider} forces one. ALPN "h2" is set as gRPC requires.
 */
public final class GrpcTls {
    private GrpcTls() {
    }

    /** The engine {@code ssl.provider} names ("", OPENSSL or JDK): "" picks BoringSSL when it is available. */
    public static SslProvider provider(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        return switch (n) {
            case "" -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            case "OPENSSL" -> {
                if (!OpenSsl.isAvailable()) {
                    throw new ConfigException("ssl.provider=OPENSSL but BoringSSL (netty-tcnative) does not load here: "
                            + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            case "JDK" -> SslProvider.JDK;
            default -> throw new ConfigException("ssl.provider: '" + name + "' is not OPENSSL or JDK (or empty for the fastest available)");
        };
    }

    /** A server context: the broker's certificate, the CAs it accepts client certificates from, ssl.client.auth. */
    public static SslContext server(SslConfig c, SslProvider provider) {
        try {
            SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(c.keyManagers()), provider)
                    .trustManager(c.trustManagers())
                    .clientAuth(switch (c.clientAuth()) {
                        case NONE -> ClientAuth.NONE;
                        case REQUESTED -> ClientAuth.OPTIONAL;
                        case REQUIRED -> ClientAuth.REQUIRE;
                    });
            return policy(b, c).build();
        } catch (SSLException e) {
            throw new ConfigException("the TLS settings (ssl.*) cannot make a server context: " + e.getMessage());
        }
    }

    /**
     * A client context: the CAs the server's certificate must come from, and this side's certificate when it has
     * one (mutual TLS).
     *
     * @param verifyHostname whether the server's certificate must name the host dialed (ssl.endpoint.identification.algorithm=https)
     */
    public static SslContext client(SslConfig c, SslProvider provider, boolean verifyHostname) {
        try {
            TrustManagerFactory tmf = c.trustManagers();
            SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider);
            if (verifyHostname) {
                b.trustManager(tmf);
            } else {
                b.trustManager(new ChainOnlyTrustManager(x509(tmf)));
            }
            if (c.hasKeystore()) {
                b.keyManager(c.keyManagers());
            }
            return policy(b, c).build();
        } catch (SSLException e) {
            throw new ConfigException("the TLS settings (ssl.*) cannot make a client context: " + e.getMessage());
        }
    }

    private static SslContextBuilder policy(SslContextBuilder b, SslConfig c) {
        if (!c.enabledProtocols().isEmpty()) {
            b.protocols(c.enabledProtocols());
        }
        if (!c.cipherSuites().isEmpty()) {
            b.ciphers(c.cipherSuites(), SupportedCipherSuiteFilter.INSTANCE);
        }
        return b;
    }

    private static X509TrustManager x509(TrustManagerFactory tmf) {
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new ConfigException("ssl.truststore.location: the trust store yields no X.509 trust manager");
    }

    /**
     * Checks the peer's chain against the trusted CAs but not its name. gRPC asks the engine to check the host name;
     * an {@link X509ExtendedTrustManager} receives that request in its engine variant and can decline it, which a
     * plain {@link X509TrustManager} cannot (the JDK would wrap it and check the name anyway).
     */
    private static final class ChainOnlyTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        ChainOnlyTrustManager(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
