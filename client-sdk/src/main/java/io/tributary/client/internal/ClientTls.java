package io.tributary.client.internal;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.tributary.api.security.GrpcTls;
import io.tributary.api.security.SslConfig;

/**
 * The TLS slice of a client's configuration ({@code security.protocol=SSL}): the stores and protocols, the engine
 * ({@code ssl.provider}) and whether a broker's certificate must name the host dialed
 * ({@code ssl.endpoint.identification.algorithm=https}). Immutable; {@link #toString()} leaves the passwords out.
 *
 * @param provider "", OPENSSL or JDK
 */
public record ClientTls(SslConfig ssl, String provider, boolean verifyHostname) {
    /** Builds the Netty client context: once per client, shared by all its channels. */
    public SslContext context() {
        return GrpcTls.client(ssl, GrpcTls.provider(provider), verifyHostname);
    }

    /** Whether this client presents a certificate of its own (mutual TLS). */
    public boolean mutual() {
        return ssl.hasKeystore();
    }

    @Override
    public String toString() {
        return "ClientTls[truststore=" + (ssl.truststoreLocation().isEmpty() ? "(JDK default CAs)" : ssl.truststoreLocation())
                + ", keystore=" + (ssl.keystoreLocation().isEmpty() ? "(none)" : ssl.keystoreLocation())
                + ", provider=" + (provider.isEmpty() ? "(default)" : provider) + ", verifyHostname=" + verifyHostname + "]";
    }
}
