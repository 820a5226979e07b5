package io.tributary.broker.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.tributary.api.security.GrpcTls;
import io.tributary.api.security.SaslAuthentication;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;
import io.tributary.api.security.SslConfig;
import io.tributary.coordination.UserCredentials;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Broker properties and client channels for tests of a secured cluster: a PLAINTEXT listener on {PORT} for the test
 * harness (its anonymous principal is a super user, so the harness can create topics and ACLs), an SSL inter-broker
 * listener with mutual TLS (the brokers' certificate maps to {@code User:broker}, a super user), a SASL_SSL listener
 * and a SASL_PLAINTEXT one (allowed explicitly) for the clients under test. Not thread-safe.
 */
public final class SecureCluster {
    public static final String SASL_SSL = "SASL_SSL";
    public static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";
    public static final String INTERNAL = "INTERNAL";

    private SecureCluster() {
    }

    /** Properties of brokers with an authorizer; {@code extra} overrides. */
    public static Map<String, Object> brokerProps(TestCertificates ca, Map<String, Object> extra) throws Exception {
        Path brokerStore = ca.issue("broker", "CN=broker,OU=brokers,O=Tributary");
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("listeners", "PLAINTEXT://127.0.0.1:{PORT},INTERNAL://127.0.0.1:{PORT2},SASL_SSL://127.0.0.1:{PORT3}");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:SSL,SASL_SSL:SASL_SSL");
        p.put("inter.broker.listener.name", INTERNAL);
        p.put("ssl.keystore.location", brokerStore.toString());
        p.put("ssl.keystore.password", TestCertificates.PASSWORD);
        p.put("ssl.truststore.location", ca.truststore().toString());
        p.put("ssl.truststore.password", TestCertificates.PASSWORD);
        p.put("ssl.client.auth", "requested");
        p.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+),OU=brokers.*$/$1/,DEFAULT");
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,SCRAM-SHA-256,PLAIN");
        p.put("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer");
        p.put("super.users", "User:broker;User:ANONYMOUS;User:admin");
        p.put("replica.lag.time.max.ms", 10_000L);
        p.putAll(extra);
        return p;
    }

    /** A TLS channel to a broker's {@code listener}, trusting the cluster CA, without a client certificate. */
    public static ManagedChannel tlsChannel(EmbeddedCluster cluster, int broker, String listener, TestCertificates ca) {
        SslConfig c = new SslConfig("PKCS12", "", "", "", "PKCS12", ca.truststore().toString(), TestCertificates.PASSWORD,
                SslConfig.ClientAuth.NONE, List.of("TLSv1.3", "TLSv1.2"), List.of());
        SslContext tls = GrpcTls.client(c, GrpcTls.provider(""), true);
        return NettyChannelBuilder.forAddress("127.0.0.1", cluster.broker(broker).port(listener)).sslContext(tls)
                .maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    public static ManagedChannel plaintextChannel(EmbeddedCluster cluster, int broker, String listener) {
        return NettyChannelBuilder.forAddress("127.0.0.1", cluster.broker(broker).port(listener)).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    /** A SASL_SSL channel already authenticated as {@code user} with SCRAM-SHA-512. */
    public static ManagedChannel authenticated(EmbeddedCluster cluster, int broker, TestCertificates ca, String user, String password) {
        ManagedChannel ch = tlsChannel(cluster, broker, SASL_SSL, ca);
        SaslAuthentication.authenticate(ch, "SCRAM-SHA-512", user, password, 10_000);
        return ch;
    }

    /** Creates SCRAM-SHA-256 and -512 credentials straight in ZooKeeper (the bootstrap path). */
    public static void createUser(EmbeddedCluster cluster, String user, String password) throws Exception {
        UserCredentials store = cluster.anyRunningBroker().coordination().userCredentials();
        store.alter(user, Map.of(
                ScramMechanism.SCRAM_SHA_256, new ScramFormatter(ScramMechanism.SCRAM_SHA_256).credential(password, 4096),
                ScramMechanism.SCRAM_SHA_512, new ScramFormatter(ScramMechanism.SCRAM_SHA_512).credential(password, 4096)), Set.of());
    }

    public static void close(ManagedChannel ch) throws InterruptedException {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
