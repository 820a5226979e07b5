package io.tributary.coordination;

import io.tributary.api.util.DaemonThreads;
import java.io.Closeable;
import java.util.HashMap;
import java.util.HashSet;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's duties (SPEC §2), active only on the elected broker. It is level-triggered: every znode
 * change the {@link MetadataCache} reports, every election and a periodic timer enqueue one "reconcile" on a
 * single event thread, which compares the whole snapshot with what it should be and writes the difference:
 * <ol>
 *   <li>{@link TopicDeletionDuty}: topics under {@code /admin/delete_topics} lose their znodes (then the request);</li>
 *   <li>{@link PartitionLeadershipDuty}: partitions without a state get one, first live replica leading; partitions
 *       whose leader is dead or bounced (seen restarting, or registered with another broker epoch than the one its
 *       state was stamped with at election) elect from the ISR, bump the leader epoch, or go offline; dead brokers
 *       leave ISRs; a returning broker is elected where it is the last in-sync replica of an offline partition (and
 *       otherwise is told its partitions as a follower by its own {@link PartitionRoleTracker});</li>
 *   <li>{@link ReassignmentDuty}: {@code /admin/reassign_partitions} widens the assignment, waits until the new
 *       replicas are in the ISR, then switches to the target replicas;</li>
 *   <li>{@link PreferredLeaderDuty}: {@code /admin/preferred_replica_election} and, on its own timer, the automatic
 *       leader rebalance move leaders back to their preferred replicas.</li>
 * </ol>
 * Because each pass starts from what is in ZooKeeper, a newly elected controller finishes whatever a dead one
 * left half-done. Every write is fenced by the controller epoch ({@link FencedZkWriter}) and is a
 * compare-and-set on the znode version; a lost race re-queues a pass, a fenced write deposes this controller.
 *
 * <p>This class owns the event thread, the lifecycle ({@link #start}, {@link #close}) and the activation state; the
 * duties own the decisions. Thread-safe: public methods only enqueue; all controller state is confined to the event
 * thread.
 */
public final class Controller implements ControllerElection.Listener, MetadataListener, Closeable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    private static final long RETRY_DELAY_MS = 200;

    private final int brokerId;
    private final MetadataCache cache;
    /** In the order a pass runs them: deletions first, so no later duty acts on a topic being deleted. */
    private final List<ControllerDuty> duties;
    private final PreferredLeaderDuty preferredLeaders;
    private final Consumer<ControllerEpochFence> onFenced;
    private final ScheduledExecutorService events;
    private final AtomicBoolean reconcileQueued = new AtomicBoolean();
    private final CoordinationConfig.LeaderRebalancePolicy leaderRebalance;
    private final long reconcileIntervalMs;

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);

    /** Event-thread state. */
    private ControllerEpochFence fence;
    private Map<Integer, Long> knownBrokerEpochs = new HashMap<>();
    private Thread eventThread;
    private volatile ControllerEpochFence publishedFence;

    /**
     * @param onFenced called (on the event thread) when a write finds this controller deposed
     * @param stats    counts the controller's unclean elections
     */
    public Controller(int brokerId, CuratorFramework client, ZkLayout layout, MetadataCache cache,
                      boolean uncleanLeaderElectionDefault, long reconcileIntervalMs,
                      CoordinationConfig.LeaderRebalancePolicy leaderRebalance,
                      Consumer<ControllerEpochFence> onFenced, CoordinationStats stats) {
        this.brokerId = brokerId;
        this.cache = Objects.requireNonNull(cache, "cache");
        ControllerContext zk = new ControllerContext(brokerId, client, layout, new FencedZkWriter(client, layout),
                new PartitionStateStore(client, layout), stats);
        this.preferredLeaders = new PreferredLeaderDuty(zk, leaderRebalance);
        this.duties = List.of(new TopicDeletionDuty(zk), new PartitionLeadershipDuty(zk, uncleanLeaderElectionDefault),
                new ReassignmentDuty(zk), preferredLeaders);
        this.onFenced = Objects.requireNonNull(onFenced, "onFenced");
        this.leaderRebalance = Objects.requireNonNull(leaderRebalance, "leaderRebalance");
        this.reconcileIntervalMs = reconcileIntervalMs;
        this.events = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("controller-event-" + brokerId));
    }

    /**
     * Starts the event thread's timers: the periodic reconcile and, when enabled, the automatic leader rebalance.
     * Call before the metadata cache and the election start, so no event finds the controller unstarted.
     */
    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("controller of broker " + brokerId + " already started or closed");
        }
        events.execute(() -> eventThread = Thread.currentThread());
        events.scheduleWithFixedDelay(this::requestReconcile, reconcileIntervalMs, reconcileIntervalMs,
                TimeUnit.MILLISECONDS);
        if (leaderRebalance.enabled()) {
            events.scheduleWithFixedDelay(this::rebalanceLeaders, leaderRebalance.checkIntervalMs(),
                    leaderRebalance.checkIntervalMs(), TimeUnit.MILLISECONDS);
        }
    }

    /** The automatic leader rebalance's timer task (see {@link PreferredLeaderDuty#rebalance}). */
    private void rebalanceLeaders() {
        if (fence == null || !cache.isServing()) {
            return;
        }
        try {
            preferredLeaders.rebalance(new ControllerPass(cache.current(), fence, Set.of()));
        } catch (ControllerFencedException fencedNow) {
            log.warn("broker {}: {}", brokerId, fencedNow.getMessage());
            fenced();
        } catch (Exception ex) {
            log.warn("controller {}: leader rebalance failed: {}", brokerId, ex.toString());
        }
    }

    /** Whether this broker is acting as controller right now. */
    public boolean isActive() {
        return publishedFence != null;
    }

    /** The epoch this controller acts under, while active. */
    public Optional<ControllerEpochFence> activeFence() {
        return Optional.ofNullable(publishedFence);
    }

    @Override
    public void onElected(ControllerEpochFence newFence) {
        enqueue(() -> {
            fence = newFence;
            publishedFence = newFence;
            // A broker that bounced before this election looks like one that never left; a leader among them is
            // still caught, by the broker epoch its partition state was stamped with (PartitionLeadershipDuty).
            knownBrokerEpochs = currentBrokerEpochs(cache.current());
            log.info("broker {} acting as controller, epoch {}", brokerId, newFence.epoch());
            reconcile();
        });
    }

    @Override
    public void onResigned() {
        // Visible at once, even while the event thread is stuck in a ZooKeeper call that will fail anyway.
        publishedFence = null;
        enqueue(this::deactivate);
    }

    @Override
    public void onMetadataChanged(ClusterMetadata previous, ClusterMetadata current) {
        requestReconcile();
    }

    private void requestReconcile() {
        if (reconcileQueued.compareAndSet(false, true)) {
            enqueue(() -> {
                reconcileQueued.set(false);
                reconcile();
            });
        }
    }

    private void retrySoon() {
        try {
            events.schedule(this::requestReconcile, RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // Shutting down.
        }
    }

    private void enqueue(Runnable event) {
        if (lifecycle.get() == Lifecycle.CLOSED) {
            return;
        }
        try {
            events.execute(event);
        } catch (RejectedExecutionException closing) {
            // close() won the race.
        }
    }

    private void deactivate() {
        if (fence != null) {
            log.info("broker {} stops acting as controller (epoch {})", brokerId, fence.epoch());
        }
        fence = null;
        publishedFence = null;
    }

    private void reconcile() {
        assert Thread.currentThread() == eventThread : "controller state touched off the event thread";
        if (fence == null || !cache.isServing()) {
            return;
        }
        ClusterMetadata md = cache.current();
        if (md.controllerEpoch() > fence.epoch()) {
            log.warn("broker {}: controller epoch {} in ZooKeeper is newer than ours ({}); deposed",
                    brokerId, md.controllerEpoch(), fence.epoch());
            fenced();
            return;
        }
        Map<Integer, Long> epochs = currentBrokerEpochs(md);
        Set<Integer> bounced = new HashSet<>();
        epochs.forEach((id, epoch) -> {
            Long known = knownBrokerEpochs.get(id);
            if (known != null && !known.equals(epoch)) {
                bounced.add(id);
            }
        });
        try {
            ControllerPass pass = new ControllerPass(md, fence, bounced);
            boolean complete = true;
            for (ControllerDuty duty : duties) {
                complete &= duty.reconcile(pass);
            }
            if (complete) {
                knownBrokerEpochs = epochs;
            } else {
                retrySoon();
            }
        } catch (ControllerFencedException e) {
            log.warn("broker {}: {}", brokerId, e.getMessage());
            fenced();
        } catch (Exception e) {
            if (lifecycle.get() == Lifecycle.CLOSED) {
                return; // close() interrupted the pass.
            }
            log.warn("broker {}: controller pass failed ({}); retrying", brokerId, e.toString());
            retrySoon();
        }
    }

    private void fenced() {
        ControllerEpochFence old = fence;
        deactivate();
        if (old != null) {
            onFenced.accept(old);
        }
    }

    private static Map<Integer, Long> currentBrokerEpochs(ClusterMetadata md) {
        Map<Integer, Long> epochs = new HashMap<>();
        md.brokers().forEach((id, info) -> epochs.put(id, info.brokerEpoch()));
        return epochs;
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) == Lifecycle.CLOSED) {
            return;
        }
        events.shutdownNow();
        try {
            events.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publishedFence = null;
    }
}
