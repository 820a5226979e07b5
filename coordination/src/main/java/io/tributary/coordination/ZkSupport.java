package io.tributary.coordination;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Client construction, bootstrap of the persistent layout and small read helpers shared by the stores.
 * Stateless and thread-safe.
 */
public final class ZkSupport {
    private ZkSupport() {
    }

    /**
     * A Curator client for the ensemble (no Curator namespace: paths carry the chroot, see {@link ZkConnect}).
     * Retries are bounded so that a call made while the ensemble has no quorum fails within a few seconds
     * instead of hanging the caller. Curator's ensemble tracker is off: it would replace the configured
     * {@code zookeeper.connect} hosts with the addresses the servers advertise in {@code /zookeeper/config},
     * which are wrong behind NAT, proxies or container networks.
     *
     * @throws SecurityException when {@code zookeeper.set.acl=true} but the client has no way to authenticate
     */
    public static CuratorFramework newClient(CoordinationConfig config) {
        return newClient(config.zkConnect(), config.sessionTimeoutMs(), config.connectionTimeoutMs(), config.zkSecurity());
    }

    /**
     * A client as above, for tools that have no broker config. SASL and the JAAS section are set on this client only
     * ({@link ZkClientSecurity#clientConfig()}); with {@code setAcl} every znode it creates gets Kafka's secure ACLs
     * ({@link ZkAclProvider}). Call {@link #requireAuthenticated} once connected.
     *
     * @throws SecurityException when {@code setAcl} is true but the client has no way to authenticate
     */
    public static CuratorFramework newClient(ZkConnect connect, int sessionTimeoutMs, int connectionTimeoutMs, ZkClientSecurity security) {
        security.requireAuthenticationPossible();
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(connect.hosts())
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectionTimeoutMs(connectionTimeoutMs)
                .retryPolicy(new BoundedExponentialBackoffRetry(100, 1_000, 3))
                .ensembleTracker(false)
                .zkClientConfig(security.clientConfig());
        if (security.setAcl()) {
            builder.aclProvider(new ZkAclProvider(connect.layout()));
        }
        return builder.build();
    }

    /**
     * With {@code setAcl}, checks that the connected session is SASL-authenticated (ZooKeeper's {@code whoami},
     * servers 3.7+); wrong credentials are caught here rather than as InvalidACL on the first create.
     *
     * @throws SecurityException naming what to fix
     */
    public static void requireAuthenticated(CuratorFramework client, ZkClientSecurity security) throws Exception {
        if (security.setAcl()) {
            security.requireAuthenticated(client.getZookeeperClient().getZooKeeper().whoAmI());
        }
    }

    /** Creates the persistent containers and {@code /controller_epoch}; safe to call from every broker. */
    public static void bootstrap(CuratorFramework client, ZkLayout layout) throws Exception {
        for (String path : layout.persistentPaths()) {
            createIfAbsent(client, path, new byte[0]);
        }
        createIfAbsent(client, layout.controllerEpochPath(), ControllerElection.encodeEpoch(0));
    }

    /** The cluster id, creating it if this is the first broker ever to start against this chroot. */
    public static String ensureClusterId(CuratorFramework client, ZkLayout layout) throws Exception {
        Optional<byte[]> existing = readData(client, layout.clusterIdPath(), null);
        if (existing.isPresent()) {
            return ClusterIdDocument.CODEC.decode(existing.get()).id();
        }
        byte[] doc = ClusterIdDocument.CODEC.encode(new ClusterIdDocument(UUID.randomUUID().toString()));
        try {
            client.create().creatingParentsIfNeeded().forPath(layout.clusterIdPath(), doc);
        } catch (KeeperException.NodeExistsException anotherBrokerWon) {
            // Another broker created it between our read and create: theirs is the id.
        }
        return ClusterIdDocument.CODEC.decode(client.getData().forPath(layout.clusterIdPath())).id();
    }

    static void createIfAbsent(CuratorFramework client, String path, byte[] data) throws Exception {
        if (client.checkExists().forPath(path) != null) {
            return;
        }
        try {
            client.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, data);
        } catch (KeeperException.NodeExistsException raced) {
            // Created concurrently by another broker: the goal is met.
        }
    }

    /** The znode's data (and stat into {@code stat} if given), empty when it does not exist. */
    static Optional<byte[]> readData(CuratorFramework client, String path, Stat stat) throws Exception {
        try {
            Stat target = stat != null ? stat : new Stat();
            return Optional.of(client.getData().storingStatIn(target).forPath(path));
        } catch (KeeperException.NoNodeException absent) {
            return Optional.empty();
        }
    }

    static List<String> children(CuratorFramework client, String path) throws Exception {
        try {
            return client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException absent) {
            return List.of();
        }
    }

    static long sessionId(CuratorFramework client) throws Exception {
        return client.getZookeeperClient().getZooKeeper().getSessionId();
    }
}
