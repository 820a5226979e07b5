package io.tributary.coordination;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.ResourcePattern;
import java.io.Closeable;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one broker runs against ZooKeeper, wired together: the client, the layout bootstrap, the
 * {@link BrokerRegistration}, the {@link MetadataCache}, the {@link ControllerElection} and the
 * {@link Controller} that acts when this broker wins it, plus the {@link TopicAdmin} and
 * {@link PartitionStateStore} the broker's services call. This is the one object the broker holds.
 *
 * <p>Start order: connect, bootstrap persistent znodes and {@code /cluster/id}, register (fails fast on a
 * duplicate broker id), load the metadata cache, then run for controller. Close order is the reverse, and
 * deletes this broker's ephemerals so that others react at once instead of after the session timeout.
 *
 * <p>Thread-safe.
 */
public final class BrokerCoordination implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(BrokerCoordination.class);
    /**
     * A full re-read of the ACLs this often, besides change notifications and reconnects: a safety net for changes
     * written without a notification (by hand in zkCli). Costs one read per ACL resource per broker per interval.
     */
    static final long ACL_REFRESH_INTERVAL_MS = TimeUnit.MINUTES.toMillis(5);

    private final CoordinationConfig config;
    private final CuratorFramework client;
    private final boolean ownsClient;
    private final ZkLayout layout;
    private final BrokerRegistration registration;
    private final MetadataCache cache;
    private final Controller controller;
    private final ControllerElection election;
    private final TopicAdmin topicAdmin;
    private final PartitionStateStore partitionStates;
    private final ProducerIdBlocks producerIdBlocks;
    private final AclStore aclStore;
    /** Guarded by {@code this}. */
    private AclCache aclCache;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private volatile String clusterId;
    private final CoordinationStats stats = new CoordinationStats();

    /**
     * Creates a broker's coordination with its own ZooKeeper client (closed with this object), with SASL and ACLs as
     * {@link CoordinationConfig#zkSecurity()} says.
     *
     * @throws SecurityException when {@code zookeeper.set.acl=true} but the client has no way to authenticate
     */
    public static BrokerCoordination create(CoordinationConfig config) {
        return new BrokerCoordination(config, ZkSupport.newClient(config), true);
    }

    /**
     * @param client     a Curator client for the ensemble, without a namespace (started here if latent); with
     *                   {@code zookeeper.set.acl} it must be built by {@link ZkSupport#newClient} (for its ACL provider)
     * @param ownsClient whether {@link #close()} closes the client
     */
    public BrokerCoordination(CoordinationConfig config, CuratorFramework client, boolean ownsClient) {
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.layout = config.layout();
        stats.attach(client);
        int id = config.brokerId();
        this.registration = new BrokerRegistration(client, layout, id,
                new BrokerInfo(config.host(), config.port(), config.endpoints(), config.rack(), 0L));
        this.cache = new MetadataCache(client, layout, "metadata-cache-" + id);
        // The controller tells the election when it finds itself fenced; the election is created after it.
        AtomicReference<ControllerElection> electionRef = new AtomicReference<>();
        this.controller = new Controller(id, client, layout, cache, config.uncleanLeaderElectionEnable(),
                config.controllerReconcileIntervalMs(), config.leaderRebalance(), fence -> electionRef.get().resignAfterFencing(fence),
                stats);
        this.election = new ControllerElection(client, layout, id, controller);
        electionRef.set(election);
        this.topicAdmin = new TopicAdmin(client, layout, config.deleteTopicEnable(), new ReplicaAssigner());
        this.partitionStates = new PartitionStateStore(client, layout);
        this.producerIdBlocks = new ProducerIdBlocks(client, layout);
        this.aclStore = new AclStore(client, layout);
        cache.addListener(controller);
    }

    /**
     * Connects, registers and joins the controller election.
     *
     * @throws BrokerIdInUseException when another live broker holds this broker id
     * @throws TimeoutException       when ZooKeeper is not reachable (with a quorum) within {@code timeout}
     * @throws SecurityException      when {@code zookeeper.set.acl=true} but the session is not SASL-authenticated
     */
    public void start(Duration timeout) throws Exception {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("already started or closed");
        }
        if (client.getState() == CuratorFrameworkState.LATENT) {
            client.start();
        }
        if (!client.blockUntilConnected((int) timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("could not connect to ZooKeeper at " + config.zkConnect().hosts()
                    + " within " + timeout.toMillis() + " ms");
        }
        ZkSupport.requireAuthenticated(client, config.zkSecurity());
        ZkSupport.bootstrap(client, layout);
        clusterId = ZkSupport.ensureClusterId(client, layout);
        controller.start();
        registration.start();
        cache.start();
        if (!cache.awaitServing(timeout)) {
            throw new TimeoutException("metadata cache did not load within " + timeout.toMillis() + " ms");
        }
        election.start();
        log.info("broker {} joined cluster {} (chroot {})", config.brokerId(), clusterId, layout.root());
    }

    /**
     * Registers a listener for this broker's partition roles (leader / follower / stop). It is told the
     * current roles right away (on the metadata thread) and every change after that.
     */
    public void addPartitionRoleListener(PartitionRoleListener listener) {
        cache.addListener(new PartitionRoleTracker(config.brokerId(), listener));
    }

    /**
     * Whether the broker has a ZooKeeper session with a quorum and current metadata. When false the broker
     * must report NOT_SERVING and must not act as leader.
     */
    public boolean isServing() {
        return cache.isServing() && registration.isRegistered();
    }

    /** Counters for the broker's metrics: ZooKeeper disconnects, expirations and latency, unclean elections. */
    public CoordinationStats stats() {
        return stats;
    }

    public SessionState sessionState() {
        return cache.sessionState();
    }

    public int brokerId() {
        return config.brokerId();
    }

    public String clusterId() {
        return clusterId;
    }

    /** czxid of this broker's current registration, -1 while not registered. */
    public long brokerEpoch() {
        return registration.brokerEpoch();
    }

    public boolean isController() {
        return controller.isActive();
    }

    public MetadataCache metadataCache() {
        return cache;
    }

    public ClusterMetadata metadata() {
        return cache.current();
    }

    /** SCRAM credentials in /config/users. */
    public UserCredentials userCredentials() {
        return new UserCredentials(client, layout);
    }

    /** ACLs in ZooKeeper, in Kafka's layout (add / remove / describe, with change notifications). */
    public AclStore aclStore() {
        return aclStore;
    }

    /**
     * Starts this broker's {@link AclCache}, which tells {@code listener} (the authorizer) every ACL at first load and
     * again after each change, on the cache's thread; the cache closes with this object. Call once, after
     * {@link #start}; poll {@link AclCache#loaded()} to wait for the first load.
     */
    public synchronized AclCache startAclCache(Consumer<Map<ResourcePattern, Set<AccessControlEntry>>> listener) {
        if (lifecycle.get() != Lifecycle.STARTED) {
            throw new IllegalStateException("start the coordination before its ACL cache");
        }
        if (aclCache != null) {
            throw new IllegalStateException("the ACL cache is already running");
        }
        aclCache = new AclCache(client, layout, listener, ACL_REFRESH_INTERVAL_MS);
        aclCache.start();
        return aclCache;
    }

    /** The ACL cache, once {@link #startAclCache} ran. */
    public synchronized Optional<AclCache> aclCache() {
        return Optional.ofNullable(aclCache);
    }

    public TopicAdmin topicAdmin() {
        return topicAdmin;
    }

    public ProducerIdBlocks producerIdBlocks() {
        return producerIdBlocks;
    }

    public PartitionStateStore partitionStateStore() {
        return partitionStates;
    }

    public ControllerElection controllerElection() {
        return election;
    }

    public Controller controller() {
        return controller;
    }

    public ZkLayout layout() {
        return layout;
    }

    public CuratorFramework client() {
        return client;
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        synchronized (this) {
            if (aclCache != null) {
                aclCache.close();
            }
        }
        election.close();
        controller.close();
        registration.close();
        cache.close();
        if (ownsClient) {
            client.close();
        }
    }
}
