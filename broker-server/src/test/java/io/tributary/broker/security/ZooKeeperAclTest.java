package io.tributary.broker.security;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.server.auth.ProviderRegistry;
import org.apache.zookeeper.server.auth.SASLAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.security.auth.login.Configuration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code zookeeper.set.acl=true} against a three-node ensemble with SASL (DIGEST-MD5) authentication, as the ensemble
 * scripts start it: the brokers authenticate as {@code tributary}; an anonymous client (what zkCli is without
 * {@code --jaas}) and a client authenticated as another user can read the harmless znodes but not the SCRAM
 * credentials under {@code /config/users}, and can write, create, delete or re-ACL no Tributary znode.
 *
 * <p>JAAS and ZooKeeper's auth providers are JVM-wide: the JAAS file is installed before the ensemble starts and removed
 * after, so later tests in this JVM run without SASL (the SASL provider stays registered, which open ACLs ignore).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ZooKeeperAclTest {
    private static final String JAAS_PROPERTY = "java.security.auth.login.config";
    private static final String ROOT = "/tributary";
    private static final String FIPS_MODE = "zookeeper.fips-mode";
    private static String previousJaas;
    private static String previousFips;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void startSecuredEnsembleAndBrokers() throws Exception {
        Path jaas = Files.createTempFile("zk-jaas", ".conf");
        Files.writeString(jaas, """
                Server {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  user_tributary="zk-broker-secret" user_mallory="mallory-secret";
                };
                Client {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  username="tributary" password="zk-broker-secret";
                };
                MalloryClient {
                  org.apache.zookeeper.server.auth.DigestLoginModule required
                  username="mallory" password="mallory-secret";
                };
                """);
        previousJaas = System.setProperty(JAAS_PROPERTY, jaas.toString());
        Configuration.setConfiguration(null);
        // ZooKeeper 3.9 refuses DIGEST-MD5 in FIPS mode (the servers read this; clients get it per connection).
        previousFips = System.setProperty(FIPS_MODE, "false");
        String provider = "zookeeper.authProvider.sasl";
        System.setProperty(provider, SASLAuthenticationProvider.class.getName());
        ProviderRegistry.addOrUpdateProvider(provider);
        cluster = EmbeddedCluster.start(3, 2, Map.of(BrokerConfig.ZOOKEEPER_SET_ACL, true));
        cluster.createTopic("orders", 2, 2);
        SecureCluster.createUser(cluster, "alice", "alice-secret");
        cluster.anyRunningBroker().coordination().aclStore().add(List.of(new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW))));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (previousJaas == null) {
                System.clearProperty(JAAS_PROPERTY);
            } else {
                System.setProperty(JAAS_PROPERTY, previousJaas);
            }
            Configuration.setConfiguration(null);
            if (previousFips == null) {
                System.clearProperty(FIPS_MODE);
            } else {
                System.setProperty(FIPS_MODE, previousFips);
            }
        }
    }

    @Test
    void anAnonymousClientCannotReadScramCredentialsNorWriteAnyTributaryZnode() throws Exception {
        try (ZooKeeper anonymous = connect(null)) {
            assertCannotReadCredentialsOrWrite(anonymous);
        }
    }

    @Test
    void aClientAuthenticatedAsAnotherUserIsRefusedLikeAnAnonymousOne() throws Exception {
        try (ZooKeeper mallory = connect("MalloryClient")) {
            assertTrue(mallory.whoAmI().stream().anyMatch(i -> i.getAuthScheme().equals("sasl") && i.getUser().equals("mallory")),
                    "the test's other client did authenticate: " + mallory.whoAmI());
            assertCannotReadCredentialsOrWrite(mallory);
        }
    }

    @Test
    void everyZnodeUnderTheChrootIsOwnedByTheBrokersIdentityAndAtMostWorldReadable() throws Exception {
        try (ZooKeeper broker = connect("Client")) {
            List<String> checked = new ArrayList<>();
            Deque<String> todo = new ArrayDeque<>(List.of(ROOT));
            while (!todo.isEmpty()) {
                String path = todo.pop();
                List<ACL> acls;
                List<String> children;
                try {
                    acls = broker.getACL(path, new Stat());
                    children = broker.getChildren(path, false);
                } catch (KeeperException.NoNodeException goneMeanwhile) {
                    continue;
                }
                boolean sensitive = path.startsWith(ROOT + "/config/users") || path.startsWith(ROOT + "/config/brokers");
                for (ACL acl : acls) {
                    if (acl.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE)) {
                        assertTrue(!sensitive && acl.getPerms() == ZooDefs.Perms.READ, "world rights on " + path + ": " + acls);
                    } else {
                        assertEquals("sasl", acl.getId().getScheme(), path + ": " + acls);
                        assertEquals("tributary", acl.getId().getId(), path + ": " + acls);
                    }
                }
                assertTrue(acls.stream().anyMatch(a -> a.getId().getScheme().equals("sasl") && a.getPerms() == ZooDefs.Perms.ALL),
                        "the brokers' identity owns " + path + ": " + acls);
                checked.add(path);
                children.forEach(c -> todo.push(path + "/" + c));
            }
            assertTrue(checked.containsAll(Set.of(ROOT + "/brokers/ids/1", ROOT + "/brokers/topics/orders", ROOT + "/controller",
                    ROOT + "/config/users/alice", ROOT + "/kafka-acl/Topic/orders")), "walked " + checked);
        }
    }

    private static void assertCannotReadCredentialsOrWrite(ZooKeeper zk) throws Exception {
        // Harmless metadata stays readable, as in Kafka: operators browse it with zkCli.
        assertTrue(new String(zk.getData(ROOT + "/brokers/topics/orders", false, null)).contains("partitions"));
        zk.getChildren(ROOT + "/brokers/ids", false);
        // SCRAM salts and keys are not.
        assertThrows(KeeperException.NoAuthException.class, () -> zk.getData(ROOT + "/config/users/alice", false, null));
        assertThrows(KeeperException.NoAuthException.class, () -> zk.getChildren(ROOT + "/config/users", false));
        // Nothing can be changed, added, removed or re-ACLed.
        byte[] junk = "{\"version\":1,\"partitions\":{}}".getBytes();
        for (String path : List.of(ROOT + "/brokers/topics/orders", ROOT + "/brokers/topics/orders/partitions/0/state",
                ROOT + "/brokers/ids/1", ROOT + "/controller", ROOT + "/kafka-acl/Topic/orders")) {
            assertThrows(KeeperException.NoAuthException.class, () -> zk.setData(path, junk, -1), "setData " + path);
            assertThrows(KeeperException.NoAuthException.class, () -> zk.setACL(path, ZooDefs.Ids.OPEN_ACL_UNSAFE, -1), "setACL " + path);
        }
        for (String path : List.of(ROOT + "/brokers/topics/evil", ROOT + "/admin/delete_topics/orders", ROOT + "/config/users/mallory",
                ROOT + "/kafka-acl/Topic/evil", ROOT + "/controller_epoch_evil")) {
            assertThrows(KeeperException.NoAuthException.class,
                    () -> zk.create(path, junk, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT), "create " + path);
        }
        for (String path : List.of(ROOT + "/controller", ROOT + "/brokers/ids/1", ROOT + "/config/users/alice")) {
            assertThrows(KeeperException.NoAuthException.class, () -> zk.delete(path, -1), "delete " + path);
        }
        // And the brokers still serve: the refused writes changed nothing.
        assertEquals(2, cluster.anyRunningBroker().coordination().metadata().brokers().size());
    }

    /** A plain ZooKeeper client as zkCli is one; {@code jaasSection} null: anonymous (SASL off). */
    private static ZooKeeper connect(String jaasSection) throws Exception {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, Boolean.toString(jaasSection != null));
        if (jaasSection != null) {
            config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, jaasSection);
            config.setProperty(FIPS_MODE, "false");
        }
        CountDownLatch connected = new CountDownLatch(1);
        CountDownLatch authenticated = new CountDownLatch(jaasSection == null ? 0 : 1);
        ZooKeeper zk = new ZooKeeper(cluster.zookeeper().getConnectString(), 10_000, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            } else if (event.getState() == Watcher.Event.KeeperState.SaslAuthenticated) {
                authenticated.countDown();
            }
        }, config);
        if (!connected.await(15, TimeUnit.SECONDS) || !authenticated.await(15, TimeUnit.SECONDS)) {
            zk.close();
            throw new AssertionError("could not connect to ZooKeeper" + (jaasSection == null ? "" : " as " + jaasSection));
        }
        return zk;
    }
}
