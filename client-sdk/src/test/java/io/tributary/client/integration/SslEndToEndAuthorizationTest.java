package io.tributary.client.integration;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.api.security.GrpcTls;
import io.tributary.api.security.SslConfig;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The authorization matrix with mutual TLS (Kafka's SslEndToEndAuthorizationTest): each user holds a certificate
 * {@code CN=<user>,OU=clients} from the cluster CA, mapped to {@code User:<user>} by {@code ssl.principal.mapping.rules},
 * on the brokers' SSL listener.
 */
class SslEndToEndAuthorizationTest extends EndToEndAuthorizationTest {
    private final Map<String, Path> keystores = new ConcurrentHashMap<>();

    @Override
    protected String variant() {
        return "mtls";
    }

    private Path keystore(String user) {
        return keystores.computeIfAbsent(user, u -> {
            try {
                return ca.issue("client-" + u, "CN=" + u + ",OU=clients,O=Tributary");
            } catch (Exception e) {
                throw new IllegalStateException("cannot issue a certificate for " + u, e);
            }
        });
    }

    @Override
    protected Map<String, Object> client(String user) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", cluster.runningBrokers().keySet().stream().sorted()
                .map(id -> "127.0.0.1:" + cluster.broker(id).port(SecureCluster.INTERNAL)).collect(Collectors.joining(",")));
        p.put("security.protocol", "SSL");
        p.put("ssl.truststore.location", ca.truststore().toString());
        p.put("ssl.truststore.password", TestCertificates.PASSWORD);
        p.put("ssl.keystore.location", keystore(user).toString());
        p.put("ssl.keystore.password", TestCertificates.PASSWORD);
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "30000");
        return p;
    }

    @Override
    protected ManagedChannel rawChannel(String user, int broker) {
        SslConfig c = new SslConfig("PKCS12", keystore(user).toString(), TestCertificates.PASSWORD, "", "PKCS12",
                ca.truststore().toString(), TestCertificates.PASSWORD, SslConfig.ClientAuth.NONE, List.of(), List.of());
        return NettyChannelBuilder.forAddress("127.0.0.1", cluster.broker(broker).port(SecureCluster.INTERNAL))
                .sslContext(GrpcTls.client(c, GrpcTls.provider(""), true)).build();
    }
}
