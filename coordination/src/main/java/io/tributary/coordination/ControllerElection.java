package io.tributary.coordination;

import io.tributary.api.util.DaemonThreads;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's ZooKeeper-mode controller election. Every broker runs one. Winning means creating the ephemeral
 * {@code /controller} and bumping {@code /controller_epoch} in a single multi-op (guarded by the epoch znode's
 * version), so at most one broker wins each epoch and the winner's {@link ControllerEpochFence} fences every
 * earlier controller's writes (see {@link FencedZkWriter}). Losers watch {@code /controller} and try again
 * when it disappears.
 *
 * <p>On {@code SUSPENDED} the controller keeps its title (its writes simply fail while disconnected); on
 * {@code LOST} it resigns at once, since another broker may be elected while it cannot see it; on
 * reconnection every broker checks the znode again and runs for election if it is free.
 *
 * <p>Thread-safe. All election steps and listener callbacks run on one private thread, in order.
 */
public final class ControllerElection implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ControllerElection.class);
    private static final long RETRY_DELAY_MS = 250;

    /** Told when this broker becomes or stops being the controller. Called on the election thread. */
    public interface Listener {
        void onElected(ControllerEpochFence fence);

        void onResigned();
    }

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final int brokerId;
    private final Listener listener;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final AtomicReference<ControllerEpochFence> activeFence = new AtomicReference<>();
    private final ScheduledExecutorService executor;
    private final ConnectionStateListener connectionListener = this::onConnectionStateChanged;
    private final CuratorWatcher controllerWatcher = event -> {
        if (event.getType() != Watcher.Event.EventType.None) {
            submit(this::elect);
        }
    };

    public ControllerElection(CuratorFramework client, ZkLayout layout, int brokerId, Listener listener) {
        this.client = Objects.requireNonNull(client, "client");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.brokerId = brokerId;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("controller-election-" + brokerId));
    }

    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("already started or closed");
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        submit(this::elect);
    }

    /** Whether this broker currently believes it is the controller. */
    public boolean isController() {
        return activeFence.get() != null;
    }

    /** This broker's fence while it is the controller. */
    public Optional<ControllerEpochFence> activeFence() {
        return Optional.ofNullable(activeFence.get());
    }

    /** The broker id in {@code /controller} right now, read from ZooKeeper. */
    public OptionalInt readControllerId() throws Exception {
        Optional<byte[]> data = ZkSupport.readData(client, layout.controllerPath(), null);
        return data.map(d -> OptionalInt.of(ControllerInfo.CODEC.decode(d).brokerid())).orElse(OptionalInt.empty());
    }

    static byte[] encodeEpoch(int epoch) {
        return Integer.toString(epoch).getBytes(StandardCharsets.UTF_8);
    }

    static int decodeEpoch(byte[] data) {
        try {
            return Integer.parseInt(new String(data, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            throw new CorruptMetadataException("controller_epoch is not an integer: "
                    + new String(data, StandardCharsets.UTF_8), e);
        }
    }

    private void submit(Runnable step) {
        if (lifecycle.get() == Lifecycle.STARTED) {
            try {
                executor.execute(step);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // close() raced with a watch; nothing left to do.
            }
        }
    }

    private void elect() {
        if (lifecycle.get() != Lifecycle.STARTED) {
            return;
        }
        try {
            Stat controllerStat = client.checkExists().usingWatcher(controllerWatcher).forPath(layout.controllerPath());
            if (controllerStat != null) {
                if (controllerStat.getEphemeralOwner() == ZkSupport.sessionId(client) && activeFence.get() == null) {
                    // We won in a multi whose reply was lost; recover the fence from the epoch znode.
                    becomeController(readFence());
                } else if (controllerStat.getEphemeralOwner() != ZkSupport.sessionId(client)) {
                    resignIfActive("controller znode belongs to another session");
                }
                return;
            }
            resignIfActive("controller znode disappeared");
            Stat epochStat = new Stat();
            int epoch = decodeEpoch(client.getData().storingStatIn(epochStat).forPath(layout.controllerEpochPath()));
            byte[] info = ControllerInfo.CODEC.encode(new ControllerInfo(brokerId, System.currentTimeMillis()));
            List<CuratorOp> ops = List.of(
                    client.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(layout.controllerPath(), info),
                    client.transactionOp().setData().withVersion(epochStat.getVersion())
                            .forPath(layout.controllerEpochPath(), encodeEpoch(epoch + 1)));
            try {
                client.transaction().forOperations(ops);
            } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException lostRace) {
                // Another broker won this round (or our own retried multi did): re-read and watch.
                submit(this::elect);
                return;
            }
            becomeController(new ControllerEpochFence(epoch + 1, epochStat.getVersion() + 1, brokerId));
        } catch (Exception e) {
            log.warn("broker {}: controller election step failed ({}); retrying", brokerId, e.toString());
            if (lifecycle.get() == Lifecycle.STARTED) {
                executor.schedule(this::elect, RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private ControllerEpochFence readFence() throws Exception {
        Stat epochStat = new Stat();
        int epoch = decodeEpoch(client.getData().storingStatIn(epochStat).forPath(layout.controllerEpochPath()));
        return new ControllerEpochFence(epoch, epochStat.getVersion(), brokerId);
    }

    private void becomeController(ControllerEpochFence fence) {
        activeFence.set(fence);
        log.info("broker {} elected controller with epoch {}", brokerId, fence.epoch());
        listener.onElected(fence);
    }

    private void resignIfActive(String why) {
        ControllerEpochFence previous = activeFence.getAndSet(null);
        if (previous != null) {
            log.warn("broker {} resigns as controller (epoch {}): {}", brokerId, previous.epoch(), why);
            listener.onResigned();
        }
    }

    /**
     * Gives up the title because a controller write was fenced; the election watch decides what comes next.
     * Safe from any thread.
     */
    public void resignAfterFencing(ControllerEpochFence fence) {
        submit(() -> {
            if (fence.equals(activeFence.get())) {
                resignIfActive("a write was fenced by a newer controller epoch");
                submit(this::elect);
            }
        });
    }

    private void onConnectionStateChanged(CuratorFramework ignored, ConnectionState state) {
        switch (state) {
            case LOST -> submit(() -> resignIfActive("ZooKeeper session lost"));
            case CONNECTED, RECONNECTED -> submit(this::elect);
            default -> {
                // SUSPENDED: keep the title; writes fail while disconnected and LOST follows if it lasts.
            }
        }
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) != Lifecycle.STARTED) {
            return;
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        ExecutorService ex = executor;
        ex.shutdown();
        try {
            if (!ex.awaitTermination(5, TimeUnit.SECONDS)) {
                ex.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ControllerEpochFence previous = activeFence.getAndSet(null);
        if (previous != null) {
            listener.onResigned();
            try {
                Stat stat = client.checkExists().forPath(layout.controllerPath());
                if (stat != null && stat.getEphemeralOwner() == ZkSupport.sessionId(client)) {
                    // Deleting now lets another broker take over immediately instead of after session expiry.
                    client.delete().withVersion(stat.getVersion()).forPath(layout.controllerPath());
                }
            } catch (Exception e) {
                log.warn("broker {}: could not delete /controller on close ({})", brokerId, e.toString());
            }
        }
    }
}
