package io.tributary.coordination;

import io.tributary.api.util.DaemonThreads;
import java.io.Closeable;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's ephemeral {@code /brokers/ids/<id>} registration. {@link #start()} registers synchronously and
 * refuses (with {@link BrokerIdInUseException}) when another live session holds the id. After a lost session
 * it re-registers on its own once reconnected, waiting for the old session's znode to expire if the server
 * still has it; each registration gets a new broker epoch (the znode's czxid), which the controller uses to
 * tell a bounced broker from one that never left.
 *
 * <p>Thread-safe. Re-registration runs on one private thread; {@link #brokerEpoch()} may be read from any
 * thread.
 */
public final class BrokerRegistration implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(BrokerRegistration.class);
    private static final long RETRY_DELAY_MS = 250;

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final int brokerId;
    private final BrokerInfo info;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    /** czxid of our live registration, -1 while not registered. */
    private final AtomicLong brokerEpoch = new AtomicLong(-1);
    private final ScheduledExecutorService executor;
    private final ConnectionStateListener connectionListener = this::onConnectionStateChanged;
    /** Touched only on the registration thread. */
    private int heldAttempts;

    public BrokerRegistration(CuratorFramework client, ZkLayout layout, int brokerId, BrokerInfo info) {
        this.client = Objects.requireNonNull(client, "client");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.brokerId = brokerId;
        this.info = Objects.requireNonNull(info, "info");
        this.executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("broker-registration-" + brokerId));
    }

    /**
     * Registers this broker.
     *
     * @throws BrokerIdInUseException when another live broker holds the id
     */
    public void start() throws Exception {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("already started or closed");
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        try {
            RegisterOutcome outcome = register();
            if (outcome == RegisterOutcome.HELD_BY_OTHER_SESSION) {
                throw new BrokerIdInUseException("broker.id " + brokerId + " is already registered at "
                        + layout.brokerPath(brokerId) + " by another live ZooKeeper session; another broker is "
                        + "running with this id (or this broker's previous session has not expired yet: it "
                        + "will within zookeeper.session.timeout.ms)");
            }
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The broker epoch (czxid of the current registration), or -1 while not registered. */
    public long brokerEpoch() {
        return brokerEpoch.get();
    }

    public boolean isRegistered() {
        return brokerEpoch.get() >= 0;
    }

    public int brokerId() {
        return brokerId;
    }

    private enum RegisterOutcome { REGISTERED, HELD_BY_OTHER_SESSION }

    private RegisterOutcome register() throws Exception {
        String path = layout.brokerPath(brokerId);
        long session = ZkSupport.sessionId(client);
        Stat stat = new Stat();
        BrokerInfo doc = info.withBrokerEpoch(-1).withTimestamp(System.currentTimeMillis());
        try {
            client.create().storingStatIn(stat).withMode(CreateMode.EPHEMERAL)
                    .forPath(path, BrokerInfo.CODEC.encode(doc));
        } catch (KeeperException.NodeExistsException exists) {
            Stat current = client.checkExists().forPath(path);
            if (current == null) {
                return register();
            }
            if (current.getEphemeralOwner() != session) {
                return RegisterOutcome.HELD_BY_OTHER_SESSION;
            }
            // Our own create succeeded but its reply was lost and Curator retried: the znode is ours.
            stat = current;
            doc = BrokerInfo.CODEC.decode(client.getData().forPath(path));
        }
        long epoch = stat.getCzxid();
        try {
            client.setData().withVersion(stat.getVersion()).forPath(path, BrokerInfo.CODEC.encode(doc.withBrokerEpoch(epoch)));
        } catch (KeeperException.BadVersionException alreadyStamped) {
            // A retried setData of ours landed already; the document carries the epoch.
        }
        brokerEpoch.set(epoch);
        log.info("broker {} registered at {} with broker epoch {}", brokerId, path, epoch);
        return RegisterOutcome.REGISTERED;
    }

    private void onConnectionStateChanged(CuratorFramework ignored, ConnectionState state) {
        if (lifecycle.get() != Lifecycle.STARTED) {
            return;
        }
        switch (state) {
            case LOST -> {
                // The server expires (or has expired) the session and deletes the znode with it.
                brokerEpoch.set(-1);
                log.warn("broker {} lost its ZooKeeper session; will re-register on reconnect", brokerId);
            }
            case RECONNECTED, CONNECTED -> executor.execute(this::ensureRegistered);
            case SUSPENDED, READ_ONLY -> log.warn("broker {} ZooKeeper connection suspended", brokerId);
        }
    }

    /** Makes sure our session owns the registration; retries until it does or we close. */
    private void ensureRegistered() {
        if (lifecycle.get() != Lifecycle.STARTED) {
            return;
        }
        try {
            Stat current = client.checkExists().forPath(layout.brokerPath(brokerId));
            if (current != null && current.getEphemeralOwner() == ZkSupport.sessionId(client)) {
                brokerEpoch.set(current.getCzxid());
                return;
            }
            brokerEpoch.set(-1);
            if (register() == RegisterOutcome.REGISTERED) {
                heldAttempts = 0;
                return;
            }
            // Normal for up to a session timeout after our own expiry (the server has not removed the old
            // znode yet); past that, it is probably a second broker with our id. Say so, but not 4 times a second.
            if (heldAttempts++ % 40 == 0) {
                log.warn("broker {}: {} still belongs to another session (our expired one, or a duplicate broker); "
                        + "retrying every {} ms", brokerId, layout.brokerPath(brokerId), RETRY_DELAY_MS);
            }
        } catch (Exception e) {
            log.warn("broker {}: re-registration failed ({}); retrying", brokerId, e.toString());
        }
        if (lifecycle.get() == Lifecycle.STARTED) {
            executor.schedule(this::ensureRegistered, RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Deletes the registration if it is ours, so the controller reacts at once rather than after expiry. */
    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        executor.shutdownNow();
        if (brokerEpoch.getAndSet(-1) >= 0) {
            try {
                Stat current = client.checkExists().forPath(layout.brokerPath(brokerId));
                if (current != null && current.getEphemeralOwner() == ZkSupport.sessionId(client)) {
                    client.delete().withVersion(current.getVersion()).forPath(layout.brokerPath(brokerId));
                }
            } catch (Exception e) {
                log.warn("broker {}: could not delete registration on close ({}); it expires with the session",
                        brokerId, e.toString());
            }
        }
    }
}
