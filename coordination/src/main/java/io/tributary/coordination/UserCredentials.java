package io.tributary.coordination;

import io.tributary.api.security.ScramCredential;
import io.tributary.api.security.ScramMechanism;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * SCRAM credentials in {@code /config/users/<user>}, laid out as Kafka lays them out
 * ({@code {"version":1,"config":{"SCRAM-SHA-512":"salt=..,stored_key=..,server_key=..,iterations=4096"}}}): only what
 * a server needs to check a proof, never a password. Changes are compare-and-set on the znode's version plus a
 * change notification ({@code users/<user>}), so brokers caching credentials learn of them; usable before any broker
 * runs (an operator's first super user is created straight in ZooKeeper, as with Kafka).
 *
 * <p>Thread-safe (stateless over the Curator client).
 */
public final class UserCredentials {
    private static final int CAS_ATTEMPTS = 5;

    private final CuratorFramework client;
    private final ZkLayout layout;

    public UserCredentials(CuratorFramework client, ZkLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    /** The user's credential for {@code mechanism}, if it has one; a malformed stored value counts as none. */
    public Optional<ScramCredential> scram(String user, ScramMechanism mechanism) throws Exception {
        String value = read(user).config().get(mechanism.mechanismName());
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ScramCredential.parse(value));
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
    }

    /** The mechanisms a user has credentials for, with their iteration counts (what describe may show). */
    public Map<ScramMechanism, Integer> describe(String user) throws Exception {
        Map<ScramMechanism, Integer> out = new EnumMap<>(ScramMechanism.class);
        for (Map.Entry<String, String> e : read(user).config().entrySet()) {
            ScramMechanism.forName(e.getKey()).ifPresent(m -> {
                try {
                    out.put(m, ScramCredential.parse(e.getValue()).iterations());
                } catch (IllegalArgumentException malformed) {
                    out.put(m, -1);
                }
            });
        }
        return out;
    }

    /** Users with a config znode, in name order. */
    public List<String> users() throws Exception {
        List<String> out = new ArrayList<>();
        for (String child : ZkSupport.children(client, layout.userConfigsPath())) {
            out.add(ZkLayout.desanitize(child));
        }
        out.sort(null);
        return out;
    }

    /**
     * Sets and removes credentials of one user in one write; the user's znode goes when nothing is left in it.
     *
     * @throws ConcurrentModificationException when other writers kept winning
     */
    public void alter(String user, Map<ScramMechanism, ScramCredential> upserts, Set<ScramMechanism> deletions) throws Exception {
        String path = layout.userConfigPath(user);
        // Before any broker ran against this chroot (the first super user), the containers may not exist yet.
        ZkSupport.createIfAbsent(client, layout.userConfigsPath(), new byte[0]);
        ZkSupport.createIfAbsent(client, layout.configChangesPath(), new byte[0]);
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Stat stat = new Stat();
            Optional<byte[]> data = ZkSupport.readData(client, path, stat);
            boolean exists = data.isPresent();
            SortedMap<String, String> config = new TreeMap<>(data.map(EntityConfig.CODEC::decode).orElse(EntityConfig.empty()).config());
            deletions.forEach(m -> config.remove(m.mechanismName()));
            upserts.forEach((m, c) -> config.put(m.mechanismName(), c.format()));
            List<CuratorOp> ops = new ArrayList<>();
            byte[] doc = EntityConfig.CODEC.encode(new EntityConfig(config));
            if (!exists) {
                if (config.isEmpty()) {
                    return;
                }
                ops.add(client.transactionOp().create().forPath(path, doc));
            } else if (config.isEmpty()) {
                ops.add(client.transactionOp().delete().withVersion(stat.getVersion()).forPath(path));
            } else {
                ops.add(client.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, doc));
            }
            ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(layout.configChangePrefixPath(),
                    ConfigChangeNotification.CODEC.encode(new ConfigChangeNotification("users/" + ZkLayout.sanitize(user)))));
            try {
                client.transaction().forOperations(ops);
                return;
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException | KeeperException.NoNodeException raced) {
                // Another writer changed the user in between: read again and reapply.
            }
        }
        throw new ConcurrentModificationException("the credentials of user " + user + " kept changing under "
                + CAS_ATTEMPTS + " attempts to alter them; retry");
    }

    private EntityConfig read(String user) throws Exception {
        return ZkSupport.readData(client, layout.userConfigPath(user), null).map(EntityConfig.CODEC::decode).orElse(EntityConfig.empty());
    }
}
