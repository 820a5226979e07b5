package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.tributary.api.v1.AclBinding;
import io.tributary.api.v1.AclOperation;
import io.tributary.api.v1.AclPatternType;
import io.tributary.api.v1.AclPermissionType;
import io.tributary.api.v1.AclResourceType;
import io.tributary.api.v1.CreateAclsRequest;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A one-broker cluster for running the example clients over SASL_SSL: a throwaway CA (its certificate as PEM, what
 * a non-Java client trusts), {@link SecureCluster}'s listeners and ACL authorizer, and one SCRAM user who starts
 * with no ACLs at all, so a test can show the user refused first and then served once granted.
 */
final class SaslExampleCluster implements AutoCloseable {
    private final Path dir;
    private final TestCertificates ca;
    private final EmbeddedCluster cluster;
    private final String user;
    private final String password;

    private SaslExampleCluster(Path dir, TestCertificates ca, EmbeddedCluster cluster, String user, String password) {
        this.dir = dir;
        this.ca = ca;
        this.cluster = cluster;
        this.user = user;
        this.password = password;
    }

    static SaslExampleCluster start(String user, String password) throws Exception {
        Path dir = Files.createTempDirectory("tributary-sasl-example");
        TestCertificates ca = TestCertificates.newAuthority(dir, "cluster");
        EmbeddedCluster cluster = EmbeddedCluster.start(1, 1, SecureCluster.brokerProps(ca, Map.of()));
        try {
            SecureCluster.createUser(cluster, user, password);
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return new SaslExampleCluster(dir, ca, cluster, user, password);
    }

    /** host:port of the SASL_SSL listener; its metadata advertises the broker on that listener too. */
    String saslSslAddress() {
        return "127.0.0.1:" + cluster.broker(1).port(SecureCluster.SASL_SSL);
    }

    Path caPem() {
        return ca.caPem();
    }

    /** The certificate of a CA that signed nothing the broker presents: a client trusting only it must refuse. */
    Path otherCaPem() throws Exception {
        return TestCertificates.newAuthority(dir, "other").caPem();
    }

    String principal() {
        return "User:" + user;
    }

    /**
     * Allows the user {@code ops} on every topic named {@code prefix...}, through the Security API as the harness's
     * super user, and returns once the broker applies them (its ACL cache follows ZooKeeper asynchronously).
     */
    void allowTopicPrefix(String prefix, AclOperation... ops) throws InterruptedException {
        CreateAclsRequest.Builder request = CreateAclsRequest.newBuilder();
        for (AclOperation op : ops) {
            request.addCreations(AclBinding.newBuilder().setResourceType(AclResourceType.ACL_RESOURCE_TYPE_TOPIC)
                    .setResourceName(prefix).setPatternType(AclPatternType.ACL_PATTERN_TYPE_PREFIXED).setPrincipal(principal())
                    .setHost("*").setOperation(op).setPermissionType(AclPermissionType.ACL_PERMISSION_TYPE_ALLOW));
        }
        SecurityGrpc.newBlockingStub(cluster.channel(1)).withDeadlineAfter(10, TimeUnit.SECONDS).createAcls(request.build())
                .getResultsList().forEach(r -> assertTrue(r.getCode().isEmpty(), r.toString()));
        // All of them live in one ZooKeeper node (one resource), so the cache takes them in together; any one that
        // grants Describe shows they are in.
        ManagedChannel probe = SecureCluster.authenticated(cluster, 1, ca, user, password);
        try {
            ListOffsetsRequest describe = ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition.newBuilder()
                    .setTopic(prefix + "acl-probe").setPartition(0).setTimestamp(-1)).build();
            cluster.awaitCondition(() -> !MetadataGrpc.newBlockingStub(probe).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listOffsets(describe).getPartitions(0).getError().getCode().equals("TOPIC_AUTHORIZATION_FAILED"),
                    10_000, "the ACLs on topics " + prefix + "* applied for " + principal());
        } finally {
            SecureCluster.close(probe);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            cluster.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // A leftover throwaway certificate in the temp directory harms nothing.
                    }
                });
            }
        }
    }
}
