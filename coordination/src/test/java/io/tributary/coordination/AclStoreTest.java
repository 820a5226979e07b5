package io.tributary.coordination;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ACLs in a real ZooKeeper, in Kafka's layout, before any broker ran against the chroot: the znodes and change
 * notifications read as Kafka writes them, prefixed patterns in the extended tree, names escaped into one segment, adds
 * idempotent, removes by filter touching only what the filter can match, concurrent writers losing nothing, and a
 * malformed znode skipped while the rest loads.
 */
@Timeout(60)
class AclStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestingServer zk;
    private CuratorFramework client;
    private CuratorFramework other;
    private final ZkLayout layout = ZkLayout.defaultLayout();

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
        client = CuratorFrameworkFactory.newClient(zk.getConnectString(), 10_000, 5_000, new RetryNTimes(10, 100));
        other = CuratorFrameworkFactory.newClient(zk.getConnectString(), 10_000, 5_000, new RetryNTimes(10, 100));
        client.start();
        other.start();
        client.blockUntilConnected();
        other.blockUntilConnected();
    }

    @AfterEach
    void stop() throws Exception {
        other.close();
        client.close();
        zk.close();
    }

    static AclBinding binding(ResourceType type, String name, PatternType pt, String principal, AclOperation op,
                              AclPermissionType perm) {
        return new AclBinding(new ResourcePattern(type, name, pt), new AccessControlEntry(principal, "*", op, perm));
    }

    private String text(String path) throws Exception {
        return new String(client.getData().forPath(path), StandardCharsets.UTF_8);
    }

    private List<String> changes(String parent) throws Exception {
        List<String> out = new ArrayList<>(client.getChildren().forPath(parent));
        out.sort(null);
        return out;
    }

    @Test
    void aclsRoundTripInKafkasJsonUnderKafkaAclBeforeAnyBrokerRan() throws Exception {
        AclStore store = new AclStore(client, layout);
        AclBinding read = binding(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding clusterAction = binding(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:broker",
                AclOperation.CLUSTER_ACTION, AclPermissionType.ALLOW);
        assertEquals(Set.of(read, clusterAction), store.add(List.of(read, clusterAction)));

        // The bytes are Kafka's ResourceZNode document, field for field.
        assertEquals(JSON.readTree("{\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":\"Allow\","
                        + "\"operation\":\"Read\",\"host\":\"*\"}]}"),
                JSON.readTree(text("/tributary/kafka-acl/Topic/orders")));
        assertEquals(JSON.readTree("{\"version\":1,\"acls\":[{\"principal\":\"User:broker\",\"permissionType\":\"Allow\","
                        + "\"operation\":\"ClusterAction\",\"host\":\"*\"}]}"),
                JSON.readTree(text("/tributary/kafka-acl/Cluster/kafka-cluster")));
        // One LITERAL change notification per resource, in Kafka's ResourceType:name form.
        List<String> literalChanges = changes("/tributary/kafka-acl-changes");
        assertEquals(List.of("acl_changes_0000000000", "acl_changes_0000000001"), literalChanges);
        assertEquals(Set.of("TOPIC:orders", "CLUSTER:kafka-cluster"),
                Set.of(text("/tributary/kafka-acl-changes/" + literalChanges.get(0)), text("/tributary/kafka-acl-changes/" + literalChanges.get(1))));
        // The containers Kafka's authorizer creates are there.
        for (String type : List.of("Topic", "Group", "Cluster", "TransactionalId")) {
            assertNotNull(client.checkExists().forPath("/tributary/kafka-acl/" + type), type);
            assertNotNull(client.checkExists().forPath("/tributary/kafka-acl-extended/prefixed/" + type), type);
        }
        assertNotNull(client.checkExists().forPath("/tributary/kafka-acl-extended-changes"));

        assertEquals(Map.of(read.pattern(), Set.of(read.entry()), clusterAction.pattern(), Set.of(clusterAction.entry())),
                new AclStore(other, layout).loadAll());
        assertEquals(Set.of(read.entry()), new AclStore(other, layout).load(read.pattern()));
    }

    @Test
    void prefixedAclsAreStoredUnderKafkaAclExtendedWithAJsonChangeEvent() throws Exception {
        AclStore store = new AclStore(client, layout);
        AclBinding deny = binding(ResourceType.GROUP, "team-", PatternType.PREFIXED, "User:bob", AclOperation.READ, AclPermissionType.DENY);
        store.add(List.of(deny));

        assertEquals(JSON.readTree("{\"version\":1,\"acls\":[{\"principal\":\"User:bob\",\"permissionType\":\"Deny\","
                + "\"operation\":\"Read\",\"host\":\"*\"}]}"), JSON.readTree(text("/tributary/kafka-acl-extended/prefixed/Group/team-")));
        assertNull(client.checkExists().forPath("/tributary/kafka-acl/Group/team-"), "not in the literal tree");
        List<String> extended = changes("/tributary/kafka-acl-extended-changes");
        assertEquals(1, extended.size());
        assertEquals(JSON.readTree("{\"version\":1,\"resourceType\":\"GROUP\",\"name\":\"team-\",\"patternType\":\"PREFIXED\"}"),
                JSON.readTree(text("/tributary/kafka-acl-extended-changes/" + extended.get(0))));
        assertEquals(List.of(), changes("/tributary/kafka-acl-changes"), "no literal change for a prefixed pattern");
        assertEquals(Map.of(deny.pattern(), Set.of(deny.entry())), store.loadAll());
    }

    @Test
    void changeNotificationsInEitherKafkaSpellingAreUnderstood() {
        // Kafka 2.4+ writes the enum name, Kafka up to 2.3 wrote Topic / TransactionalId; the name keeps its colons.
        assertEquals(ResourcePattern.literal(ResourceType.TOPIC, "orders"), AclChangeEvent.decode(bytes("Topic:orders"), false));
        assertEquals(ResourcePattern.literal(ResourceType.GROUP, "PREFIXED:a:b"), AclChangeEvent.decode(bytes("GROUP:PREFIXED:a:b"), false));
        assertEquals(ResourcePattern.literal(ResourceType.TRANSACTIONAL_ID, "tx"), AclChangeEvent.decode(bytes("TransactionalId:tx"), false));
        assertEquals(ResourcePattern.prefixed(ResourceType.TRANSACTIONAL_ID, "tx-"), AclChangeEvent.decode(
                bytes("{\"version\":1,\"resourceType\":\"TRANSACTIONAL_ID\",\"name\":\"tx-\",\"patternType\":\"PREFIXED\"}"), true));
        assertEquals(ResourcePattern.prefixed(ResourceType.TOPIC, "t"), AclChangeEvent.decode(
                bytes("{\"version\":1,\"resourceType\":\"Topic\",\"name\":\"t\",\"patternType\":\"PREFIXED\"}"), true));
        assertThrows(CorruptMetadataException.class, () -> AclChangeEvent.decode(bytes("no-colon"), false));
        assertThrows(CorruptMetadataException.class, () -> AclChangeEvent.decode(bytes("DelegationToken:x"), false));
        assertThrows(CorruptMetadataException.class, () -> AclChangeEvent.decode(bytes("{\"version\":1}"), true));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void namesWithSlashPercentOrDotsBecomeOneEscapedSegmentAndTheWildcardStaysRaw() throws Exception {
        AclStore store = new AclStore(client, layout);
        Map<String, String> groupSegments = Map.of("team/a%b", "team%2Fa%25b", ".", "%2E", "..", "%2E%2E", "%2E", "%252E", "a.b", "a.b");
        List<AclBinding> bindings = new ArrayList<>();
        groupSegments.keySet().forEach(name -> bindings.add(
                binding(ResourceType.GROUP, name, PatternType.LITERAL, "User:a", AclOperation.READ, AclPermissionType.ALLOW)));
        bindings.add(binding(ResourceType.TRANSACTIONAL_ID, "app/tx-", PatternType.PREFIXED, "User:a", AclOperation.WRITE, AclPermissionType.ALLOW));
        bindings.add(binding(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:*", AclOperation.DESCRIBE, AclPermissionType.ALLOW));
        store.add(bindings);

        groupSegments.forEach((name, segment) -> {
            try {
                assertNotNull(client.checkExists().forPath("/tributary/kafka-acl/Group/" + segment), name + " -> " + segment);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertNotNull(client.checkExists().forPath("/tributary/kafka-acl-extended/prefixed/TransactionalId/app%2Ftx-"));
        assertNotNull(client.checkExists().forPath("/tributary/kafka-acl/Topic/*"), "the wildcard is a node named *, as in Kafka");
        Set<ResourcePattern> expected = new java.util.HashSet<>();
        bindings.forEach(b -> expected.add(b.pattern()));
        assertEquals(expected, store.loadAll().keySet(), "names decode back");
    }

    @Test
    void addingTheSameAclTwiceWritesNothingTheSecondTime() throws Exception {
        AclStore store = new AclStore(client, layout);
        AclBinding read = binding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:alice", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding write = binding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:alice", AclOperation.WRITE, AclPermissionType.ALLOW);
        assertEquals(Set.of(read, write), store.add(List.of(read, write)));
        int version = client.checkExists().forPath("/tributary/kafka-acl/Topic/t").getVersion();
        int notifications = changes("/tributary/kafka-acl-changes").size();

        assertEquals(Set.of(), store.add(List.of(read, write)));
        assertEquals(Set.of(), new AclStore(other, layout).add(List.of(write)));
        assertEquals(version, client.checkExists().forPath("/tributary/kafka-acl/Topic/t").getVersion(), "no write");
        assertEquals(notifications, changes("/tributary/kafka-acl-changes").size(), "no notification");
        assertEquals(List.of(read, write), store.describe(AclBindingFilter.ANY));
    }

    @Test
    void removingByFilterReturnsWhatWentAndDeletesAnEmptiedResource() throws Exception {
        AclStore store = new AclStore(client, layout);
        AclBinding read = binding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:alice", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding write = binding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:alice", AclOperation.WRITE, AclPermissionType.ALLOW);
        AclBinding bob = binding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:bob", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding group = binding(ResourceType.GROUP, "g", PatternType.PREFIXED, "User:alice", AclOperation.READ, AclPermissionType.ALLOW);
        store.add(List.of(read, write, bob, group));

        AclBindingFilter alicesOnT = new AclBindingFilter(Optional.of(ResourceType.TOPIC), Optional.of("t"), Optional.empty(), false,
                Optional.of("User:alice"), Optional.empty(), Optional.empty(), Optional.empty());
        assertEquals(Set.of(read, write), store.remove(alicesOnT));
        assertEquals(Set.of(), store.remove(alicesOnT), "removing again removes nothing");
        assertEquals(List.of(bob, group), store.describe(AclBindingFilter.ANY));

        assertEquals(Set.of(bob, group), store.remove(AclBindingFilter.ANY));
        assertNull(client.checkExists().forPath("/tributary/kafka-acl/Topic/t"), "an emptied resource's znode goes");
        assertNull(client.checkExists().forPath("/tributary/kafka-acl-extended/prefixed/Group/g"));
        assertEquals(Map.of(), store.loadAll());
    }

    @Test
    void aMatchFilterFindsTheLiteralNameTheWildcardAndEveryPrefix() throws Exception {
        AclStore store = new AclStore(client, layout);
        AclBinding literal = binding(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:a", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding wildcard = binding(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:a", AclOperation.WRITE, AclPermissionType.DENY);
        AclBinding prefix = binding(ResourceType.TOPIC, "ord", PatternType.PREFIXED, "User:a", AclOperation.DESCRIBE, AclPermissionType.ALLOW);
        AclBinding otherPrefix = binding(ResourceType.TOPIC, "x", PatternType.PREFIXED, "User:a", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding otherTopic = binding(ResourceType.TOPIC, "order", PatternType.LITERAL, "User:a", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding sameNameGroup = binding(ResourceType.GROUP, "orders", PatternType.LITERAL, "User:a", AclOperation.READ, AclPermissionType.ALLOW);
        store.add(List.of(literal, wildcard, prefix, otherPrefix, otherTopic, sameNameGroup));

        AclBindingFilter match = new AclBindingFilter(Optional.of(ResourceType.TOPIC), Optional.of("orders"), Optional.empty(), true,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        assertEquals(List.of(wildcard, literal, prefix), store.describe(match));
        assertEquals(Set.of(wildcard, literal, prefix), store.remove(match));
        assertEquals(List.of(otherTopic, otherPrefix, sameNameGroup), store.describe(AclBindingFilter.ANY));
    }

    @Test
    void aFilterThatNamesAResourceReadsOnlyWhatItCanMatch() throws Exception {
        AclStore store = new AclStore(client, layout);
        AclBinding t = binding(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:a", AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding g = binding(ResourceType.GROUP, "g", PatternType.LITERAL, "User:a", AclOperation.READ, AclPermissionType.ALLOW);
        store.add(List.of(t, g));
        // Make the Group tree unreadable to this client: anything that lists or reads it now fails with NoAuth.
        List<ACL> nobody = List.of(new ACL(ZooDefs.Perms.ALL, new Id("digest", "nobody:bm9ib2R5LXBhc3N3b3Jk")));
        client.setACL().withACL(nobody).forPath("/tributary/kafka-acl/Group/g");
        client.setACL().withACL(nobody).forPath("/tributary/kafka-acl/Group");
        assertThrows(KeeperException.NoAuthException.class, () -> store.describe(AclBindingFilter.ANY), "the guard works");

        assertEquals(List.of(t), store.describe(AclBindingFilter.exactly(t)), "one znode read");
        AclBindingFilter topics = new AclBindingFilter(Optional.of(ResourceType.TOPIC), Optional.empty(), Optional.empty(), false,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        assertEquals(List.of(t), store.describe(topics), "one resource type listed");
        assertEquals(Set.of(t), store.remove(AclBindingFilter.exactly(t)));
    }

    @Test
    void concurrentWritersToOneResourceLoseNothing() throws Exception {
        int writers = 4;
        int perWriter = 10;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                CuratorFramework c = w % 2 == 0 ? client : other;
                int writer = w;
                done.add(pool.submit(() -> {
                    AclStore s = new AclStore(c, layout);
                    for (int i = 0; i < perWriter; i++) {
                        s.add(List.of(binding(ResourceType.TOPIC, "contended", PatternType.LITERAL, "User:w" + writer + "-" + i,
                                AclOperation.READ, AclPermissionType.ALLOW)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(writers * perWriter, new AclStore(client, layout).load(ResourcePattern.literal(ResourceType.TOPIC, "contended")).size());
        assertEquals(writers * perWriter, changes("/tributary/kafka-acl-changes").size(), "every write notified, each once");
    }

    @Test
    void aMalformedZnodeIsSkippedAndTheRestLoads() throws Exception {
        AclStore store = new AclStore(client, layout);
        AclBinding good = binding(ResourceType.TOPIC, "good", PatternType.LITERAL, "User:a", AclOperation.READ, AclPermissionType.ALLOW);
        store.add(List.of(good));
        String unknownOperation = "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\",\"operation\":\"Fly\",\"host\":\"*\"}]}";
        put("/tributary/kafka-acl/Topic/not-json", "{not json");
        put("/tributary/kafka-acl/Topic/unknown-operation", unknownOperation);
        put("/tributary/kafka-acl/Topic/future-version", "{\"version\":2,\"acls\":[]}");
        put("/tributary/kafka-acl/Topic/no-principal", "{\"version\":1,\"acls\":[{\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"}]}");
        put("/tributary/kafka-acl-extended/prefixed/Group/empty", "");
        put("/tributary/kafka-acl/DelegationToken/token-1", "{\"version\":1,\"acls\":[]}");

        assertEquals(Map.of(good.pattern(), Set.of(good.entry())), store.loadAll());
        assertEquals(Set.of(), store.load(ResourcePattern.literal(ResourceType.TOPIC, "unknown-operation")));
        assertEquals(List.of(good), store.describe(AclBindingFilter.ANY));

        // A remove leaves the malformed znode alone; an add replaces it with a document that parses.
        assertEquals(Set.of(), store.remove(AclBindingFilter.ANY.equals(AclBindingFilter.ANY)
                ? new AclBindingFilter(Optional.of(ResourceType.TOPIC), Optional.of("unknown-operation"), Optional.of(PatternType.LITERAL),
                false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()) : null));
        assertEquals(unknownOperation, text("/tributary/kafka-acl/Topic/unknown-operation"));
        AclBinding fix = binding(ResourceType.TOPIC, "unknown-operation", PatternType.LITERAL, "User:a", AclOperation.WRITE, AclPermissionType.ALLOW);
        assertEquals(Set.of(fix), store.add(List.of(fix)));
        assertEquals(Set.of(fix.entry()), store.load(fix.pattern()));
    }

    private void put(String path, String data) throws Exception {
        client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, data.getBytes(StandardCharsets.UTF_8));
    }
}
