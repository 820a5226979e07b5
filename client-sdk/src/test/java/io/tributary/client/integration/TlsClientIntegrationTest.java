package io.tributary.client.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.client.BootstrapUnreachableException;
import io.tributary.client.Node;
import io.tributary.client.admin.NewTopic;
import io.tributary.client.admin.PartitionDescription;
import io.tributary.client.admin.TopicDescription;
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
import io.tributary.client.tools.ConfigsCommand;
import io.tributary.client.tools.ConsoleConsumer;
import io.tributary.client.tools.ConsoleProducer;
import io.tributary.client.tools.ConsumerGroupsCommand;
import io.tributary.client.tools.ConsumerPerformance;
import io.tributary.client.tools.ProducerPerformance;
import io.tributary.client.tools.TopicsCommand;
import io.tributary.client.tools.VerifiableProducer;
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
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static io.tributary.client.integration.ToolsIntegrationTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java clients and the tools over TLS, against three brokers with a PLAINTEXT and an SSL listener that replicate
 * over SSL and require client certificates (mutual TLS): producer, group consumer, admin client and the tools with
 * a {@code --command-config} file of Kafka's keys all work; a plaintext client at the TLS port, a TLS client at the
 * plaintext port, a client trusting another CA and one without a certificate each fail within seconds, saying which
 * setting to check; a PEM trust store works like a PKCS12 one.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TlsClientIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Failing clients get budgets far above "at once", so a failure that waited them out is told apart. */
    private static final String SLOW_TIMEOUT_MS = "30000";
    private static final long AT_ONCE_MS = 10_000;

    private static Path dir;
    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static Path alice;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("tributary-client-tls");
        ca = TestCertificates.newAuthority(dir, "cluster");
        otherCa = TestCertificates.newAuthority(dir, "stranger");
        alice = ca.issue("alice", "CN=alice,OU=clients,O=Tributary");
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

    private static String sslBootstrap() {
        return cluster.runningBrokers().keySet().stream().sorted()
                .map(id -> "127.0.0.1:" + cluster.broker(id).port("SSL")).collect(Collectors.joining(","));
    }

    /** Client properties for the SSL listener: the cluster's CA, and alice's certificate unless {@code keystore} is null. */
    private static Map<String, Object> tls(Path keystore, Path truststore) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", sslBootstrap());
        props.put("security.protocol", "SSL");
        props.put("ssl.truststore.location", truststore.toString());
        props.put("ssl.truststore.password", TestCertificates.PASSWORD);
        if (keystore != null) {
            props.put("ssl.keystore.location", keystore.toString());
            props.put("ssl.keystore.password", TestCertificates.PASSWORD);
        }
        return props;
    }

    private static Map<String, Object> withAdminTimeouts(Map<String, Object> props) {
        Map<String, Object> out = new HashMap<>(props);
        out.put("request.timeout.ms", "10000");
        out.put("default.api.timeout.ms", SLOW_TIMEOUT_MS);
        return out;
    }

    private static TributaryProducer<String, String> producer(Map<String, Object> props) {
        Map<String, Object> p = new HashMap<>(props);
        p.put("acks", "all");
        p.put("request.timeout.ms", "10000");
        p.put("max.block.ms", SLOW_TIMEOUT_MS);
        return new TributaryProducer<>(new ProducerConfig(p), new StringSerializer(), new StringSerializer());
    }

    @Test
    void aProducerAndAGroupConsumerWithAClientCertificateMoveEveryRecordOverTls() throws Exception {
        cluster.createTopic("tls-records", 3, 3);
        cluster.awaitLeadersKnown("tls-records", 3);
        int n = 300;
        Set<String> sent = new HashSet<>();
        try (TributaryProducer<String, String> producer = producer(tls(alice, ca.truststore()))) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                acks.add(producer.send(new ProducerRecord<>("tls-records", "k-" + i, "v-" + i)));
                sent.add("v-" + i);
            }
            for (Future<RecordMetadata> ack : acks) {
                assertTrue(ack.get(60, TimeUnit.SECONDS).offset() >= 0);
            }
        }

        Map<String, Object> consumerProps = new HashMap<>(tls(alice, ca.truststore()));
        consumerProps.put("group.id", "tls-group");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put("request.timeout.ms", "10000");
        Set<String> received = new HashSet<>();
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(new ConsumerConfig(consumerProps), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("tls-records"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (received.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    received.add(r.value());
                }
            }
            consumer.commitSync();
        }
        assertEquals(sent, received, "every record acknowledged with acks=all over TLS is consumed over TLS");
    }

    @Test
    void anAdminClientOverTlsCreatesAndDescribesATopicAndIsToldTheSslAddresses() {
        try (TributaryAdmin admin = new TributaryAdmin(withAdminTimeouts(tls(alice, ca.truststore())))) {
            admin.createTopic(new NewTopic("tls-admin", 3, 3));
            assertTrue(admin.listTopics(false).contains("tls-admin"));
            TopicDescription described = awaitLeaders(admin, "tls-admin", 3);
            assertEquals(3, described.partitions().size());
            for (PartitionDescription p : described.partitions()) {
                assertEquals(3, p.replicas().size(), p.toString());
            }
            List<Node> brokers = admin.describeCluster().brokers();
            assertEquals(3, brokers.size());
            for (Node b : brokers) {
                assertEquals(cluster.broker(b.id()).port("SSL"), b.port(), "a TLS client is told TLS addresses: " + b);
            }
        }
    }

    private static TopicDescription awaitLeaders(TributaryAdmin admin, String topic, int partitions) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            TopicDescription d = admin.describeTopics(List.of(topic)).get(topic);
            if (d != null && d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leaderId() >= 0)) {
                return d;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no leaders for every partition of " + topic + " within 30 s: " + d);
            }
            sleep(100);
        }
    }

    @Test
    void everyToolTalksMutualTlsWithACommandConfigFileOfKafkasKeys() throws Exception {
        Path properties = dir.resolve("client.properties");
        Files.writeString(properties, String.join("\n",
                "security.protocol=SSL",
                "ssl.truststore.location=" + ca.truststore(),
                "ssl.truststore.password=" + TestCertificates.PASSWORD,
                "ssl.keystore.location=" + alice,
                "ssl.keystore.password=" + TestCertificates.PASSWORD, ""));
        String config = properties.toString();

        Run create = tool(TopicsCommand::new, "", "--create", "--topic", "tls-cli", "--partitions", "2", "--replication-factor", "3",
                "--command-config", config);
        assertEquals(0, create.exitCode(), create.err());
        cluster.awaitLeadersKnown("tls-cli", 2);
        Run describe = tool(TopicsCommand::new, "", "--describe", "--topic", "tls-cli", "--command-config", config);
        assertEquals(0, describe.exitCode(), describe.err());
        assertTrue(describe.out().contains("PartitionCount: 2\tReplicationFactor: 3"), describe.out());

        Run produce = tool(ConsoleProducer::new, "one\ntwo\nthree\n", "--topic", "tls-cli", "--producer-property", "acks=all",
                "--command-config", config);
        assertEquals(0, produce.exitCode(), produce.err());
        Run consume = tool(ConsoleConsumer::new, "", "--topic", "tls-cli", "--from-beginning", "--max-messages", "3",
                "--timeout-ms", "30000", "--command-config", config);
        assertEquals(0, consume.exitCode(), consume.err());
        assertEquals(Set.of("one", "two", "three"), Set.copyOf(consume.outLines()));

        Run verifiable = tool(VerifiableProducer::new, "", "--topic", "tls-cli", "--max-messages", "10", "--acks", "all",
                "--command-config", config);
        assertEquals(0, verifiable.exitCode(), verifiable.err());
        JsonNode toolData = JSON.readTree(verifiable.outLines().get(verifiable.outLines().size() - 1));
        assertEquals(10, toolData.get("acked").asInt(), verifiable.out());

        Run perfProduce = tool(ProducerPerformance::new, "", "--topic", "tls-cli", "--num-records", "200", "--record-size", "100",
                "--throughput", "-1", "--producer-props", "acks=all", "--command-config", config);
        assertEquals(0, perfProduce.exitCode(), perfProduce.err());
        assertTrue(perfProduce.out().contains("200 records sent"), perfProduce.out());
        Run perfConsume = tool(ConsumerPerformance::new, "", "--topic", "tls-cli", "--messages", "213", "--timeout", "30000",
                "--command-config", config);
        assertEquals(0, perfConsume.exitCode(), perfConsume.err());
        assertTrue(perfConsume.out().contains(", 213, "), "213 records consumed: " + perfConsume.out());

        Run groups = tool(ConsumerGroupsCommand::new, "", "--list", "--command-config", config);
        assertEquals(0, groups.exitCode(), groups.err());
        Run configs = tool(ConfigsCommand::new, "", "--entity-type", "topics", "--entity-name", "tls-cli", "--describe",
                "--command-config", config);
        assertEquals(0, configs.exitCode(), configs.err());
        for (Run r : List.of(create, describe, produce, consume, verifiable, perfProduce, perfConsume, groups, configs)) {
            assertFalse(r.out().contains(TestCertificates.PASSWORD) || r.err().contains(TestCertificates.PASSWORD),
                    "no tool prints a password: " + r);
        }
    }

    private static Run tool(Supplier<io.tributary.client.tools.ToolCommand> tool, String stdin, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = sslBootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return run(tool, stdin, all);
    }

    @Test
    void aPlaintextClientAtTheTlsPortFailsAtOnceSayingToSetSecurityProtocolSsl() {
        Map<String, Object> plaintext = Map.of("bootstrap.servers", sslBootstrap());
        long start = System.nanoTime();
        try (TributaryAdmin admin = new TributaryAdmin(withAdminTimeouts(plaintext))) {
            assertFailsAtOnce(assertThrows(RuntimeException.class, () -> admin.listTopics(false)), start, "set security.protocol=SSL");
        }
        start = System.nanoTime();
        try (TributaryProducer<String, String> producer = producer(plaintext)) {
            assertFailsAtOnce(sendFailure(producer, "tls-records"), start, "set security.protocol=SSL");
        }
        Map<String, Object> consumerProps = new HashMap<>(plaintext);
        consumerProps.put("group.id", "tls-plaintext-group");
        consumerProps.put("default.api.timeout.ms", SLOW_TIMEOUT_MS);
        start = System.nanoTime();
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(new ConsumerConfig(consumerProps), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of("tls-records"));
            assertFailsAtOnce(assertThrows(RuntimeException.class, () -> consumer.poll(Duration.ofSeconds(30))), start,
                    "set security.protocol=SSL");
        }
    }

    @Test
    void aTlsClientAtThePlaintextPortFailsAtOnceNamingThePlaintextListener() {
        Map<String, Object> props = new HashMap<>(tls(alice, ca.truststore()));
        props.put("bootstrap.servers", cluster.bootstrap());
        long start = System.nanoTime();
        try (TributaryAdmin admin = new TributaryAdmin(withAdminTimeouts(props))) {
            assertFailsAtOnce(assertThrows(RuntimeException.class, () -> admin.listTopics(false)), start, "is it a PLAINTEXT listener?");
        }
    }

    @Test
    void aClientTrustingAnotherCaFailsAtOnceNamingTheTruststoreOnEitherTlsEngine() {
        for (String provider : List.of("", "JDK")) {
            Map<String, Object> props = new HashMap<>(tls(alice, otherCa.truststore()));
            props.put("ssl.provider", provider);
            long start = System.nanoTime();
            try (TributaryAdmin admin = new TributaryAdmin(withAdminTimeouts(props))) {
                assertFailsAtOnce(assertThrows(RuntimeException.class, () -> admin.listTopics(false)), start,
                        "check ssl.truststore.location");
            }
            start = System.nanoTime();
            try (TributaryProducer<String, String> producer = producer(props)) {
                assertFailsAtOnce(sendFailure(producer, "tls-records"), start, "check ssl.truststore.location");
            }
        }
        Run tool = run(TopicsCommand::new, "", "--bootstrap-server", sslBootstrap(), "--list", "--command-config",
                writeProperties("stranger.properties", tls(alice, otherCa.truststore())).toString());
        assertEquals(1, tool.exitCode(), tool.err());
        assertTrue(tool.err().startsWith("Error: ") && tool.err().contains("check ssl.truststore.location"), tool.err());
        assertEquals(1, tool.err().lines().count(), "one line, no stack trace: " + tool.err());
    }

    @Test
    void aClientWithoutACertificateFailsAtOnceSayingTheBrokerRequiresOne() {
        long start = System.nanoTime();
        try (TributaryAdmin admin = new TributaryAdmin(withAdminTimeouts(tls(null, ca.truststore())))) {
            assertFailsAtOnce(assertThrows(RuntimeException.class, () -> admin.listTopics(false)), start, "set ssl.keystore.location");
        }
    }

    @Test
    void aPemTruststoreHoldingTheCaCertificateWorksLikeAPkcs12OneWithAndWithoutHostNameChecks() throws Exception {
        Map<String, Object> props = new HashMap<>(tls(alice, ca.caPem()));
        props.put("ssl.truststore.type", "PEM");
        props.remove("ssl.truststore.password");
        cluster.createTopic("tls-pem", 1, 3);
        cluster.awaitLeadersKnown("tls-pem", 1);
        try (TributaryProducer<String, String> producer = producer(props)) {
            assertEquals(0, producer.send(new ProducerRecord<>("tls-pem", "k", "over a PEM trust store")).get(60, TimeUnit.SECONDS).offset());
        }
        // And without the host-name check: the chain alone must come from the CA.
        props.put("ssl.endpoint.identification.algorithm", "");
        try (TributaryAdmin admin = new TributaryAdmin(withAdminTimeouts(props))) {
            assertTrue(admin.listTopics(false).contains("tls-pem"));
        }
    }

    private static Path writeProperties(String name, Map<String, Object> props) {
        StringBuilder text = new StringBuilder();
        props.forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                text.append(k).append('=').append(v).append('\n');
            }
        });
        try {
            return Files.writeString(dir.resolve(name), text.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
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

    private static void assertFailsAtOnce(Throwable failure, long startNs, String hint) {
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        BootstrapUnreachableException e = assertInstanceOf(BootstrapUnreachableException.class, failure, String.valueOf(failure));
        assertTrue(e.getMessage().startsWith("could not connect to any bootstrap server: "), e.getMessage());
        assertTrue(e.getMessage().contains(hint), "'" + hint + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains(TestCertificates.PASSWORD), e.getMessage());
        assertTrue(tookMs < AT_ONCE_MS, "took " + tookMs + " ms: " + e.getMessage());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
