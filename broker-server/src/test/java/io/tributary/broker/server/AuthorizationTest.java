package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorInfos;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.AclBinding;
import io.tributary.api.v1.AclBindingFilter;
import io.tributary.api.v1.AclOperation;
import io.tributary.api.v1.AclPatternType;
import io.tributary.api.v1.AclPermissionType;
import io.tributary.api.v1.AclResourceType;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.CreateAclsRequest;
import io.tributary.api.v1.DeleteAclsRequest;
import io.tributary.api.v1.DescribeAclsRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ReplicaFetchPartition;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicationGrpc;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.api.v1.TopicMetadata;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
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
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The authorizer behind every RPC on a three-broker cluster whose brokers replicate over mutual TLS (their principal
 * a super user) while clients authenticate with SCRAM over SASL_SSL: each refusal carries Kafka's error name and
 * the missing operation, and leaves nothing appended or committed; an ACL created through one broker is applied by
 * all of them within a second.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class AuthorizationTest {
    private static Path dir;
    private static TestCertificates ca;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("tributary-authz");
        ca = TestCertificates.newAuthority(dir, "cluster");
        cluster = EmbeddedCluster.start(1, 3, SecureCluster.brokerProps(ca, Map.of()));
        for (String u : List.of("alice", "bob", "carol")) {
            SecureCluster.createUser(cluster, u, u + "-secret");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static AclBinding acl(AclResourceType type, String name, AclPatternType pattern, String principal,
                                  AclOperation op, AclPermissionType perm) {
        return AclBinding.newBuilder().setResourceType(type).setResourceName(name).setPatternType(pattern)
                .setPrincipal(principal).setHost("*").setOperation(op).setPermissionType(perm).build();
    }

    private static AclBinding allowTopic(String topic, String principal, AclOperation op) {
        return acl(AclResourceType.ACL_RESOURCE_TYPE_TOPIC, topic, AclPatternType.ACL_PATTERN_TYPE_LITERAL, principal, op,
                AclPermissionType.ACL_PERMISSION_TYPE_ALLOW);
    }

    /** Creates ACLs through broker {@code via} as the harness's super user; callers wait for them to apply. */
    private static void createAcls(int via, AclBinding... bindings) {
        var results = SecurityGrpc.newBlockingStub(cluster.channel(via)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .createAcls(CreateAclsRequest.newBuilder().addAllCreations(List.of(bindings)).build()).getResultsList();
        results.forEach(r -> assertTrue(r.getCode().isEmpty(), r.toString()));
    }

    private static ByteBuffer batch(String value) {
        return RecordBatchBuilder.create().append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)).build();
    }

    private static long endOffset(String topic) {
        int leader = cluster.leaderOf(topic, 0);
        return MetadataGrpc.newBlockingStub(cluster.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition.newBuilder().setTopic(topic)
                        .setPartition(0).setTimestamp(-1)).build()).getPartitions(0).getLogEndOffset();
    }

    private static void awaitApplied(java.util.function.BooleanSupplier applied, String what) {
        cluster.awaitCondition(applied, 5_000, what);
    }

    @Test
    void produceNeedsWriteOnTheTopicAndARefusedProduceAppendsNothing() throws Exception {
        cluster.createTopic("authz-produce", 1, 3);
        int leader = cluster.leaderOf("authz-produce", 0);
        ManagedChannel carol = SecureCluster.authenticated(cluster, leader, ca, "carol", "carol-secret");
        ManagedChannel alice = SecureCluster.authenticated(cluster, leader, ca, "alice", "alice-secret");
        try {
            PartitionProduceResult refused = TestClients.produce(carol, "authz-produce", 0, batch("nope"), -1);
            assertEquals("TOPIC_AUTHORIZATION_FAILED", refused.getError().getCode());
            assertTrue(refused.getError().getMessage().contains("User:carol is not authorized to Write Topic 'authz-produce'"),
                    refused.getError().getMessage());
            assertEquals(0, endOffset("authz-produce"), "nothing was appended");

            createAcls(1, allowTopic("authz-produce", "User:alice", AclOperation.ACL_OPERATION_WRITE));
            awaitApplied(() -> TestClients.produce(alice, "authz-produce", 0, batch("yes"), -1).getError().getCode().isEmpty(),
                    "alice's Write applied on the leader");
            // acks=all succeeded: the followers fetched over the mutual-TLS inter-broker listener as User:broker.
            assertEquals(1, endOffset("authz-produce"));
        } finally {
            SecureCluster.close(carol);
            SecureCluster.close(alice);
        }
    }

    @Test
    void fetchNeedsReadAndMetadataListsOnlyDescribableTopics() throws Exception {
        cluster.createTopic("authz-fetch", 1, 3);
        cluster.createTopic("authz-hidden", 1, 1);
        int leader = cluster.leaderOf("authz-fetch", 0);
        assertTrue(TestClients.produce(cluster.channel(leader), "authz-fetch", 0, batch("secret"), -1).getError().getCode().isEmpty());
        createAcls(2, allowTopic("authz-fetch", "User:bob", AclOperation.ACL_OPERATION_READ));
        ManagedChannel bob = SecureCluster.authenticated(cluster, leader, ca, "bob", "bob-secret");
        ManagedChannel carol = SecureCluster.authenticated(cluster, leader, ca, "carol", "carol-secret");
        try {
            awaitApplied(() -> names(bob).contains("authz-fetch"), "bob's Read (which implies Describe) applied");
            assertFalse(names(bob).contains("authz-hidden"), "a topic bob may not Describe is not listed");
            TopicMetadata named = MetadataGrpc.newBlockingStub(bob).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getMetadata(MetadataRequest.newBuilder().addTopics("authz-hidden").addTopics("no-such-topic").build()).getTopics(0);
            assertEquals("TOPIC_AUTHORIZATION_FAILED", named.getError().getCode());
            try (TestClients.Fetcher f = new TestClients.Fetcher(bob, TestClients.Fetcher.session("authz-fetch", 0, 0).build())) {
                FetchResponse r = f.next(10_000);
                assertTrue(r.getPartitions(0).getError().getCode().isEmpty(), r.toString());
                assertFalse(r.getPartitions(0).getRecords().isEmpty());
            }
            try (TestClients.Fetcher f = new TestClients.Fetcher(carol, TestClients.Fetcher.session("authz-fetch", 0, 0).build())) {
                FetchResponse r = f.next(10_000);
                assertEquals("TOPIC_AUTHORIZATION_FAILED", r.getPartitions(0).getError().getCode());
                assertTrue(r.getPartitions(0).getRecords().isEmpty(), "no data for a refused partition");
            }
        } finally {
            SecureCluster.close(bob);
            SecureCluster.close(carol);
        }
    }

    private static Set<String> names(ManagedChannel ch) {
        return MetadataGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).getMetadata(MetadataRequest.getDefaultInstance())
                .getTopicsList().stream().map(TopicMetadata::getName).collect(Collectors.toSet());
    }

    @Test
    void commitsNeedReadOnTheGroupAndOnEachTopicAndRefusedPartitionsAreNotCommitted() throws Exception {
        cluster.createTopic("authz-commit", 1, 3);
        cluster.createTopic("authz-commit-other", 1, 3);
        String group = "authz-group";
        createAcls(3, allowTopic("authz-commit", "User:bob", AclOperation.ACL_OPERATION_READ),
                acl(AclResourceType.ACL_RESOURCE_TYPE_GROUP, "authz-", AclPatternType.ACL_PATTERN_TYPE_PREFIXED, "User:bob",
                        AclOperation.ACL_OPERATION_READ, AclPermissionType.ACL_PERMISSION_TYPE_ALLOW));
        int coordinator = TestClients.commitOffsets(cluster, group, "authz-commit", 0L);
        ManagedChannel bob = SecureCluster.authenticated(cluster, coordinator, ca, "bob", "bob-secret");
        ManagedChannel carol = SecureCluster.authenticated(cluster, coordinator, ca, "carol", "carol-secret");
        try {
            CommitOffsetsRequest commit = CommitOffsetsRequest.newBuilder().setGroupId(group).setGenerationId(-1)
                    .addOffsets(OffsetCommit.newBuilder().setTopic("authz-commit").setPartition(0).setOffset(5).setLeaderEpoch(-1))
                    .addOffsets(OffsetCommit.newBuilder().setTopic("authz-commit-other").setPartition(0).setOffset(7).setLeaderEpoch(-1))
                    .build();
            StatusRuntimeException noGroup = assertThrows(StatusRuntimeException.class, () -> GroupsGrpc.newBlockingStub(carol)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).commitOffsets(commit));
            assertEquals("GROUP_AUTHORIZATION_FAILED", ErrorInfos.brokerError(noGroup).name());
            assertTrue(noGroup.getStatus().getDescription().contains("Read Group 'authz-group'"), noGroup.getStatus().getDescription());

            CommitOffsetsResponse[] r = new CommitOffsetsResponse[1];
            awaitApplied(() -> {
                try {
                    r[0] = GroupsGrpc.newBlockingStub(bob).withDeadlineAfter(10, TimeUnit.SECONDS).commitOffsets(commit);
                    return true;
                } catch (StatusRuntimeException notYet) {
                    return false;
                }
            }, "bob's group Read applied");
            Map<String, String> errors = r[0].getResultsList().stream().collect(Collectors.toMap(x -> x.getTopic(), x -> x.getError().getCode()));
            assertEquals("", errors.get("authz-commit"));
            assertEquals("TOPIC_AUTHORIZATION_FAILED", errors.get("authz-commit-other"));
            var committed = GroupsGrpc.newBlockingStub(cluster.channel(coordinator)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .fetchOffsets(io.tributary.api.v1.FetchOffsetsRequest.newBuilder().setGroupId(group).build()).getOffsetsList()
                    .stream().collect(Collectors.toMap(x -> x.getTopic(), x -> x.getOffset()));
            assertEquals(5L, committed.get("authz-commit"));
            assertFalse(committed.containsKey("authz-commit-other") && committed.get("authz-commit-other") >= 0,
                    "the refused partition was not committed: " + committed);
            // FindCoordinator needs Describe on the group: carol has nothing on it.
            var found = GroupsGrpc.newBlockingStub(carol).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .findCoordinator(FindCoordinatorRequest.newBuilder().addGroupIds(group).build()).getCoordinators(0);
            assertEquals("GROUP_AUTHORIZATION_FAILED", found.getError().getCode());
        } finally {
            SecureCluster.close(bob);
            SecureCluster.close(carol);
        }
    }

    @Test
    void aClientWithTopicRightsCannotReplicateOrAskLeaderEpochs() throws Exception {
        cluster.createTopic("authz-replica", 1, 3);
        int leader = cluster.leaderOf("authz-replica", 0);
        createAcls(1, allowTopic("authz-replica", "User:alice", AclOperation.ACL_OPERATION_ALL));
        ManagedChannel alice = SecureCluster.authenticated(cluster, leader, ca, "alice", "alice-secret");
        try {
            BlockingQueue<Object> events = new LinkedBlockingQueue<>();
            StreamObserver<ReplicaFetchRequest> req = ReplicationGrpc.newStub(alice).withDeadlineAfter(10, TimeUnit.SECONDS)
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
            int follower = cluster.runningBrokers().keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
            req.onNext(ReplicaFetchRequest.newBuilder().setReplicaId(follower)
                    .setBrokerEpoch(cluster.broker(follower).coordination().brokerEpoch()).setMaxWaitMs(0).setMaxBytes(1 << 20)
                    .addPartitions(ReplicaFetchPartition.newBuilder().setTopic("authz-replica").setPartition(0).setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20)).build());
            Object answer = events.poll(10, TimeUnit.SECONDS);
            assertTrue(answer instanceof StatusRuntimeException, String.valueOf(answer));
            assertEquals("CLUSTER_AUTHORIZATION_FAILED", ErrorInfos.brokerError((StatusRuntimeException) answer).name());
            assertTrue(((StatusRuntimeException) answer).getStatus().getDescription().contains("ClusterAction"));
            StatusRuntimeException epochs = assertThrows(StatusRuntimeException.class, () -> ReplicationGrpc.newBlockingStub(alice)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).offsetForLeaderEpoch(OffsetForLeaderEpochRequest.getDefaultInstance()));
            assertEquals("CLUSTER_AUTHORIZATION_FAILED", ErrorInfos.brokerError(epochs).name());
        } finally {
            SecureCluster.close(alice);
        }
    }

    @Test
    void aDenyOverridesAPrefixedAllowAndAWildcardAllowOpensEveryTopic() throws Exception {
        cluster.createTopic("deny-me", 1, 3);
        cluster.createTopic("deny-other", 1, 3);
        int leader = cluster.leaderOf("deny-me", 0);
        createAcls(2,
                acl(AclResourceType.ACL_RESOURCE_TYPE_TOPIC, "deny-", AclPatternType.ACL_PATTERN_TYPE_PREFIXED, "User:alice",
                        AclOperation.ACL_OPERATION_WRITE, AclPermissionType.ACL_PERMISSION_TYPE_ALLOW),
                acl(AclResourceType.ACL_RESOURCE_TYPE_TOPIC, "deny-me", AclPatternType.ACL_PATTERN_TYPE_LITERAL, "User:alice",
                        AclOperation.ACL_OPERATION_WRITE, AclPermissionType.ACL_PERMISSION_TYPE_DENY),
                acl(AclResourceType.ACL_RESOURCE_TYPE_TOPIC, "*", AclPatternType.ACL_PATTERN_TYPE_LITERAL, "User:carol",
                        AclOperation.ACL_OPERATION_DESCRIBE, AclPermissionType.ACL_PERMISSION_TYPE_ALLOW));
        ManagedChannel alice = SecureCluster.authenticated(cluster, leader, ca, "alice", "alice-secret");
        ManagedChannel carol = SecureCluster.authenticated(cluster, leader, ca, "carol", "carol-secret");
        try {
            awaitApplied(() -> names(carol).containsAll(Set.of("deny-me", "deny-other")),
                    "carol's wildcard Describe applied");
            int otherLeader = cluster.leaderOf("deny-other", 0);
            ManagedChannel aliceOther = SecureCluster.authenticated(cluster, otherLeader, ca, "alice", "alice-secret");
            try {
                assertTrue(TestClients.produce(aliceOther, "deny-other", 0, batch("ok"), -1).getError().getCode().isEmpty());
            } finally {
                SecureCluster.close(aliceOther);
            }
            assertEquals("TOPIC_AUTHORIZATION_FAILED", TestClients.produce(alice, "deny-me", 0, batch("denied"), -1).getError().getCode());
            assertEquals(0, endOffset("deny-me"));
        } finally {
            SecureCluster.close(alice);
            SecureCluster.close(carol);
        }
    }

    @Test
    void anAclDeletedThroughOneBrokerStopsApplyingOnAllOfThem() throws Exception {
        cluster.createTopic("authz-revoke", 1, 3);
        AclBinding write = allowTopic("authz-revoke", "User:alice", AclOperation.ACL_OPERATION_WRITE);
        createAcls(1, write);
        int leader = cluster.leaderOf("authz-revoke", 0);
        ManagedChannel alice = SecureCluster.authenticated(cluster, leader, ca, "alice", "alice-secret");
        try {
            awaitApplied(() -> TestClients.produce(alice, "authz-revoke", 0, batch("a"), 1).getError().getCode().isEmpty(), "Write applied");
            int other = cluster.runningBrokers().keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
            var deleted = SecurityGrpc.newBlockingStub(cluster.channel(other)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .deleteAcls(DeleteAclsRequest.newBuilder().addFilters(AclBindingFilter.newBuilder()
                            .setResourceType(AclResourceType.ACL_RESOURCE_TYPE_TOPIC).setResourceName("authz-revoke")
                            .setPatternType(AclPatternType.ACL_PATTERN_TYPE_LITERAL)).build()).getResults(0);
            assertEquals(1, deleted.getDeletedCount());
            long t0 = System.nanoTime();
            cluster.awaitCondition(() -> "TOPIC_AUTHORIZATION_FAILED".equals(
                    TestClients.produce(alice, "authz-revoke", 0, batch("b"), 1).getError().getCode()), 5_000, "the deletion applied on the leader");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 1_000, "the leader applied an ACL deleted through broker " + other + " after " + ms + " ms");
            assertEquals(0, SecurityGrpc.newBlockingStub(cluster.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .describeAcls(DescribeAclsRequest.newBuilder().setFilter(AclBindingFilter.newBuilder()
                            .setResourceType(AclResourceType.ACL_RESOURCE_TYPE_TOPIC).setResourceName("authz-revoke")).build())
                    .getAclsCount());
        } finally {
            SecureCluster.close(alice);
        }
    }

    @Test
    void onlyTheClusterAlterRightManagesAclsAndCredentials() throws Exception {
        ManagedChannel carol = SecureCluster.authenticated(cluster, 1, ca, "carol", "carol-secret");
        ManagedChannel admin = SecureCluster.tlsChannel(cluster, 1, SecureCluster.SASL_SSL, ca);
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> SecurityGrpc.newBlockingStub(carol)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).createAcls(CreateAclsRequest.newBuilder()
                            .addCreations(allowTopic("x", "User:carol", AclOperation.ACL_OPERATION_ALL)).build()));
            assertEquals("CLUSTER_AUTHORIZATION_FAILED", ErrorInfos.brokerError(e).name());
            StatusRuntimeException d = assertThrows(StatusRuntimeException.class, () -> SecurityGrpc.newBlockingStub(carol)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).describeUserScramCredentials(
                            io.tributary.api.v1.DescribeUserScramCredentialsRequest.getDefaultInstance()));
            assertEquals("CLUSTER_AUTHORIZATION_FAILED", ErrorInfos.brokerError(d).name());
            // A super user (in super.users) may.
            SecureCluster.createUser(cluster, "admin", "admin-secret");
            io.tributary.api.security.SaslAuthentication.authenticate(admin, "SCRAM-SHA-512", "admin", "admin-secret", 10_000);
            var users = SecurityGrpc.newBlockingStub(admin).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .describeUserScramCredentials(io.tributary.api.v1.DescribeUserScramCredentialsRequest.newBuilder()
                            .addUsers("alice").build()).getResults(0);
            assertEquals(2, users.getCredentialsCount());
            assertEquals(4096, users.getCredentials(0).getIterations());
        } finally {
            SecureCluster.close(carol);
            SecureCluster.close(admin);
        }
    }
}
