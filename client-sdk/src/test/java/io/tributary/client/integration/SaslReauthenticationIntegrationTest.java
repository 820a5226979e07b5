package io.tributary.client.integration;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourceType;
import io.tributary.api.v1.DescribeSessionRequest;
import io.tributary.api.v1.DescribeSessionResponse;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.AdminConfig;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.ClientTls;
import io.tributary.client.internal.SaslCredentials;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.tributary.client.integration.SecureClients.allow;
import static io.tributary.client.integration.SecureClients.createAcls;
import static io.tributary.client.integration.SecureClients.sasl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions that expire: a broker with {@code connections.max.reauth.ms=3000} closes a SASL connection 3 s after its
 * exchange unless the client authenticates again on it. The SDK renews at 85-90% of the lifetime, so one connection
 * lives on across several lifetimes, and a producer and a group consumer keep working across them without a failed
 * request.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SaslReauthenticationIntegrationTest {
    private static final long LIFETIME_MS = 3_000;
    /** More than three lifetimes. */
    private static final long RUN_MS = 10_000;

    private static TestCertificates ca;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        Path dir = Files.createTempDirectory("tributary-client-reauth");
        ca = TestCertificates.newAuthority(dir, "cluster");
        cluster = EmbeddedCluster.start(1, 1, SecureCluster.brokerProps(ca, Map.of("connections.max.reauth.ms", LIFETIME_MS)));
        SecureCluster.createUser(cluster, "admin", "admin-secret");
        SecureCluster.createUser(cluster, "alice", "alice-secret");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aRenewedSessionKeepsItsConnectionOpenAcrossSeveralLifetimes() throws Exception {
        ClientTls tls = new AdminConfig(sasl(cluster, ca, "SCRAM-SHA-512", "alice", "alice-secret")).tls();
        ChannelPool pool = new ChannelPool(16 << 20, "reauth-test", tls, new SaslCredentials("SCRAM-SHA-512", "alice", "alice-secret"),
                10_000);
        try {
            int port = cluster.broker(1).port(SecureCluster.SASL_SSL);
            ManagedChannel channel = pool.channel("127.0.0.1", port);
            DescribeSessionResponse first = describe(channel);
            assertEquals("User:alice", first.getPrincipal());
            assertEquals("SCRAM-SHA-512", first.getAuthentication());
            assertEquals(ConnectivityState.READY, channel.getState(false));
            List<ConnectivityState> changes = new CopyOnWriteArrayList<>();
            watch(channel, ConnectivityState.READY, changes);

            long end = System.currentTimeMillis() + RUN_MS;
            while (System.currentTimeMillis() < end) {
                DescribeSessionResponse s = describe(channel);
                assertEquals("User:alice", s.getPrincipal());
                assertTrue(s.getSessionRemainingMs() > 0 && s.getSessionRemainingMs() <= LIFETIME_MS, s.toString());
                Thread.sleep(250);
            }
            assertEquals(List.of(), changes, "the connection never left READY: the broker never closed it for an expired session");
        } finally {
            pool.close();
        }
    }

    @Test
    void aProducerAndAGroupConsumerKeepWorkingAcrossSeveralSessionLifetimes() throws Exception {
        String topic = "reauth-events";
        String group = "reauth-group";
        cluster.createTopic(topic, 2, 1);
        cluster.awaitLeadersKnown(topic, 2);
        try (TributaryAdmin admin = new TributaryAdmin(sasl(cluster, ca, "SCRAM-SHA-512", "admin", "admin-secret"))) {
            createAcls(admin, allow(ResourceType.TOPIC, topic, "User:alice", AclOperation.WRITE),
                    allow(ResourceType.TOPIC, topic, "User:alice", AclOperation.READ),
                    allow(ResourceType.GROUP, group, "User:alice", AclOperation.READ));
        }
        Map<String, Object> alice = sasl(cluster, ca, "SCRAM-SHA-512", "alice", "alice-secret");
        Map<String, Object> p = new HashMap<>(alice);
        p.remove("default.api.timeout.ms");
        p.put("acks", "all");
        p.put("max.block.ms", "30000");
        // One attempt per record: a request failed by an expired session would fail the send, not be retried away.
        p.put("retries", "0");
        p.put("enable.idempotence", "false");
        Map<String, Object> c = new HashMap<>(alice);
        c.put("group.id", group);
        c.put("auto.offset.reset", "earliest");
        try (TributaryAdmin a = new TributaryAdmin(alice)) {
            cluster.awaitCondition(() -> a.listTopics(false).contains(topic), 10_000, "alice's ACLs applied");
        }
        Set<String> sent = new HashSet<>();
        List<String> received = new ArrayList<>();
        try (TributaryProducer<String, String> producer = new TributaryProducer<>(new ProducerConfig(p), new StringSerializer(),
                new StringSerializer());
             TributaryConsumer<String, String> consumer = new TributaryConsumer<>(new ConsumerConfig(c), new StringDeserializer(),
                     new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long end = System.currentTimeMillis() + RUN_MS;
            int i = 0;
            while (System.currentTimeMillis() < end) {
                String value = "event-" + i++;
                producer.send(new ProducerRecord<>(topic, value)).get(10, TimeUnit.SECONDS);
                sent.add(value);
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    received.add(r.value());
                }
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (received.size() < sent.size() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    received.add(r.value());
                }
            }
        }
        assertTrue(sent.size() >= 20, "sent " + sent.size());
        assertEquals(sent, new HashSet<>(received), "every record produced across the lifetimes was consumed");
    }

    private static DescribeSessionResponse describe(ManagedChannel channel) {
        return SecurityGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .describeSession(DescribeSessionRequest.getDefaultInstance());
    }

    private static void watch(ManagedChannel channel, ConnectivityState from, List<ConnectivityState> changes) {
        channel.notifyWhenStateChanged(from, () -> {
            ConnectivityState now = channel.getState(false);
            changes.add(now);
            watch(channel, now, changes);
        });
    }
}
