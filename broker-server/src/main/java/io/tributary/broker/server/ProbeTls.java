package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.tributary.api.config.ConfigException;
import io.tributary.api.security.GrpcTls;
import io.tributary.api.security.SslConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The TLS side of {@link HealthCheck} and {@link ClusterStatus} for brokers whose listeners are all TLS: the
 * {@code ssl.keystore.*} and {@code ssl.truststore.*} keys of a properties file, so the broker's own
 * {@code server.properties} serves (its certificate gives mutual TLS on an inter-broker listener, where the broker's
 * principal may call DescribeCluster) as does a client.properties. Other keys are ignored. The server's host name is
 * not checked, as brokers do not check it among themselves by default (the chain must still lead to a trusted CA).
 */
final class ProbeTls {
    private ProbeTls() {
    }

    /**
     * @param file null for plaintext
     * @throws ConfigException when the file cannot be read or its stores cannot be loaded
     */
    static SslContext context(Path file) {
        if (file == null) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new ConfigException("--tls-config " + file + ": " + e.getMessage());
        }
        SslConfig c = new SslConfig(p.getProperty("ssl.keystore.type", "PKCS12").trim(), p.getProperty("ssl.keystore.location", "").trim(),
                p.getProperty("ssl.keystore.password", ""), p.getProperty("ssl.key.password", ""),
                p.getProperty("ssl.truststore.type", "PKCS12").trim(), p.getProperty("ssl.truststore.location", "").trim(),
                p.getProperty("ssl.truststore.password", ""), SslConfig.ClientAuth.NONE, list(p.getProperty("ssl.enabled.protocols", "")),
                List.of());
        return GrpcTls.client(c, GrpcTls.provider(p.getProperty("ssl.provider", "")), false);
    }

    static ManagedChannel channel(HealthCheck.HostPort target, SslContext tls) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(target.host(), target.port());
        return (tls == null ? b.usePlaintext() : b.sslContext(tls)).build();
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
