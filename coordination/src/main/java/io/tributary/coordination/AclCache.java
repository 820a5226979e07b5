package io.tributary.coordination;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.util.DaemonThreads;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.WatcherRemoveCuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's copy of every ACL, kept current the way Kafka's ZooKeeper-mode authorizer keeps its own: load everything
 * at start, then watch the children of both change-notification parents ({@code kafka-acl-changes},
 * {@code kafka-acl-extended-changes}, see {@link AclStore}) and, for each new {@code acl_changes_<seq>}, re-read only the
 * resource it names. Each batch of changes is published as one immutable map ({@link #current()}, and the listener,
 * usually the authorizer), so a change written through any broker or tool is applied by every broker within one watch
 * event plus one read per changed resource (milliseconds on a healthy ensemble).
 *
 * <p>Watches can be missed: on every (re)connection the cache reloads everything and re-arms its watches, and it does
 * so every {@code refreshIntervalMs} as well, which also picks up changes written without a notification (by hand in
 * zkCli). While disconnected ({@code SUSPENDED}, {@code LOST}) it keeps serving the last ACLs it read, as Kafka does.
 *
 * <p>Old notifications are deleted as in Kafka: after processing, notifications created more than
 * {@code changeExpirationMs} ago (Kafka: 15 minutes) are deleted, at most {@value #MAX_PURGED_PER_PASS} per pass and at
 * most one pass per parent every {@code min(changeExpirationMs, 60 s)}. Every broker does this; deleting one another
 * broker already deleted is fine.
 *
 * <p>Lifecycle LATENT → STARTED → CLOSED. Thread-safe: all reads of ZooKeeper and every listener call run on the
 * cache's own thread, one at a time; {@link #current()} and {@link #loaded()} may be called from any thread.
 */
public final class AclCache implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(AclCache.class);
    /** Kafka's {@code ZkNodeChangeNotificationListener} default. */
    public static final long DEFAULT_CHANGE_EXPIRATION_MS = TimeUnit.MINUTES.toMillis(15);
    static final int MAX_PURGED_PER_PASS = 1_000;
    private static final long MAX_PURGE_INTERVAL_MS = 60_000;
    private static final long RETRY_DELAY_MS = 1_000;

    private final CuratorFramework client;
    private final WatcherRemoveCuratorFramework watching;
    private final AclStore store;
    private final Consumer<Map<ResourcePattern, Set<AccessControlEntry>>> listener;
    private final long refreshIntervalMs;
    private final long changeExpirationMs;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("acl-cache"));
    private final ConnectionStateListener connectionListener = this::onConnectionStateChanged;
    private final AtomicReference<Map<ResourcePattern, Set<AccessControlEntry>>> current = new AtomicReference<>(Map.of());
    private final AtomicBoolean reloadQueued = new AtomicBoolean();
    private final Map<PatternType, AtomicBoolean> changesQueued = new EnumMap<>(PatternType.class);
    private final Map<PatternType, CuratorWatcher> watchers = new EnumMap<>(PatternType.class);
    private volatile boolean loaded;

    /** Touched only on the cache thread: the last notification applied, and the last purge, per parent. */
    private final Map<PatternType, Long> lastApplied = new EnumMap<>(PatternType.class);
    private final Map<PatternType, Long> lastPurgeMs = new EnumMap<>(PatternType.class);

    public AclCache(CuratorFramework client, ZkLayout layout, Consumer<Map<ResourcePattern, Set<AccessControlEntry>>> listener,
                    long refreshIntervalMs) {
        this(client, layout, listener, refreshIntervalMs, DEFAULT_CHANGE_EXPIRATION_MS);
    }

    /**
     * @param listener           told every new snapshot (after the first load, then on each change), on the cache thread
     * @param refreshIntervalMs  how often everything is read again even without a change (> 0)
     * @param changeExpirationMs age after which change notifications are deleted (> 0)
     */
    public AclCache(CuratorFramework client, ZkLayout layout, Consumer<Map<ResourcePattern, Set<AccessControlEntry>>> listener,
                    long refreshIntervalMs, long changeExpirationMs) {
        this.client = Objects.requireNonNull(client, "client");
        this.watching = client.newWatcherRemoveCuratorFramework();
        this.store = new AclStore(client, Objects.requireNonNull(layout, "layout"));
        this.listener = Objects.requireNonNull(listener, "listener");
        if (refreshIntervalMs <= 0 || changeExpirationMs <= 0) {
            throw new IllegalArgumentException("refreshIntervalMs and changeExpirationMs must be positive");
        }
        this.refreshIntervalMs = refreshIntervalMs;
        this.changeExpirationMs = changeExpirationMs;
        for (PatternType pt : PatternType.values()) {
            changesQueued.put(pt, new AtomicBoolean());
            watchers.put(pt, event -> {
                switch (event.getType()) {
                    case NodeChildrenChanged -> scheduleChanges(pt);
                    // The parent itself went (an operator cleared the tree): start over, which recreates it.
                    case NodeDeleted -> scheduleReload(0);
                    // None: connection events, handled by the connection listener.
                    default -> {
                    }
                }
            });
        }
    }

    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("already started or closed");
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        thread.scheduleWithFixedDelay(() -> scheduleReload(0), refreshIntervalMs, refreshIntervalMs, TimeUnit.MILLISECONDS);
        scheduleReload(0);
    }

    /** The ACLs as last read (empty before the first load); an immutable map of immutable sets. */
    public Map<ResourcePattern, Set<AccessControlEntry>> current() {
        return current.get();
    }

    /** Whether a full load has completed since start. */
    public boolean loaded() {
        return loaded;
    }

    private void scheduleReload(long delayMs) {
        if (lifecycle.get() == Lifecycle.STARTED && reloadQueued.compareAndSet(false, true)) {
            try {
                thread.schedule(this::reloadAll, delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                reloadQueued.set(false);
            }
        }
    }

    private void scheduleChanges(PatternType pt) {
        AtomicBoolean queued = changesQueued.get(pt);
        if (lifecycle.get() == Lifecycle.STARTED && queued.compareAndSet(false, true)) {
            try {
                thread.execute(() -> applyChanges(pt));
            } catch (RejectedExecutionException closing) {
                queued.set(false);
            }
        }
    }

    /** On the cache thread: re-arm both watches, note the newest notification of each, then read every ACL. */
    private void reloadAll() {
        reloadQueued.set(false);
        if (lifecycle.get() != Lifecycle.STARTED) {
            return;
        }
        try {
            store.ensureContainers();
            Map<PatternType, Long> newest = new EnumMap<>(PatternType.class);
            for (PatternType pt : PatternType.values()) {
                // Listed (and watched) before the load: a change written after this list has a higher number and is
                // applied again on top of the load, which is harmless.
                newest.put(pt, notifications(pt).stream().mapToLong(Notification::sequence).max().orElse(-1));
            }
            Map<ResourcePattern, Set<AccessControlEntry>> all = store.loadAll();
            lastApplied.putAll(newest);
            publish(all, !loaded);
            loaded = true;
        } catch (Exception e) {
            // Keep the last known ACLs; try again shortly (and on the next reconnect).
            log.warn("could not read ACLs from ZooKeeper, keeping the {} resource(s) last read; retrying in {} ms: {}",
                    current.get().size(), RETRY_DELAY_MS, e.toString());
            scheduleReload(RETRY_DELAY_MS);
        }
    }

    /** On the cache thread: apply the notifications under one parent that are newer than the last one applied. */
    private void applyChanges(PatternType pt) {
        changesQueued.get(pt).set(false);
        if (lifecycle.get() != Lifecycle.STARTED || !loaded) {
            return;
        }
        try {
            List<Notification> all = notifications(pt);
            long last = lastApplied.getOrDefault(pt, -1L);
            Map<ResourcePattern, Set<AccessControlEntry>> next = null;
            for (Notification n : all) {
                if (n.sequence() <= last) {
                    continue;
                }
                Optional<ResourcePattern> named = read(pt, n);
                if (named.isPresent()) {
                    next = next != null ? next : new HashMap<>(current.get());
                    Set<AccessControlEntry> entries = store.load(named.get());
                    if (entries.isEmpty()) {
                        next.remove(named.get());
                    } else {
                        next.put(named.get(), entries);
                    }
                }
                last = n.sequence();
                lastApplied.put(pt, last);
            }
            if (next != null) {
                publish(next, false);
            }
            purge(pt, all);
        } catch (KeeperException.NoNodeException parentGone) {
            scheduleReload(0);
        } catch (Exception e) {
            log.warn("could not apply ACL changes from ZooKeeper; reloading all ACLs in {} ms: {}", RETRY_DELAY_MS, e.toString());
            scheduleReload(RETRY_DELAY_MS);
        }
    }

    private Optional<ResourcePattern> read(PatternType pt, Notification n) throws Exception {
        String path = store.changesPath(pt) + "/" + n.name();
        Optional<byte[]> data = ZkSupport.readData(client, path, null);
        if (data.isEmpty()) {
            return Optional.empty(); // purged by another broker; a broker that far behind reloads on reconnect
        }
        try {
            return Optional.of(AclChangeEvent.decode(data.get(), pt != PatternType.LITERAL));
        } catch (CorruptMetadataException malformed) {
            log.warn("ignoring the ACL change notification {}: {}", path, malformed.getMessage());
            return Optional.empty();
        }
    }

    record Notification(String name, long sequence) {
    }

    /** The notifications under one parent in sequence order; re-arms the children watch. */
    private List<Notification> notifications(PatternType pt) throws Exception {
        List<Notification> out = new ArrayList<>();
        for (String child : watching.getChildren().usingWatcher(watchers.get(pt)).forPath(store.changesPath(pt))) {
            if (child.startsWith(ZkLayout.ACL_CHANGE_PREFIX)) {
                try {
                    out.add(new Notification(child, Long.parseLong(child.substring(ZkLayout.ACL_CHANGE_PREFIX.length()))));
                } catch (NumberFormatException notOurs) {
                    // Not a sequential notification; leave it alone.
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        return out;
    }

    /** Deletes notifications older than the expiration, oldest first, a bounded number per pass. */
    private void purge(PatternType pt, List<Notification> notifications) throws Exception {
        long now = System.currentTimeMillis();
        if (now - lastPurgeMs.getOrDefault(pt, 0L) < Math.min(changeExpirationMs, MAX_PURGE_INTERVAL_MS)) {
            return;
        }
        lastPurgeMs.put(pt, now);
        int deleted = 0;
        for (Notification n : notifications) {
            if (deleted >= MAX_PURGED_PER_PASS || lifecycle.get() != Lifecycle.STARTED) {
                return;
            }
            String path = store.changesPath(pt) + "/" + n.name();
            Stat stat = client.checkExists().forPath(path);
            if (stat == null) {
                continue;
            }
            if (stat.getCtime() >= now - changeExpirationMs) {
                return; // sequence order is creation order: the rest are younger
            }
            try {
                client.delete().withVersion(stat.getVersion()).forPath(path);
                deleted++;
            } catch (KeeperException.NoNodeException | KeeperException.BadVersionException anotherBrokerPurged) {
                // Gone already (or being rewritten by hand): nothing to do.
            }
        }
    }

    /** On the cache thread. */
    private void publish(Map<ResourcePattern, Set<AccessControlEntry>> next, boolean always) {
        Map<ResourcePattern, Set<AccessControlEntry>> snapshot = immutable(next);
        Map<ResourcePattern, Set<AccessControlEntry>> previous = current.getAndSet(snapshot);
        if (always || !snapshot.equals(previous)) {
            try {
                listener.accept(snapshot);
            } catch (RuntimeException e) {
                log.error("ACL listener failed", e);
            }
        }
    }

    private static Map<ResourcePattern, Set<AccessControlEntry>> immutable(Map<ResourcePattern, Set<AccessControlEntry>> acls) {
        Map<ResourcePattern, Set<AccessControlEntry>> out = new HashMap<>();
        acls.forEach((p, entries) -> out.put(p, Set.copyOf(entries)));
        return Map.copyOf(out);
    }

    private void onConnectionStateChanged(CuratorFramework ignored, ConnectionState state) {
        switch (state) {
            // Watches may have been missed (and after a session expiry they are gone): read everything again.
            case CONNECTED, RECONNECTED -> scheduleReload(0);
            // Keep authorizing with the last ACLs read; nothing can change them unseen for long, since the next
            // RECONNECTED reloads everything.
            case SUSPENDED, LOST, READ_ONLY -> log.info("ZooKeeper connection {}: keeping the {} ACL resource(s) last read",
                    state, current.get().size());
            default -> {
            }
        }
    }

    @Override
    public void close() {
        Lifecycle previous = lifecycle.getAndSet(Lifecycle.CLOSED);
        if (previous == Lifecycle.CLOSED) {
            return;
        }
        thread.shutdownNow();
        if (previous == Lifecycle.STARTED) {
            client.getConnectionStateListenable().removeListener(connectionListener);
            watching.removeWatchers();
        }
    }
}
