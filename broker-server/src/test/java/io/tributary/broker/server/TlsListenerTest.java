package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.security.GrpcTls;
import io.tributary.api.security.SslConfig;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.BrokerNode;
import io.tributary.api.v1.ConfigEntry;
import io.tributary.api.v1.ConfigResource;
import io.tributary.api.v1.DescribeConfigsRequest;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ResourceType;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.TestCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Brokers with a PLAINTEXT and an SSL listener, replicating among themselves over SSL with mutual TLS: a client
 * with a certificate from the cluster's CA produces with acks=all over TLS (which needs the followers' TLS fetches)
 * and is told the SSL addresses; clients without a certificate, with one from another CA, or speaking plaintext
 * to the TLS port are refused at the handshake while the broker goes on serving; passwords never leave the broker.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsListenerTest {
    private static Path dir;
    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("tributary-tls");
        ca = TestCertificates.newAuthority(dir, "cluster");
        otherCa = TestCertificates.newAuthority(dir, "stranger");
        Path brokerStore = ca.issue("broker", "CN=broker,OU=brokers,O=Tributary");
        cluster = EmbeddedCluster.start(1, 3, Map.ofEntries(
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:{PORT},SSL://127.0.0.1:{PORT2}"),
                Map.entry("inter.broker.listener.name", "SSL"),
                Map.entry("ssl.keystore.location", brokerStore.toString()),
                Map.entry("ssl.keystore.password", TestCertificates.PASSWORD),
                Map.entry("ssl.truststore.location", ca.truststore().toString()),
                Map.entry("ssl.truststore.password", TestCertificates.PASSWORD),
                Map.entry("ssl.client.auth", "required"),
                Map.entry("ssl.principal.mapping.rules", "RULE:^CN=([^,]+),OU=clients.*$/$1/L,DEFAULT"),
                Map.entry("replica.lag.time.max.ms", 10_000L)));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ManagedChannel tlsChannel(int broker, Path keystore, Path truststore) {
        SslConfig c = new SslConfig("PKCS12", keystore == null ? "" : keystore.toString(), TestCertificates.PASSWORD, "",
                "PKCS12", truststore.toString(), TestCertificates.PASSWORD, SslConfig.ClientAuth.NONE, List.of("TLSv1.3", "TLSv1.2"), List.of());
        SslContext tls = GrpcTls.client(c, GrpcTls.provider(""), true);
        return NettyChannelBuilder.forAddress("127.0.0.1", cluster.broker(broker).port("SSL")).sslContext(tls).build();
    }

    private static ByteBuffer batch(int records) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("secret-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    @Test
    void aClientWithTheClusterCaProducesOverTlsReplicatedOverTlsAndIsToldTheSslAddresses() throws Exception {
        cluster.createTopic("tls-orders", 1, 3);
        int leader = cluster.leaderOf("tls-orders", 0);
        Path alice = ca.issue("alice", "CN=Alice,OU=clients,O=Tributary");
        ManagedChannel channel = tlsChannel(leader, alice, ca.truststore());
        try {
            // acks=all: every follower must fetch over the SSL inter-broker listener for this to be acknowledged.
            PartitionProduceResult r = TestClients.produce(channel, "tls-orders", 0, batch(10), -1);
            assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
            assertEquals(0, r.getBaseOffset());
            List<BrokerNode> overTls = MetadataGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getMetadata(MetadataRequest.newBuilder().build()).getBrokersList();
            assertEquals(3, overTls.size());
            for (BrokerNode n : overTls) {
                assertEquals(cluster.broker(n.getId()).port("SSL"), n.getPort(), "a TLS client is told TLS addresses: " + n);
            }
            List<BrokerNode> plain = MetadataGrpc.newBlockingStub(cluster.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getMetadata(MetadataRequest.newBuilder().build()).getBrokersList();
            for (BrokerNode n : plain) {
                assertEquals(cluster.port(n.getId()), n.getPort(), "a plaintext client is told plaintext addresses: " + n);
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void handshakesWithoutATrustedCertificateFailAndTheBrokerGoesOnServing() throws Exception {
        int broker = 1;
        Path mallory = otherCa.issue("mallory", "CN=mallory,OU=clients");
        assertRefusedAtHandshake(tlsChannel(broker, null, ca.truststore()), "no client certificate (ssl.client.auth=required)");
        assertRefusedAtHandshake(tlsChannel(broker, mallory, ca.truststore()), "a certificate from another CA");
        assertRefusedAtHandshake(tlsChannel(broker, ca.issue("bob", "CN=bob,OU=clients"), otherCa.truststore()),
                "a broker certificate the client does not trust");
        ManagedChannel plaintextToTls = NettyChannelBuilder.forAddress("127.0.0.1", cluster.broker(broker).port("SSL")).usePlaintext().build();
        assertRefusedAtHandshake(plaintextToTls, "plaintext to the TLS port");

        // Still serving, over TLS and plaintext.
        ManagedChannel ok = tlsChannel(broker, ca.issue("carol", "CN=carol,OU=clients"), ca.truststore());
        try {
            assertEquals(3, MetadataGrpc.newBlockingStub(ok).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getMetadata(MetadataRequest.newBuilder().build()).getBrokersCount());
        } finally {
            ok.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void assertRefusedAtHandshake(ManagedChannel channel, String what) throws InterruptedException {
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> MetadataGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).getMetadata(MetadataRequest.newBuilder().build()), what);
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), what + ": " + e.getStatus());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void describingTheBrokerConfigNeverShowsAPassword() {
        List<ConfigEntry> entries = AdminGrpc.newBlockingStub(cluster.channel(1)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .describeConfigs(DescribeConfigsRequest.newBuilder().addResources(ConfigResource.newBuilder()
                        .setType(ResourceType.RESOURCE_TYPE_BROKER).setName("1")).build())
                .getResources(0).getEntriesList();
        ConfigEntry password = entries.stream().filter(e -> e.getName().equals("ssl.keystore.password")).findFirst().orElseThrow();
        assertTrue(password.getSensitive(), password.toString());
        assertEquals("", password.getValue());
        for (ConfigEntry e : entries) {
            assertTrue(!e.getValue().contains(TestCertificates.PASSWORD), "no value holds the password: " + e);
        }
    }
}
