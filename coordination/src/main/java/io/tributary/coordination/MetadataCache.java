package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import io.tributary.api.util.DaemonThreads;
import java.io.Closeable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every broker's view of cluster metadata: a {@link CuratorCache} over the whole chroot, turned into immutable
 * {@link ClusterMetadata} snapshots. Watches can be missed, so on every reconnection the cache is thrown away
 * and rebuilt from scratch, and until the new one has loaded {@link #isServing()} is false.
 *
 * <p>Snapshot rebuilds are coalesced: a burst of znode changes yields one rebuild, run on the single
 * notification thread that also calls every {@link MetadataListener}.
 *
 * <p>Thread-safe. {@link #current()}, {@link #sessionState()} and {@link #isServing()} may be called from any
 * thread.
 */
public final class MetadataCache implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(MetadataCache.class);

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService notifier;
    private final AtomicBoolean rebuildQueued = new AtomicBoolean();
    private final ConnectionStateListener connectionListener = this::onConnectionStateChanged;
    private final Object initLock = new Object();

    /** Touched only on the notifier thread. */
    private CuratorCache cache;
    private volatile int generation;
    private volatile boolean initialized;
    private volatile SessionState sessionState = SessionState.SUSPENDED;
    private volatile ClusterMetadata snapshot = ClusterMetadata.EMPTY;

    public MetadataCache(CuratorFramework client, ZkLayout layout, String threadName) {
        this.client = Objects.requireNonNull(client, "client");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.notifier = Executors.newSingleThreadExecutor(DaemonThreads.named(threadName));
    }

    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("already started or closed");
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        if (client.getZookeeperClient().isConnected()) {
            sessionState = SessionState.CONNECTED;
        }
        run(this::rebuildCache);
    }

    /**
     * Adds a listener. If the cache has already loaded, the listener is first told the current snapshot (as a
     * change from {@link ClusterMetadata#EMPTY}) on the notification thread, so a late listener misses nothing.
     */
    public void addListener(MetadataListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        run(() -> {
            if (initialized) {
                listener.onMetadataChanged(ClusterMetadata.EMPTY, snapshot);
            }
        });
    }

    public void removeListener(MetadataListener listener) {
        listeners.remove(listener);
    }

    /** The latest snapshot ({@link ClusterMetadata#EMPTY} before the first load). */
    public ClusterMetadata current() {
        return snapshot;
    }

    public SessionState sessionState() {
        return sessionState;
    }

    /**
     * Whether this broker has a live session to a quorum and a loaded snapshot. When false, a broker must
     * report NOT_SERVING on its health check and take no leadership action.
     */
    public boolean isServing() {
        return sessionState == SessionState.CONNECTED && initialized;
    }

    /** Waits until {@link #isServing()}; false on timeout. */
    public boolean awaitServing(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (initLock) {
            while (!isServing()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                initLock.wait(Math.min(left, 100));
            }
        }
        return true;
    }

    private void run(Runnable task) {
        if (lifecycle.get() != Lifecycle.STARTED) {
            return;
        }
        try {
            notifier.execute(task);
        } catch (RejectedExecutionException closing) {
            // close() is running; nothing more to deliver.
        }
    }

    /** On the notifier thread: drop the current cache and load a new one. */
    private void rebuildCache() {
        if (lifecycle.get() != Lifecycle.STARTED) {
            return;
        }
        if (cache != null) {
            cache.close();
        }
        initialized = false;
        int gen = ++generation;
        CuratorCache fresh = CuratorCache.build(client, layout.root());
        fresh.listenable().addListener(CuratorCacheListener.builder()
                .forAll((type, oldData, data) -> scheduleSnapshot(gen))
                .forInitialized(() -> run(() -> {
                    if (gen == generation) {
                        initialized = true;
                        buildSnapshot();
                    }
                }))
                .build());
        cache = fresh;
        fresh.start();
    }

    private void scheduleSnapshot(int gen) {
        if (gen == generation && initialized && rebuildQueued.compareAndSet(false, true)) {
            run(() -> {
                rebuildQueued.set(false);
                if (gen == generation && initialized) {
                    buildSnapshot();
                }
            });
        }
    }

    /** On the notifier thread. */
    private void buildSnapshot() {
        ClusterMetadata previous = snapshot;
        ClusterMetadata next = SnapshotBuilder.build(layout, cache.stream().toList());
        snapshot = next;
        synchronized (initLock) {
            initLock.notifyAll();
        }
        for (MetadataListener l : listeners) {
            try {
                l.onMetadataChanged(previous, next);
            } catch (RuntimeException e) {
                log.error("metadata listener {} failed", l, e);
            }
        }
    }

    private void onConnectionStateChanged(CuratorFramework ignored, ConnectionState state) {
        SessionState next = SessionState.of(state);
        sessionState = next;
        synchronized (initLock) {
            initLock.notifyAll();
        }
        run(() -> {
            for (MetadataListener l : listeners) {
                try {
                    l.onSessionStateChanged(next);
                } catch (RuntimeException e) {
                    log.error("metadata listener {} failed on session state {}", l, next, e);
                }
            }
        });
        if (state == ConnectionState.RECONNECTED) {
            // Watches may have been missed while disconnected (and are all gone with a new session): reload.
            run(this::rebuildCache);
        } else if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
            initialized = false;
        }
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) != Lifecycle.STARTED) {
            return;
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        notifier.shutdown();
        try {
            notifier.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        notifier.shutdownNow();
        if (cache != null) {
            cache.close();
        }
    }

    /** Turns the cache's znodes into a snapshot; unreadable documents are logged and skipped. Stateless. */
    static final class SnapshotBuilder {
        private SnapshotBuilder() {
        }

        static ClusterMetadata build(ZkLayout layout, List<ChildData> nodes) {
            String clusterId = null;
            int controllerId = -1;
            int controllerEpoch = 0;
            SortedMap<Integer, BrokerInfo> brokers = new TreeMap<>();
            Map<String, ChildData> assignments = new HashMap<>();
            Map<TopicPartition, VersionedPartitionState> states = new HashMap<>();
            Map<String, Map<String, String>> configs = new HashMap<>();
            Set<String> deletions = new HashSet<>();
            PartitionReassignment reassignment = null;
            int reassignmentVersion = -1;
            PreferredReplicaElection preferred = null;
            int preferredVersion = -1;
            for (ChildData node : nodes) {
                String path = node.getPath();
                byte[] data = node.getData();
                try {
                    if (path.equals(layout.clusterIdPath())) {
                        clusterId = ClusterIdDocument.CODEC.decode(data).id();
                    } else if (path.equals(layout.controllerPath())) {
                        controllerId = ControllerInfo.CODEC.decode(data).brokerid();
                    } else if (path.equals(layout.controllerEpochPath())) {
                        controllerEpoch = ControllerElection.decodeEpoch(data);
                    } else if (path.equals(layout.reassignPartitionsPath())) {
                        reassignment = PartitionReassignment.CODEC.decode(data);
                        reassignmentVersion = node.getStat().getVersion();
                    } else if (path.equals(layout.preferredReplicaElectionPath())) {
                        preferred = PreferredReplicaElection.CODEC.decode(data);
                        preferredVersion = node.getStat().getVersion();
                    } else if (layout.parseBrokerPath(path).isPresent()) {
                        // The registration's czxid is the authoritative broker epoch.
                        brokers.put(layout.parseBrokerPath(path).getAsInt(),
                                BrokerInfo.CODEC.decode(data).withBrokerEpoch(node.getStat().getCzxid()));
                    } else if (layout.parseTopicPath(path).isPresent()) {
                        assignments.put(layout.parseTopicPath(path).get(), node);
                    } else if (layout.parsePartitionStatePath(path).isPresent()) {
                        states.put(layout.parsePartitionStatePath(path).get(), new VersionedPartitionState(
                                PartitionState.CODEC.decode(data), node.getStat().getVersion()));
                    } else if (layout.parseTopicConfigPath(path).isPresent()) {
                        configs.put(layout.parseTopicConfigPath(path).get(), EntityConfig.CODEC.decode(data).config());
                    } else if (layout.parseDeleteTopicPath(path).isPresent()) {
                        deletions.add(layout.parseDeleteTopicPath(path).get());
                    }
                } catch (RuntimeException bad) {
                    log.warn("skipping unreadable znode {}: {}", path, bad.getMessage());
                }
            }
            SortedMap<String, TopicMetadata> topics = new TreeMap<>();
            assignments.forEach((topic, node) -> {
                TopicAssignment assignment;
                try {
                    assignment = TopicAssignment.CODEC.decode(node.getData());
                } catch (RuntimeException bad) {
                    log.warn("skipping unreadable topic znode {}: {}", node.getPath(), bad.getMessage());
                    return;
                }
                SortedMap<Integer, PartitionMetadata> partitions = new TreeMap<>();
                assignment.partitions().forEach((p, replicas) -> {
                    TopicPartition tp = new TopicPartition(topic, p);
                    partitions.put(p, new PartitionMetadata(tp, replicas,
                            assignment.addingReplicas().getOrDefault(p, List.of()),
                            assignment.removingReplicas().getOrDefault(p, List.of()), states.get(tp)));
                });
                topics.put(topic, new TopicMetadata(topic, assignment, node.getStat().getVersion(),
                        configs.getOrDefault(topic, Map.of()), deletions.contains(topic), partitions));
            });
            return new ClusterMetadata(clusterId, controllerId, controllerEpoch, brokers, topics, deletions,
                    reassignment, reassignmentVersion, preferred, preferredVersion);
        }
    }
}
