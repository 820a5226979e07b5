package io.tributary.client.tools;

import io.tributary.api.security.ScramCredential;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;
import io.tributary.client.admin.UserScramCredentialUpsertion;
import io.tributary.client.tools.ToolCommand.ToolException;
import io.tributary.coordination.UserCredentials;
import io.tributary.coordination.ZkConnect;
import io.tributary.coordination.ZkClientSecurity;
import io.tributary.coordination.ZkSupport;
import org.apache.curator.framework.CuratorFramework;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * SCRAM credentials read and written straight in ZooKeeper, for {@code tributary-configs.sh --zookeeper}: Kafka's way
 * to create the first (super) user before any broker runs, when no broker could yet authenticate an admin client.
 * The credential is made here (random salt, {@code iterations} rounds) and only its salt and keys are stored, in
 * Kafka's layout under {@code <chroot>/config/users/<user>} with a change notification, so running brokers pick it up.
 * The only class of the SDK that talks to ZooKeeper. As Kafka's tools do ({@code JaasUtils.isZkSaslEnabled}), when
 * the JVM has a JAAS file with a {@code Client} section ({@code -Djava.security.auth.login.config}, e.g. through
 * {@code TRIBUTARY_TOOL_OPTS}), the client SASL-authenticates and creates with the brokers' secure ACLs
 * ({@code zookeeper.set.acl=true}); without one it connects anonymously and sets none.
 *
 * <p>Not thread-safe: one instance per tool run.
 */
final class ZookeeperScramCredentials implements AutoCloseable {
    private static final int SESSION_TIMEOUT_MS = 30_000;
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final ZkConnect connect;
    private final CuratorFramework client;
    private final UserCredentials credentials;

    /**
     * @param zookeeper {@code host:port[,host:port...][/chroot]}, the brokers' {@code zookeeper.connect} (chroot
     *                  {@code /tributary} when none is named)
     */
    ZookeeperScramCredentials(String zookeeper) throws InterruptedException {
        try {
            this.connect = ZkConnect.parse(zookeeper);
            connect.layout();
        } catch (IllegalArgumentException e) {
            throw new ToolException("invalid --zookeeper '" + zookeeper + "': " + e.getMessage());
        }
        ZkClientSecurity security = ZkClientSecurity.DEFAULT.saslConfigured()
                ? ZkClientSecurity.secure(ZkClientSecurity.DEFAULT_SASL_CLIENT_CONFIG) : ZkClientSecurity.DEFAULT;
        this.client = ZkSupport.newClient(connect, SESSION_TIMEOUT_MS, CONNECT_TIMEOUT_MS, security);
        client.start();
        if (!client.blockUntilConnected(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            client.close();
            throw new ToolException("could not connect to ZooKeeper at " + connect.hosts() + " within " + CONNECT_TIMEOUT_MS + " ms");
        }
        try {
            ZkSupport.requireAuthenticated(client, security);
        } catch (Exception e) {
            client.close();
            throw new ToolException(e.getMessage());
        }
        this.credentials = new UserCredentials(client, connect.layout());
    }

    void alter(String user, List<UserScramCredentialUpsertion> upsertions, Set<ScramMechanism> deletions) throws Exception {
        Map<ScramMechanism, ScramCredential> upserts = new EnumMap<>(ScramMechanism.class);
        for (UserScramCredentialUpsertion u : upsertions) {
            upserts.put(u.info().mechanism(), new ScramFormatter(u.info().mechanism()).credential(u.password(), u.info().iterations()));
        }
        credentials.alter(user, upserts, deletions);
    }

    /** Mechanism to iteration count; empty for a user without credentials. */
    Map<ScramMechanism, Integer> describe(String user) throws Exception {
        return credentials.describe(user);
    }

    List<String> users() throws Exception {
        return credentials.users();
    }

    @Override
    public void close() {
        client.close();
    }
}
