package io.tributary.broker.partition;

import io.tributary.api.ErrorCode;
import io.tributary.api.LeaderHint;
import io.tributary.api.LeaderHintException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.PartitionLog;
import io.tributary.coordination.BrokerInfo;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.MetadataListener;
import io.tributary.coordination.PartitionMetadata;
import io.tributary.coordination.PartitionRole;
import io.tributary.coordination.PartitionRoleListener;
import io.tributary.coordination.SessionState;
import io.tributary.coordination.TopicMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The partitions this broker hosts, kept in step with what the controller decided: the broker's side of the
 * coordination layer's role announcements (Kafka's ReplicaManager, minus replication, which plugs in here).
 *
 * <p>Thread-safety: role callbacks arrive on the coordination notification thread, one at a time; request
 * handlers look partitions up concurrently from a concurrent map. A broker without a ZooKeeper session refuses
 * leader actions: it cannot know it still leads.
 */
public final class PartitionManager implements PartitionRoleListener, MetadataListener {
    private static final Logger log = LoggerFactory.getLogger(PartitionManager.class);

    private final int brokerId;
    private final LogManager logManager;
    /** The broker's log defaults with a topic's overrides applied (BrokerConfig::logConfigFor). */
    private final Function<Map<String, String>, LogConfig> topicLogConfig;
    private final Supplier<ClusterMetadata> metadata;
    private final PartitionWatchers watchers = new PartitionWatchers();
    private final IsrChangeStats isrChanges = new IsrChangeStats();
    private final PartitionWatchers appendWatchers = new PartitionWatchers();
    /** Told of every role change, in the order added (replication first, then the group coordinator). */
    private final CopyOnWriteArrayList<ReplicaRoleHooks> roleHooks = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<SessionState>> sessionListeners = new CopyOnWriteArrayList<>();
    /** Whether this broker has a ZooKeeper session with a quorum and is registered: asked, not tracked from events. */
    private final BooleanSupplier sessionServing;

    /**
     * @param topicLogConfig the broker's log defaults with a topic's overrides applied; throws on invalid overrides
     */
    public PartitionManager(int brokerId, LogManager logManager, Function<Map<String, String>, LogConfig> topicLogConfig,
                            Supplier<ClusterMetadata> metadata, BooleanSupplier sessionServing) {
        this.brokerId = brokerId;
        this.logManager = logManager;
        this.topicLogConfig = topicLogConfig;
        this.metadata = metadata;
        this.sessionServing = sessionServing;
    }

    public int brokerId() {
        return brokerId;
    }

    /** Told when the high watermark advances: consumers' fetch sessions wait on it. */
    public PartitionWatchers watchers() {
        return watchers;
    }

    /** Told when a leader appends: followers' replica fetches wait on it. */
    public PartitionWatchers appendWatchers() {
        return appendWatchers;
    }

    /**
     * How other layers hear about role changes: replication (fetchers to start or stop) and the group coordinator
     * (offsets partitions to load or unload). Called on the coordination notification thread, one change at a time;
     * implementations must not block.
     */
    public interface ReplicaRoleHooks {
        /** This broker leads {@code partition}; called again on every later state change (ISR) at the same epoch. */
        void onLeader(Partition partition);

        /** This broker follows {@code partition.state().leader()} (-1: nobody to follow yet) at its leader epoch. */
        void onFollower(Partition partition);

        void onStopped(TopicPartition tp);
    }

    /** Adds a listener for role changes; done at start-up, before the broker takes any role. */
    public void addReplicaRoleHooks(ReplicaRoleHooks hooks) {
        roleHooks.add(hooks);
    }

    public ClusterMetadata metadata() {
        return metadata.get();
    }

    public Map<TopicPartition, Partition> partitions() {
        return Map.copyOf(partitions);
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    public boolean sessionConnected() {
        return sessionServing.getAsBoolean();
    }

    public void addSessionListener(Consumer<SessionState> listener) {
        sessionListeners.add(listener);
    }

    /**
     * The partition if this broker leads it at the client's epoch, else the error a client can act on: unknown
     * partition, or not the leader with who is.
     */
    public Partition leaderPartition(TopicPartition tp, java.util.OptionalInt clientLeaderEpoch) {
        Partition p = servingPartition(tp);
        p.checkLeader(clientLeaderEpoch);
        return p;
    }

    /**
     * The partition if this broker hosts it and its ZooKeeper session serves, without checking leadership: for a
     * caller whose next call on the partition checks it under the partition's lock anyway (an append, a read), so
     * it is checked once. Errors carry the leader hint.
     */
    public Partition servingPartition(TopicPartition tp) {
        Partition p = partitions.get(tp);
        if (p == null) {
            throw notHosted(tp);
        }
        if (!sessionServing.getAsBoolean()) {
            throw new LeaderHintException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + brokerId
                    + " has lost its ZooKeeper session and cannot know whether it still leads " + tp, leaderHint(tp));
        }
        return p;
    }

    /** Who leads {@code tp} according to this broker's metadata; {@link LeaderHint#NONE} when nobody does. */
    public LeaderHint leaderHint(TopicPartition tp) {
        ClusterMetadata md = metadata.get();
        Optional<PartitionMetadata> pm = md.partition(tp);
        if (pm.isEmpty()) {
            return LeaderHint.NONE;
        }
        int leaderId = pm.get().leader();
        int epoch = pm.get().stateOptional().map(s -> s.state().leaderEpoch()).orElse(LeaderHint.UNKNOWN);
        BrokerInfo leader = md.brokers().get(leaderId);
        return leader == null ? new LeaderHint(leaderId, epoch, "", 0) : new LeaderHint(leaderId, epoch, leader.host(), leader.port());
    }

    private TributaryException notHosted(TopicPartition tp) {
        ClusterMetadata md = metadata.get();
        Optional<TopicMetadata> topic = md.topic(tp.topic());
        if (topic.isEmpty() || topic.get().pendingDeletion()) {
            return new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + tp.topic() + "' does not exist");
        }
        if (!topic.get().partitions().containsKey(tp.partition())) {
            return new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + tp.topic() + "' has "
                    + topic.get().partitions().size() + " partition(s); partition " + tp.partition() + " does not exist");
        }
        Optional<PartitionMetadata> pm = md.partition(tp);
        int leader = pm.map(PartitionMetadata::leader).orElse(-1);
        ErrorCode code = leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
        String msg = leader < 0 ? tp + " has no leader right now" : "broker " + brokerId + " does not lead " + tp + "; broker " + leader + " does";
        return new LeaderHintException(code, msg, leaderHint(tp));
    }

    /** ISR shrinks and expansions of the partitions led here. */
    public IsrChangeStats isrChanges() {
        return isrChanges;
    }

    @Override
    public void onBecomeLeader(PartitionRole role) {
        apply(role);
    }

    @Override
    public void onBecomeFollower(PartitionRole role) {
        apply(role);
    }

    @Override
    public void onPartitionStateChanged(PartitionRole role) {
        apply(role);
    }

    private void apply(PartitionRole role) {
        TopicPartition tp = role.topicPartition();
        try {
            Partition p = partitions.computeIfAbsent(tp, k -> {
                PartitionLog plog = logManager.getOrCreateLog(k);
                plog.updateConfig(logConfigFor(k.topic()));
                return new Partition(k, brokerId, plog, watchers, appendWatchers, () -> leaderHint(k), isrChanges);
            });
            LeaderState next = new LeaderState(role.leader(), role.leaderEpoch(), role.isr(), role.replicas(),
                    role.controllerEpoch(), role.stateZkVersion());
            LeaderState current = p.state();
            boolean sameEpoch = current.leaderEpoch() == next.leaderEpoch();
            if (current.leaderEpoch() > next.leaderEpoch()
                    || (sameEpoch && current.controllerEpoch() > next.controllerEpoch())
                    // Our own ISR write is applied before the cache sees it; an older znode version is old news.
                    || (sameEpoch && current.controllerEpoch() == next.controllerEpoch()
                        && current.stateZkVersion() > next.stateZkVersion())) {
                log.warn("{}: ignoring stale role {} (have epoch {}, controller epoch {})", tp, role,
                        current.leaderEpoch(), current.controllerEpoch());
                return;
            }
            p.applyState(next);
            for (ReplicaRoleHooks hooks : roleHooks) {
                if (next.leader() == brokerId) {
                    hooks.onLeader(p);
                } else {
                    hooks.onFollower(p);
                }
            }
            log.info("{}: {} at leader epoch {} (isr {})", tp, role.leader() == brokerId ? "leader" : "follower of " + role.leader(),
                    role.leaderEpoch(), role.isr());
        } catch (RuntimeException e) {
            log.error("{}: could not apply role {}", tp, role, e);
        }
    }

    @Override
    public void onStopReplica(TopicPartition tp, boolean deletePartition) {
        for (ReplicaRoleHooks hooks : roleHooks) {
            hooks.onStopped(tp);
        }
        Partition p = partitions.remove(tp);
        if (p != null) {
            p.close(deletePartition ? "was deleted" : "moved away from this broker");
        }
        try {
            logManager.deleteLog(tp);
            log.info("{}: stopped replica and deleted its log", tp);
        } catch (RuntimeException e) {
            log.error("{}: could not delete the log", tp, e);
        }
    }

    @Override
    public void onSessionStateChanged(SessionState state) {
        for (Consumer<SessionState> l : sessionListeners) {
            l.accept(state);
        }
    }

    @Override
    public void onMetadataChanged(ClusterMetadata previous, ClusterMetadata current) {
        for (TopicMetadata topic : current.topics().values()) {
            TopicMetadata before = previous.topics().get(topic.name());
            if (before == null || !Objects.equals(before.config(), topic.config())) {
                try {
                    logManager.updateTopicConfig(topic.name(), topicLogConfig.apply(topic.config()));
                } catch (RuntimeException e) {
                    log.error("topic {} has an invalid config {}; keeping the previous one", topic.name(), topic.config(), e);
                }
            }
        }
    }

    public LogConfig logConfigFor(String topic) {
        Map<String, String> overrides = metadata.get().topic(topic).map(TopicMetadata::config).orElse(Map.of());
        try {
            return topicLogConfig.apply(overrides);
        } catch (RuntimeException e) {
            log.error("topic {} has an invalid config {}; using the broker defaults", topic, overrides, e);
            return topicLogConfig.apply(Map.of());
        }
    }
}
