package io.tributary.coordination;

import io.tributary.api.security.ScramCredential;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SCRAM credentials in a real ZooKeeper, in Kafka's layout: written before any broker ever ran (the first super
 * user), read back per mechanism, described without secrets, removed mechanism by mechanism, with change
 * notifications; the znode holds no password.
 */
@Timeout(60)
class UserCredentialsTest {
    private TestingServer zk;
    private CuratorFramework client;
    private final ZkLayout layout = ZkLayout.defaultLayout();

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
        client = CuratorFrameworkFactory.newClient(zk.getConnectString(), 10_000, 5_000, new RetryOneTime(100));
        client.start();
        client.blockUntilConnected();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        zk.close();
    }

    @Test
    void credentialsRoundTripInKafkasLayoutBeforeAnyBrokerRan() throws Exception {
        UserCredentials users = new UserCredentials(client, layout);
        String user = "User:CN=admin,O=Acme";
        ScramCredential sha512 = new ScramFormatter(ScramMechanism.SCRAM_SHA_512).credential("hunter2", 8192);
        ScramCredential sha256 = new ScramFormatter(ScramMechanism.SCRAM_SHA_256).credential("hunter2", 4096);
        users.alter(user, Map.of(ScramMechanism.SCRAM_SHA_512, sha512, ScramMechanism.SCRAM_SHA_256, sha256), Set.of());

        assertEquals(sha512, users.scram(user, ScramMechanism.SCRAM_SHA_512).orElseThrow());
        assertEquals(Map.of(ScramMechanism.SCRAM_SHA_256, 4096, ScramMechanism.SCRAM_SHA_512, 8192), users.describe(user));
        assertEquals(List.of(user), users.users());
        String path = layout.userConfigsPath() + "/User%3ACN%3Dadmin%2CO%3DAcme";
        String stored = new String(client.getData().forPath(path), StandardCharsets.UTF_8);
        assertTrue(stored.startsWith("{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt="), stored);
        assertFalse(stored.contains("hunter2"), "no password in ZooKeeper");
        assertEquals(1, client.getChildren().forPath(layout.configChangesPath()).size(), "one change notification");

        users.alter(user, Map.of(), Set.of(ScramMechanism.SCRAM_SHA_256));
        assertTrue(users.scram(user, ScramMechanism.SCRAM_SHA_256).isEmpty());
        assertEquals(Map.of(ScramMechanism.SCRAM_SHA_512, 8192), users.describe(user));
        users.alter(user, Map.of(), Set.of(ScramMechanism.SCRAM_SHA_512));
        assertNull(client.checkExists().forPath(path), "a user without credentials leaves no znode");
        assertTrue(users.users().isEmpty());
        assertTrue(users.scram("nobody", ScramMechanism.SCRAM_SHA_512).isEmpty());
    }
}
