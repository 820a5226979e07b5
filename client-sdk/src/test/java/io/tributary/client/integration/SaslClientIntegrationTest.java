package io.tributary.client.integration;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourceType;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.client.BootstrapUnreachableException;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.integration.ToolsIntegrationTest.Run;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.RecordMetadata;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import io.tributary.client.tools.ConsoleConsumer;
import io.tributary.client.tools.ConsoleProducer;
import io.tributary.client.tools.TopicsCommand;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.tributary.client.integration.SecureClients.allow;
import static io.tributary.client.integration.SecureClients.createAcls;
import static io.tributary.client.integration.SecureClients.sasl;
import static io.tributary.client.integration.SecureClients.saslBootstrap;
import static io.tributary.client.integration.SecureClients.writeProperties;
import static io.tributary.client.integration.ToolsIntegrationTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java clients over SASL_SSL against three brokers with an ACL authorizer ({@link SecureCluster}): once ACLs
 * allow it, a SCRAM-SHA-512 producer, an assigned consumer and a group consumer move every record; a wrong password
 * fails within seconds with SASL_AUTHENTICATION_FAILED, naming the user and never the password (the SDK and the
 * tools); a client without SASL at the SASL port, and a SASL client at the plaintext port, are told what to set.
 *
 * <p>(Rebuilt from its compiled class by a second helper session that had overwritten the source by mistake: same
 * tests, names and assertions; check it against the original author's intent.)
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SaslClientIntegrationTest {
    private static final String WRONG = "not-alices-password";
    private static final long AT_ONCE_MS = 10_000;

    private static Path dir;
    private static TestCertificates ca;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("tributary-client-sasl");
        ca = TestCertificates.newAuthority(dir, "cluster");
        cluster = EmbeddedCluster.start(1, 3, SecureCluster.brokerProps(ca, Map.of()));
        SecureCluster.createUser(cluster, "admin", "admin-secret");
        SecureCluster.createUser(cluster, "alice", "alice-secret");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Map<String, Object> alice() {
        return sasl(cluster, ca, "SCRAM-SHA-512", "alice", "alice-secret");
    }

    private static TributaryProducer<String, String> producer(Map<String, Object> props) {
        Map<String, Object> p = new HashMap<>(props);
        p.remove("default.api.timeout.ms");
        p.put("acks", "all");
        p.put("max.block.ms", "30000");
        return new TributaryProducer<>(new ProducerConfig(p), new StringSerializer(), new StringSerializer());
    }

    private static TributaryConsumer<String, String> consumer(Map<String, Object> props, String groupId) {
        Map<String, Object> p = new HashMap<>(props);
        if (groupId != null) {
            p.put("group.id", groupId);
            p.put("auto.offset.reset", "earliest");
        }
        return new TributaryConsumer<>(new ConsumerConfig(p), new StringDeserializer(), new StringDeserializer());
    }

    private static List<String> pollValues(TributaryConsumer<String, String> consumer, int n) {
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 60_000;
        while (values.size() < n && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }

    @Test
    void aScramSha512ProducerAndConsumersMoveEveryRecordOverSaslSslOnceAclsAllowThem() throws Exception {
        String topic = "sasl-orders";
        String group = "sasl-orders-group";
        cluster.createTopic(topic, 3, 3);
        cluster.awaitLeadersKnown(topic, 3);
        try (TributaryAdmin admin = new TributaryAdmin(sasl(cluster, ca, "SCRAM-SHA-256", "admin", "admin-secret"))) {
            createAcls(admin,
                    allow(ResourceType.TOPIC, topic, "User:alice", AclOperation.WRITE),
                    allow(ResourceType.TOPIC, topic, "User:alice", AclOperation.READ),
                    allow(ResourceType.TOPIC, topic, "User:alice", AclOperation.DESCRIBE),
                    allow(ResourceType.GROUP, group, "User:alice", AclOperation.READ));
        }
        // ACLs reach each broker through ZooKeeper: wait until every one lets alice see the topic.
        for (int id : cluster.runningBrokers().keySet()) {
            Map<String, Object> one = alice();
            one.put("bootstrap.servers", "127.0.0.1:" + cluster.broker(id).port("SASL_SSL"));
            try (TributaryAdmin admin = new TributaryAdmin(one)) {
                cluster.awaitCondition(() -> admin.listTopics(false).contains(topic), 10_000, "alice's ACLs applied on broker " + id);
            }
        }

        Set<String> sent = new HashSet<>();
        try (TributaryProducer<String, String> producer = producer(alice())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                sent.add("order-" + i);
                acks.add(producer.send(new ProducerRecord<>(topic, "k" + i, "order-" + i)));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
        }

        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1), new TopicPartition(topic, 2));
        try (TributaryConsumer<String, String> consumer = consumer(alice(), null)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            assertEquals(sent, new HashSet<>(pollValues(consumer, 30)), "every record, read by assignment");
        }
        try (TributaryConsumer<String, String> consumer = consumer(alice(), group)) {
            consumer.subscribe(List.of(topic));
            assertEquals(sent, new HashSet<>(pollValues(consumer, 30)), "every record, read in a group");
            consumer.commitSync(Duration.ofSeconds(30));
        }
    }

    @Test
    void theToolsTakeSaslKeysFromACommandConfigFileInTheShortForm() throws Exception {
        Path config = dir.resolve("admin-short.properties");
        Files.writeString(config, String.join("\n", "security.protocol=SASL_SSL",
                "ssl.truststore.location=" + ca.truststore(), "ssl.truststore.password=" + TestCertificates.PASSWORD,
                "sasl.mechanism=SCRAM-SHA-256", "sasl.username=admin", "sasl.password=admin-secret", ""));
        String bootstrap = SecureClients.saslBootstrap(cluster);
        Run create = run(TopicsCommand::new, "", "--bootstrap-server", bootstrap, "--create", "--topic", "sasl-cli", "--partitions", "1",
                "--replication-factor", "3", "--command-config", config.toString());
        assertEquals(0, create.exitCode(), create.err());
        cluster.awaitLeadersKnown("sasl-cli", 1);
        Run produce = run(ConsoleProducer::new, "one\ntwo\n", "--bootstrap-server", bootstrap, "--topic", "sasl-cli",
                "--producer-property", "acks=all", "--command-config", config.toString());
        assertEquals(0, produce.exitCode(), produce.err());
        Run consume = run(ConsoleConsumer::new, "", "--bootstrap-server", bootstrap, "--topic", "sasl-cli", "--from-beginning",
                "--max-messages", "2", "--timeout-ms", "30000", "--command-config", config.toString());
        assertEquals(0, consume.exitCode(), consume.err());
        assertEquals(Set.of("one", "two"), Set.copyOf(consume.outLines()));
        for (Run r : List.of(create, produce, consume)) {
            assertFalse(r.out().contains("admin-secret") || r.err().contains("admin-secret"), r.toString());
        }
    }

    @Test
    void aWrongPasswordFailsAtOnceWithSaslAuthenticationFailedNamingTheUserNotThePassword() {
        Map<String, Object> wrong = sasl(cluster, ca, "SCRAM-SHA-512", "alice", WRONG);
        String expected = "authentication failed for user alice with SCRAM-SHA-512: invalid username or password";

        long start = System.nanoTime();
        try (TributaryAdmin admin = new TributaryAdmin(wrong)) {
            assertAuthenticationFailed(assertThrows(RuntimeException.class, () -> admin.listTopics(false)), start, expected);
        }
        start = System.nanoTime();
        try (TributaryProducer<String, String> producer = producer(wrong)) {
            assertAuthenticationFailed(sendFailure(producer, "sasl-orders"), start, expected);
        }
        start = System.nanoTime();
        try (TributaryConsumer<String, String> consumer = consumer(wrong, "sasl-wrong-password")) {
            consumer.subscribe(List.of("sasl-orders"));
            assertAuthenticationFailed(assertThrows(RuntimeException.class, () -> consumer.poll(Duration.ofSeconds(30))), start, expected);
        }

        Run tool = run(TopicsCommand::new, "", "--bootstrap-server", saslBootstrap(cluster), "--list", "--command-config",
                writeProperties(dir, "wrong.properties", wrong).toString());
        assertEquals(1, tool.exitCode(), tool.err());
        assertEquals("Error: SASL_AUTHENTICATION_FAILED: " + expected, tool.err().strip());
        assertFalse(tool.out().contains(WRONG) || tool.err().contains(WRONG), tool.toString());
    }

    @Test
    void aClientWithoutSaslAtTheSaslPortFailsAtOnceSayingToSetIt() {
        Map<String, Object> props = new HashMap<>(alice());
        props.put("security.protocol", "SSL");
        long start = System.nanoTime();
        try (TributaryAdmin admin = new TributaryAdmin(props)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> admin.listTopics(false));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertInstanceOf(BootstrapUnreachableException.class, e, String.valueOf(e));
            assertTrue(e.getMessage().contains("the broker requires SASL authentication at this address")
                    && e.getMessage().contains("security.protocol=SASL_SSL"), e.getMessage());
            assertTrue(tookMs < AT_ONCE_MS, "took " + tookMs + " ms: " + e.getMessage());
        }
    }

    @Test
    void aSaslClientAtThePlaintextHarnessPortIsToldItDoesNotUseSasl() {
        Map<String, Object> props = new HashMap<>(alice());
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("bootstrap.servers", cluster.bootstrap());
        try (TributaryAdmin admin = new TributaryAdmin(props)) {
            TributaryException e = assertInstanceOf(TributaryException.class,
                    assertThrows(RuntimeException.class, () -> admin.listTopics(false)));
            assertEquals(ErrorCode.ILLEGAL_SASL_STATE, e.error());
            assertTrue(e.getMessage().contains("does not use SASL"), e.getMessage());
        }
    }

    private static Throwable sendFailure(TributaryProducer<String, String> producer, String topic) {
        try {
            producer.send(new ProducerRecord<>(topic, "v")).get(60, TimeUnit.SECONDS);
            throw new AssertionError("the send succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (RuntimeException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("the send neither failed nor succeeded within 60 s", e);
        }
    }

    private static void assertAuthenticationFailed(Throwable failure, long startNs, String expected) {
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        TributaryException e = assertInstanceOf(TributaryException.class, failure, String.valueOf(failure));
        assertEquals(ErrorCode.SASL_AUTHENTICATION_FAILED, e.error(), e.getMessage());
        assertFalse(e.retriable());
        assertEquals("SASL_AUTHENTICATION_FAILED: " + expected, e.getMessage());
        assertFalse(e.getMessage().contains(WRONG));
        assertTrue(tookMs < AT_ONCE_MS, "took " + tookMs + " ms: " + e.getMessage());
    }
}
