package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import io.tributary.api.util.DaemonThreads;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's duties (SPEC §2), active only on the elected broker. It is level-triggered: every znode
 * change the {@link MetadataCache} reports, every election and a periodic timer enqueue one "reconcile" on a
 * single event thread, which compares the whole snapshot with what it should be and writes the difference:
 * <ol>
 *   <li>topics under {@code /admin/delete_topics}: delete their znodes (then the request);</li>
 *   <li>partitions without a state (new topics, added partitions): create it, first live replica leading;</li>
 *   <li>partitions whose leader is dead or bounced (seen restarting, or registered with another broker epoch than
 *       the one its state was stamped with at election): elect from the ISR ({@link LeaderElection}), bump the leader
 *       epoch, or go offline; dead brokers leave ISRs; a returning broker is elected where it is the last
 *       in-sync replica of an offline partition (and otherwise is told its partitions as a follower by its own
 *       {@link PartitionRoleTracker});</li>
 *   <li>{@code /admin/reassign_partitions}: widen the assignment, wait until the new replicas are in the ISR,
 *       then switch to the target replicas;</li>
 *   <li>{@code /admin/preferred_replica_election}: move leaders back to their preferred replicas.</li>
 * </ol>
 * Because each pass starts from what is in ZooKeeper, a newly elected controller finishes whatever a dead one
 * left half-done. Every write is fenced by the controller epoch ({@link FencedZkWriter}) and is a
 * compare-and-set on the znode version; a lost race re-queues a pass, a fenced write deposes this controller.
 *
 * <p>Thread-safe: public methods only enqueue; all controller state is confined to the event thread.
 */
public final class Controller implements ControllerElection.Listener, MetadataListener, Closeable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    private static final long RETRY_DELAY_MS = 200;

    private final int brokerId;
    private final CuratorFramework client;
    private final ZkLayout layout;
    private final MetadataCache cache;
    private final boolean uncleanDefault;
    private final FencedZkWriter writer;
    private final PartitionStateStore states;
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
     */
    public Controller(int brokerId, CuratorFramework client, ZkLayout layout, MetadataCache cache,
                      boolean uncleanLeaderElectionDefault, long reconcileIntervalMs,
                      CoordinationConfig.LeaderRebalancePolicy leaderRebalance,
                      Consumer<ControllerEpochFence> onFenced) {
        this.brokerId = brokerId;
        this.client = Objects.requireNonNull(client, "client");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.uncleanDefault = uncleanLeaderElectionDefault;
        this.writer = new FencedZkWriter(client, layout);
        this.states = new PartitionStateStore(client, layout);
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

    /**
     * Automatic preferred-leader election (Kafka's auto leader rebalance): per broker, the share of the partitions
     * it prefers (first in their assignment) that someone else leads; above the threshold, each such partition whose
     * preferred replica is alive and in sync moves back to it, with a new leader epoch. Runs on the event thread.
     */
    private void rebalanceLeaders() {
        if (fence == null || !cache.isServing()) {
            return;
        }
        ClusterMetadata md = cache.current();
        Set<Integer> live = md.liveBrokerIds();
        Map<Integer, List<PartitionMetadata>> preferredBy = new HashMap<>();
        Map<Integer, Integer> notLeading = new HashMap<>();
        for (PartitionMetadata p : md.allPartitions().values()) {
            if (p.replicas().isEmpty() || p.state() == null) {
                continue;
            }
            int preferred = p.replicas().get(0);
            preferredBy.computeIfAbsent(preferred, k -> new ArrayList<>()).add(p);
            if (p.leader() != preferred) {
                notLeading.merge(preferred, 1, Integer::sum);
            }
        }
        try {
            for (Map.Entry<Integer, List<PartitionMetadata>> e : preferredBy.entrySet()) {
                int imbalanced = notLeading.getOrDefault(e.getKey(), 0);
                if (imbalanced * 100 <= leaderRebalance.imbalancePerBrokerPercentage() * e.getValue().size()) {
                    continue;
                }
                for (PartitionMetadata p : e.getValue()) {
                    VersionedPartitionState vs = p.state();
                    Optional<PartitionState> next = LeaderElection.preferred(vs.state(), p.replicas(), live, fence.epoch())
                            .map(st -> stamped(st, md));
                    if (next.isPresent() && states.compareAndSetFenced(writer, fence, p.topicPartition(), next.get(), vs.zkVersion()).succeeded()) {
                        log.info("controller {}: auto rebalance: {} led by its preferred replica again: {}", brokerId,
                                p.topicPartition(), next.get());
                    }
                }
            }
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
            // still caught, by the broker epoch its partition state was stamped with (withRestartedLeader).
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
            boolean complete = processDeletions(md);
            complete &= processPartitions(md, bounced);
            complete &= processReassignment(md);
            complete &= processPreferredElection(md);
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

    /**
     * {@code state} stamped with its leader's current broker epoch, so that a later controller can tell the leader
     * restarted since this election even if it never saw the restart (see {@link PartitionState}).
     */
    private static PartitionState stamped(PartitionState state, ClusterMetadata md) {
        BrokerInfo leader = state.isOffline() ? null : md.brokers().get(state.leader());
        return state.withLeaderBrokerEpoch(leader == null ? 0L : leader.brokerEpoch());
    }

    /**
     * {@code bounced} plus the partition's leader if its registration's broker epoch is not the one it was elected
     * with: it restarted since (typically while the controller moved, so no controller saw both incarnations) and
     * must not go on leading at the old leader epoch.
     */
    private static Set<Integer> withRestartedLeader(PartitionState state, ClusterMetadata md, Set<Integer> bounced) {
        if (state.isOffline() || state.leaderBrokerEpoch() == 0L || bounced.contains(state.leader())) {
            return bounced;
        }
        BrokerInfo leader = md.brokers().get(state.leader());
        if (leader == null || leader.brokerEpoch() == state.leaderBrokerEpoch()) {
            return bounced;
        }
        Set<Integer> withLeader = new HashSet<>(bounced);
        withLeader.add(state.leader());
        return withLeader;
    }

    /** @return false when something must be retried */
    private boolean processDeletions(ClusterMetadata md) throws Exception {
        boolean complete = true;
        for (String topic : md.deletionRequests()) {
            List<CuratorOp> ops = new ArrayList<>();
            for (String p : ZkSupport.children(client, layout.partitionsPath(topic))) {
                String partitionPath = layout.partitionsPath(topic) + "/" + p;
                for (String child : ZkSupport.children(client, partitionPath)) {
                    ops.add(client.transactionOp().delete().forPath(partitionPath + "/" + child));
                }
                ops.add(client.transactionOp().delete().forPath(partitionPath));
            }
            addDeleteIfExists(ops, layout.partitionsPath(topic));
            addDeleteIfExists(ops, layout.topicPath(topic));
            addDeleteIfExists(ops, layout.topicConfigPath(topic));
            ops.add(client.transactionOp().delete().forPath(layout.deleteTopicPath(topic)));
            try {
                writer.write(fence, ops);
                log.info("controller {}: deleted topic {}", brokerId, topic);
            } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException raced) {
                complete = false;
            }
        }
        return complete;
    }

    private void addDeleteIfExists(List<CuratorOp> ops, String path) throws Exception {
        if (client.checkExists().forPath(path) != null) {
            ops.add(client.transactionOp().delete().forPath(path));
        }
    }

    private boolean processPartitions(ClusterMetadata md, Set<Integer> bounced) throws Exception {
        boolean complete = true;
        Set<Integer> live = md.liveBrokerIds();
        for (TopicMetadata topic : md.topics().values()) {
            if (topic.pendingDeletion()) {
                continue;
            }
            boolean unclean = topic.booleanConfig(UNCLEAN_LEADER_ELECTION_ENABLE, uncleanDefault);
            for (PartitionMetadata p : topic.partitions().values()) {
                complete &= reconcilePartition(p, md, live, bounced, unclean);
            }
        }
        return complete;
    }

    private boolean reconcilePartition(PartitionMetadata p, ClusterMetadata md, Set<Integer> live, Set<Integer> bounced,
                                       boolean unclean) throws Exception {
        TopicPartition tp = p.topicPartition();
        Optional<VersionedPartitionState> current = p.stateOptional();
        for (int attempt = 0; attempt < 3; attempt++) {
            if (current.isEmpty()) {
                Optional<PartitionState> initial = LeaderElection.initialState(p.replicas(), live, fence.epoch())
                        .map(st -> stamped(st, md));
                if (initial.isEmpty()) {
                    log.debug("controller {}: {} has no live replica yet; not creating its state", brokerId, tp);
                    return true;
                }
                CasResult r = states.createFenced(writer, fence, tp, initial.get());
                if (r.succeeded()) {
                    log.info("controller {}: created {} state {}", brokerId, tp, initial.get());
                    return true;
                }
                current = ((CasResult.VersionConflict) r).current();
                continue;
            }
            VersionedPartitionState vs = current.get();
            Optional<PartitionState> next = LeaderElection.onBrokerChange(vs.state(), p.replicas(), live,
                    withRestartedLeader(vs.state(), md, bounced), unclean, fence.epoch()).map(st -> stamped(st, md));
            if (next.isEmpty()) {
                return true;
            }
            CasResult r = states.compareAndSetFenced(writer, fence, tp, next.get(), vs.zkVersion());
            if (r.succeeded()) {
                log.info("controller {}: {} {} -> {}", brokerId, tp, vs.state(), next.get());
                return true;
            }
            current = ((CasResult.VersionConflict) r).current();
            if (current.isEmpty()) {
                return false;
            }
        }
        return false;
    }

    private boolean processReassignment(ClusterMetadata md) throws Exception {
        PartitionReassignment request = md.reassignment();
        if (request == null) {
            return true;
        }
        Set<Integer> live = md.liveBrokerIds();
        Map<String, List<PartitionReassignment.Entry>> byTopic = new LinkedHashMap<>();
        request.partitions().forEach(e -> byTopic.computeIfAbsent(e.topic(), t -> new ArrayList<>()).add(e));
        List<PartitionReassignment.Entry> remaining = new ArrayList<>();
        boolean wroteSomething = false;
        for (Map.Entry<String, List<PartitionReassignment.Entry>> group : byTopic.entrySet()) {
            TopicMetadata topic = md.topics().get(group.getKey());
            if (topic == null || topic.pendingDeletion()) {
                if (topic == null && client.checkExists().forPath(layout.topicPath(group.getKey())) != null) {
                    // The topic exists but this snapshot has not caught up with it yet: keep its entries.
                    remaining.addAll(group.getValue());
                }
                continue; // Topic gone: nothing left to move.
            }
            TopicAssignment assignment = topic.assignment();
            List<CuratorOp> ops = new ArrayList<>();
            List<String> changes = new ArrayList<>();
            for (PartitionReassignment.Entry e : group.getValue()) {
                PartitionMetadata p = topic.partitions().get(e.partition());
                if (p == null) {
                    if (assignment.partitions().containsKey(e.partition())) {
                        // Assigned but its state is not in this snapshot yet (the cache saw the request first).
                        remaining.add(e);
                    }
                    continue;
                }
                List<Integer> target = e.replicas();
                List<Integer> replicas = assignment.replicas(e.partition());
                if (!assignment.isReassigning(e.partition())) {
                    if (replicas.equals(target)) {
                        continue; // Done (possibly by a previous controller).
                    }
                    List<Integer> union = new ArrayList<>(target);
                    replicas.stream().filter(r -> !target.contains(r)).forEach(union::add);
                    List<Integer> adding = target.stream().filter(r -> !replicas.contains(r)).toList();
                    List<Integer> removing = replicas.stream().filter(r -> !target.contains(r)).toList();
                    assignment = assignment.withPartition(e.partition(), union, adding, removing);
                    changes.add(e.partition() + ": start " + replicas + " -> " + target);
                    remaining.add(e);
                    continue;
                }
                Optional<PartitionState> done = p.state() == null ? Optional.empty()
                        : LeaderElection.completeReassignment(p.state().state(), target, live, fence.epoch())
                                .map(st -> stamped(st, md));
                if (done.isEmpty()) {
                    remaining.add(e); // Waiting for the new replicas to join the ISR.
                    continue;
                }
                ops.add(states.setOp(p.topicPartition(), done.get(), p.state().zkVersion()));
                assignment = assignment.withPartition(e.partition(), target, null, null);
                changes.add(e.partition() + ": complete, state " + done.get());
            }
            if (!changes.isEmpty()) {
                ops.add(client.transactionOp().setData().withVersion(topic.assignmentZkVersion())
                        .forPath(layout.topicPath(topic.name()), TopicAssignment.CODEC.encode(assignment)));
                try {
                    writer.write(fence, ops);
                    wroteSomething = true;
                    log.info("controller {}: reassignment of {}: {}", brokerId, topic.name(), changes);
                } catch (KeeperException.BadVersionException | KeeperException.NoNodeException stale) {
                    return false; // Our snapshot is behind; the next pass sees fresher data.
                }
            }
        }
        if (wroteSomething && !remaining.isEmpty()) {
            // Keep the request until every partition completed; the writes above trigger the next pass.
            return true;
        }
        try {
            if (remaining.isEmpty()) {
                writer.write(fence, client.transactionOp().delete().withVersion(md.reassignmentZkVersion())
                        .forPath(layout.reassignPartitionsPath()));
                log.info("controller {}: reassignment complete", brokerId);
            }
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException stale) {
            return false;
        }
        return true;
    }

    private boolean processPreferredElection(ClusterMetadata md) throws Exception {
        PreferredReplicaElection request = md.preferredElection();
        if (request == null) {
            return true;
        }
        Set<Integer> live = md.liveBrokerIds();
        for (TopicPartition tp : request.topicPartitions()) {
            Optional<PartitionMetadata> p = md.partition(tp);
            if (p.isEmpty() || p.get().state() == null) {
                continue;
            }
            VersionedPartitionState vs = p.get().state();
            Optional<PartitionState> next = LeaderElection.preferred(vs.state(), p.get().replicas(), live, fence.epoch())
                    .map(st -> stamped(st, md));
            if (next.isPresent()) {
                CasResult r = states.compareAndSetFenced(writer, fence, tp, next.get(), vs.zkVersion());
                if (!r.succeeded()) {
                    return false; // Re-decide on fresher data before dropping the request.
                }
                log.info("controller {}: preferred leader for {}: {}", brokerId, tp, next.get());
            }
        }
        try {
            writer.write(fence, client.transactionOp().delete().withVersion(md.preferredElectionZkVersion())
                    .forPath(layout.preferredReplicaElectionPath()));
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException stale) {
            return false;
        }
        return true;
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
