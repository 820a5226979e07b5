package io.tributary.client.integration;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.ReplicaFetchPartition;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicationGrpc;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.client.admin.ListedOffset;
import io.tributary.client.admin.OffsetSpec;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.RecordMetadata;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The authorization matrix of Kafka's {@code EndToEndAuthorizationTest} family, through the Java SDK against three
 * real ZooKeeper nodes and three brokers (ACL authorizer, brokers replicating over mutual TLS as a super user): a
 * subclass per way of authenticating (SCRAM over TLS, mutual TLS, PLAIN over TLS) runs every case. Produce and
 * consume with assign and with subscribe under literal, prefixed and wildcard ACLs; each refusal (no Describe, no
 * Write, no Read, no group Read, no ClusterAction for a replica fetch, a DENY over an ALLOW) with its exact error and
 * nothing appended or committed; the super user needs no ACL. Every case has topics and groups of its own, and
 * {@code alice} and {@code bob} are ordinary users, {@code admin} the super user.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
abstract class EndToEndAuthorizationTest {
    /** Certificates of OU=clients map to their CN, as the brokers' own do (the harness maps OU=brokers). */
    private static final String MAPPING_RULES = "RULE:^CN=([^,]+),OU=brokers.*$/$1/,RULE:^CN=([^,]+),OU=clients.*$/$1/,DEFAULT";
    private static final int RECORDS = 20;

    protected Path dir;
    protected TestCertificates ca;
    protected EmbeddedCluster cluster;
    private TributaryAdmin superAdmin;

    /** A short name for topic and group names, so the three subclasses never share one. */
    protected abstract String variant();

    /** Client properties (bootstrap, security, credentials) for {@code user}, whose password is {@code user-secret}. */
    protected abstract Map<String, Object> client(String user) throws Exception;

    /** A raw gRPC channel to {@code broker}, authenticated as {@code user} the same way. */
    protected abstract ManagedChannel rawChannel(String user, int broker) throws Exception;

    @BeforeAll
    void startCluster() throws Exception {
        dir = Files.createTempDirectory("tributary-e2e-authz-" + variant());
        ca = TestCertificates.newAuthority(dir, "cluster");
        cluster = EmbeddedCluster.start(3, 3, SecureCluster.brokerProps(ca, Map.of("ssl.principal.mapping.rules", MAPPING_RULES)));
        for (String user : List.of("admin", "alice", "bob")) {
            SecureCluster.createUser(cluster, user, user + "-secret");
        }
        superAdmin = new TributaryAdmin(SecureClients.sasl(cluster, ca, "SCRAM-SHA-512", "admin", "admin-secret"));
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (superAdmin != null) {
            superAdmin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    // ---- the matrix ----

    @Test
    void literalAclsLetAUserProduceAndConsumeWithAssignAndWithSubscribe() throws Exception {
        String topic = name("literal");
        String group = name("literal-group");
        createTopic(topic, 3);
        grant(allow(ResourcePattern.literal(ResourceType.TOPIC, topic), "User:alice", AclOperation.WRITE),
                allow(ResourcePattern.literal(ResourceType.TOPIC, topic), "User:alice", AclOperation.READ),
                allow(ResourcePattern.literal(ResourceType.GROUP, group), "User:alice", AclOperation.READ));
        Set<String> sent = produce("alice", topic, RECORDS);
        assertEquals(sent, Set.copyOf(consumeAssigned("alice", topic, 3, RECORDS)), "every record, read by assignment");
        assertEquals(sent, Set.copyOf(consumeSubscribed("alice", topic, group, RECORDS)), "every record, read in a group");
        assertEquals(RECORDS, committedTotal(group), "the group committed every record");
    }

    @Test
    void prefixedAclsCoverEveryTopicAndGroupWithThePrefixAndNothingElse() throws Exception {
        String prefix = name("pfx") + "-";
        String a = prefix + "a";
        String b = prefix + "b";
        String outside = name("pf") + "-outside";
        createTopic(a, 1);
        createTopic(b, 1);
        createTopic(outside, 1);
        grant(allow(ResourcePattern.prefixed(ResourceType.TOPIC, prefix), "User:alice", AclOperation.WRITE),
                allow(ResourcePattern.prefixed(ResourceType.TOPIC, prefix), "User:alice", AclOperation.READ),
                allow(ResourcePattern.prefixed(ResourceType.GROUP, prefix), "User:alice", AclOperation.READ));
        for (String topic : List.of(a, b)) {
            Set<String> sent = produce("alice", topic, RECORDS);
            assertEquals(sent, Set.copyOf(consumeSubscribed("alice", topic, prefix + "group-" + topic, RECORDS)), topic);
        }
        assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, sendFailure("alice", outside), "Topic '" + outside + "'");
        assertEquals(0, endOffsetTotal(outside, 1), "nothing appended outside the prefix");
        TributaryException noGroup = assertInstanceOf(TributaryException.class,
                subscribeFailure("alice", a, name("pf") + "-other-group"));
        assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, noGroup.error(), noGroup.getMessage());
    }

    @Test
    void wildcardAclsOpenEveryTopicAndADenyOnOneTopicOverridesThem() throws Exception {
        String open = name("wild-open");
        String denied = name("wild-denied");
        String group = name("wild-group");
        createTopic(open, 1);
        createTopic(denied, 1);
        Set<String> inDenied = produce("admin", denied, RECORDS);
        grant(allow(ResourcePattern.literal(ResourceType.TOPIC, ResourcePattern.WILDCARD), "User:bob", AclOperation.ALL),
                allow(ResourcePattern.literal(ResourceType.GROUP, ResourcePattern.WILDCARD), "User:bob", AclOperation.READ),
                deny(ResourcePattern.literal(ResourceType.TOPIC, denied), "User:bob", AclOperation.READ));
        Set<String> sent = produce("bob", open, RECORDS);
        assertEquals(sent, Set.copyOf(consumeSubscribed("bob", open, group, RECORDS)), "the wildcard opens any topic");
        // DENY Read wins over the wildcard's ALLOW All: bob may still write there (and Describe it), but not read.
        assertEquals(RECORDS, produce("bob", denied, RECORDS).size());
        TributaryException refused = assertInstanceOf(TributaryException.class, pollFailure("bob", denied, null));
        assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refused, "User:bob is not authorized to Read Topic '" + denied + "'");
        assertEquals(RECORDS, consumeAssigned("admin", denied, 1, 2 * RECORDS).stream().filter(inDenied::contains).count());
    }

    @Test
    void withoutDescribeAProducerIsRefusedAndNothingIsAppended() throws Exception {
        String topic = name("no-describe");
        createTopic(topic, 1);
        // Not idempotent: alice has Write nowhere, so an idempotent producer's id request would race the metadata refusal.
        assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, sendFailure("alice", topic, false),
                "User:alice is not authorized to Describe Topic '" + topic + "'");
        assertEquals(0, endOffsetTotal(topic, 1), "nothing was appended");
    }

    @Test
    void withDescribeButNoWriteAProducerIsRefusedAndNothingIsAppended() throws Exception {
        String topic = name("no-write");
        createTopic(topic, 1);
        grant(allow(ResourcePattern.literal(ResourceType.TOPIC, topic), "User:alice", AclOperation.DESCRIBE));
        // As in Kafka: an idempotent producer is refused its producer id first (neither IdempotentWrite on the cluster
        // nor Write on any topic), a plain one its produce.
        assertRefused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, sendFailure("alice", topic, true),
                "User:alice is not authorized to IdempotentWrite Cluster");
        assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, sendFailure("alice", topic, false),
                "User:alice is not authorized to Write Topic '" + topic + "'");
        assertEquals(0, endOffsetTotal(topic, 1), "nothing was appended");
    }

    @Test
    void withoutReadAnAssignedConsumerIsRefusedAndGetsNoRecord() throws Exception {
        String topic = name("no-read");
        createTopic(topic, 1);
        produce("admin", topic, RECORDS);
        grant(allow(ResourcePattern.literal(ResourceType.TOPIC, topic), "User:alice", AclOperation.DESCRIBE));
        TributaryException refused = assertInstanceOf(TributaryException.class, pollFailure("alice", topic, null));
        assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refused, "User:alice is not authorized to Read Topic '" + topic + "'");
    }

    @Test
    void withoutGroupReadASubscribedConsumerIsRefusedAndNothingIsCommitted() throws Exception {
        String topic = name("no-group");
        String group = name("no-group-group");
        createTopic(topic, 1);
        produce("admin", topic, RECORDS);
        grant(allow(ResourcePattern.literal(ResourceType.TOPIC, topic), "User:alice", AclOperation.READ));
        TributaryException refused = assertInstanceOf(TributaryException.class, subscribeFailure("alice", topic, group));
        assertRefused(ErrorCode.GROUP_AUTHORIZATION_FAILED, refused, "Group '" + group + "'");
        // With Read on the topic an assigned consumer reads, but committing into the group is refused.
        try (TributaryConsumer<String, String> consumer = consumer("alice", group)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            assertEquals(RECORDS, poll(consumer, RECORDS).size());
            TributaryException commit = assertThrows(TributaryException.class, () -> consumer.commitSync(Duration.ofSeconds(30)));
            assertRefused(ErrorCode.GROUP_AUTHORIZATION_FAILED, commit, "Group '" + group + "'");
        }
        assertEquals(Map.of(), superAdmin.listConsumerGroupOffsets(group), "nothing was committed");
    }

    @Test
    void aUserWithEveryTopicRightCannotReplicaFetchOrAskLeaderEpochs() throws Exception {
        String topic = name("replica");
        createTopic(topic, 1);
        produce("admin", topic, RECORDS);
        grant(allow(ResourcePattern.literal(ResourceType.TOPIC, topic), "User:alice", AclOperation.ALL));
        int leader = cluster.leaderOf(topic, 0);
        int follower = cluster.runningBrokers().keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
        ManagedChannel alice = rawChannel("alice", leader);
        try {
            BlockingQueue<Object> events = new LinkedBlockingQueue<>();
            StreamObserver<ReplicaFetchRequest> requests = ReplicationGrpc.newStub(alice).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .replicaFetch(new StreamObserver<>() {
                        @Override
                        public void onNext(ReplicaFetchResponse value) {
                            events.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            events.add(t);
                        }

                        @Override
                        public void onCompleted() {
                            events.add("completed");
                        }
                    });
            requests.onNext(ReplicaFetchRequest.newBuilder().setReplicaId(follower)
                    .setBrokerEpoch(cluster.broker(follower).coordination().brokerEpoch()).setMaxWaitMs(0).setMaxBytes(1 << 20)
                    .addPartitions(ReplicaFetchPartition.newBuilder().setTopic(topic).setPartition(0).setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20)).build());
            Object answer = events.poll(10, TimeUnit.SECONDS);
            StatusRuntimeException e = assertInstanceOf(StatusRuntimeException.class, answer, "no record may reach alice: " + answer);
            assertEquals("CLUSTER_AUTHORIZATION_FAILED", ErrorInfos.brokerError(e).name(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains("User:alice is not authorized to ClusterAction Cluster"),
                    e.getStatus().getDescription());
            StatusRuntimeException epochs = assertThrows(StatusRuntimeException.class, () -> ReplicationGrpc.newBlockingStub(alice)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).offsetForLeaderEpoch(OffsetForLeaderEpochRequest.getDefaultInstance()));
            assertEquals("CLUSTER_AUTHORIZATION_FAILED", ErrorInfos.brokerError(epochs).name());
        } finally {
            SecureCluster.close(alice);
        }
    }

    @Test
    void theSuperUserProducesAndConsumesWithoutAnyAcl() throws Exception {
        String topic = name("super");
        String group = name("super-group");
        createTopic(topic, 2);
        Set<String> sent = produce("admin", topic, RECORDS);
        assertEquals(sent, Set.copyOf(consumeSubscribed("admin", topic, group, RECORDS)));
        assertEquals(RECORDS, committedTotal(group));
    }

    // ---- helpers ----

    private String name(String what) {
        return "e2e-" + variant() + "-" + what;
    }

    private static AclBinding allow(ResourcePattern pattern, String principal, AclOperation operation) {
        return new AclBinding(pattern, new AccessControlEntry(principal, AccessControlEntry.WILDCARD_HOST, operation, AclPermissionType.ALLOW));
    }

    private static AclBinding deny(ResourcePattern pattern, String principal, AclOperation operation) {
        return new AclBinding(pattern, new AccessControlEntry(principal, AccessControlEntry.WILDCARD_HOST, operation, AclPermissionType.DENY));
    }

    private void createTopic(String topic, int partitions) {
        cluster.createTopic(topic, partitions, 3);
        cluster.awaitLeadersKnown(topic, partitions);
    }

    /** Creates the ACLs as the super user, then waits until every broker's authorizer holds them (ZooKeeper notifications). */
    private void grant(AclBinding... bindings) {
        SecureClients.createAcls(superAdmin, bindings);
        for (int id : cluster.runningBrokers().keySet()) {
            cluster.awaitCondition(() -> cluster.broker(id).coordination().aclCache().map(cache -> {
                for (AclBinding b : bindings) {
                    Set<AccessControlEntry> entries = cache.current().get(b.pattern());
                    if (entries == null || !entries.contains(b.entry())) {
                        return false;
                    }
                }
                return true;
            }).orElse(false), 10_000, "the ACLs applied on broker " + id);
        }
    }

    private TributaryProducer<String, String> producer(String user) throws Exception {
        return producer(user, true);
    }

    private TributaryProducer<String, String> producer(String user, boolean idempotent) throws Exception {
        Map<String, Object> p = new HashMap<>(client(user));
        p.put("enable.idempotence", Boolean.toString(idempotent));
        p.remove("default.api.timeout.ms");
        p.put("acks", "all");
        p.put("max.block.ms", "20000");
        p.put("delivery.timeout.ms", "30000");
        return new TributaryProducer<>(new ProducerConfig(p), new StringSerializer(), new StringSerializer());
    }

    private TributaryConsumer<String, String> consumer(String user, String group) throws Exception {
        Map<String, Object> p = new HashMap<>(client(user));
        if (group != null) {
            p.put("group.id", group);
        }
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        return new TributaryConsumer<>(new ConsumerConfig(p), new StringDeserializer(), new StringDeserializer());
    }

    private Set<String> produce(String user, String topic, int n) throws Exception {
        Set<String> sent = new HashSet<>();
        try (TributaryProducer<String, String> producer = producer(user)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String value = user + "-" + topic + "-" + i + "-" + System.nanoTime();
                sent.add(value);
                acks.add(producer.send(new ProducerRecord<>(topic, "k" + i, value)));
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(60, TimeUnit.SECONDS);
            }
        }
        return sent;
    }

    private static List<String> poll(TributaryConsumer<String, String> consumer, int n) {
        List<String> values = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 60_000;
        while (values.size() < n && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }

    private List<String> consumeAssigned(String user, String topic, int partitions, int n) throws Exception {
        List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (TributaryConsumer<String, String> consumer = consumer(user, null)) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            return poll(consumer, n);
        }
    }

    private List<String> consumeSubscribed(String user, String topic, String group, int n) throws Exception {
        try (TributaryConsumer<String, String> consumer = consumer(user, group)) {
            consumer.subscribe(List.of(topic));
            List<String> values = poll(consumer, n);
            consumer.commitSync(Duration.ofSeconds(30));
            return values;
        }
    }

    private Throwable sendFailure(String user, String topic) throws Exception {
        return sendFailure(user, topic, true);
    }

    private Throwable sendFailure(String user, String topic, boolean idempotent) throws Exception {
        try (TributaryProducer<String, String> producer = producer(user, idempotent)) {
            producer.send(new ProducerRecord<>(topic, "k", "must-not-land")).get(60, TimeUnit.SECONDS);
            throw new AssertionError(user + "'s send to " + topic + " succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TributaryException e) {
            return e;
        }
    }

    /** The first failure of polling {@code topic} by assignment (group null) within 30 s. */
    private Throwable pollFailure(String user, String topic, String group) throws Exception {
        try (TributaryConsumer<String, String> consumer = consumer(user, group)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            return failureWithin(() -> consumer.poll(Duration.ofMillis(500)), user + " polling " + topic);
        }
    }

    private Throwable subscribeFailure(String user, String topic, String group) throws Exception {
        try (TributaryConsumer<String, String> consumer = consumer(user, group)) {
            consumer.subscribe(List.of(topic));
            return failureWithin(() -> consumer.poll(Duration.ofMillis(500)), user + " polling " + topic + " in group " + group);
        }
    }

    private static Throwable failureWithin(java.util.function.Supplier<Iterable<ConsumerRecord<String, String>>> poll, String what) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                for (ConsumerRecord<String, String> r : poll.get()) {
                    throw new AssertionError(what + " returned a record: " + r.value());
                }
            } catch (TributaryException e) {
                return e;
            }
        }
        throw new AssertionError(what + " was not refused within 30 s");
    }

    private static void assertRefused(ErrorCode expected, Throwable failure, String messagePart) {
        TributaryException e = assertInstanceOf(TributaryException.class, failure, String.valueOf(failure));
        assertEquals(expected, e.error(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), "'" + e.getMessage() + "' does not name " + messagePart);
    }

    private long endOffsetTotal(String topic, int partitions) {
        Map<TopicPartition, OffsetSpec> specs = IntStream.range(0, partitions).boxed()
                .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
        return superAdmin.listOffsets(specs).values().stream().mapToLong(ListedOffset::offset).sum();
    }

    private long committedTotal(String group) {
        return superAdmin.listConsumerGroupOffsets(group).values().stream().mapToLong(OffsetAndMetadata::offset).sum();
    }

    /** Properties common to the SASL variants: SASL_SSL with the cluster CA. */
    protected Map<String, Object> saslSsl(String mechanism, String user) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", SecureClients.saslBootstrap(cluster));
        p.put("security.protocol", "SASL_SSL");
        p.put("ssl.truststore.location", ca.truststore().toString());
        p.put("ssl.truststore.password", TestCertificates.PASSWORD);
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.username", user);
        p.put("sasl.password", user + "-secret");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "30000");
        return p;
    }
}
