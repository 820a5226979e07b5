package io.tributary.broker.replication;

import io.tributary.api.TopicPartition;
import io.tributary.api.util.DaemonThreads;
import io.tributary.broker.partition.LeaderState;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.coordination.CasResult;
import io.tributary.coordination.PartitionMetadata;
import io.tributary.coordination.PartitionState;
import io.tributary.coordination.PartitionStateStore;
import io.tributary.coordination.VersionedPartitionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The leader's side of ISR changes. Followers that have not caught up for {@code replica.lag.time.max.ms} are
 * removed (checked every half of that); followers that reached the high watermark are added back. Each change is a
 * compare-and-set of the partition state znode at the version this broker last saw, carrying its leader epoch: if
 * the controller (or anyone) wrote in between, the write fails and nothing changes until the fresh state arrives
 * through the metadata cache.
 *
 * <p>All writes run on one thread, so a partition never has two ISR changes in flight; until a change is committed
 * the partition keeps its old ISR, which for a shrink is the safe (larger) set for the high watermark.
 */
public final class IsrManager implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(IsrManager.class);

    private final PartitionManager partitions;
    private final Supplier<PartitionStateStore> store;
    private final BooleanSupplier sessionServing;
    private final long lagMaxMs;
    private final ScheduledExecutorService thread;
    /** Partitions with an expansion queued, so a burst of fetches queues one write. */
    private final Set<TopicPartition> expansionQueued = ConcurrentHashMap.newKeySet();

    public IsrManager(PartitionManager partitions, Supplier<PartitionStateStore> store, BooleanSupplier sessionServing,
                      long lagMaxMs) {
        this.partitions = partitions;
        this.store = store;
        this.sessionServing = sessionServing;
        this.lagMaxMs = lagMaxMs;
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("isr-manager"));
        long period = Math.max(100, lagMaxMs / 2);
        thread.scheduleWithFixedDelay(this::shrinkLaggingReplicas, period, period, TimeUnit.MILLISECONDS);
    }

    /** A follower fetch may have brought replicas into sync: check this partition soon. */
    public void maybeExpand(Partition partition) {
        if (partition.caughtUpOutOfSyncReplicas().isEmpty() || !expansionQueued.add(partition.topicPartition())) {
            return;
        }
        thread.execute(() -> {
            expansionQueued.remove(partition.topicPartition());
            List<Integer> ready = partition.caughtUpOutOfSyncReplicas();
            if (!ready.isEmpty()) {
                LeaderState s = partition.state();
                List<Integer> isr = new ArrayList<>(s.isr());
                ready.stream().filter(r -> !isr.contains(r)).forEach(isr::add);
                write(partition, s, isr, "expand: " + ready + " caught up");
            }
        });
    }

    private void shrinkLaggingReplicas() {
        long now = System.currentTimeMillis();
        for (Partition p : partitions.partitions().values()) {
            try {
                List<Integer> lagging = p.laggingInSyncReplicas(now, lagMaxMs);
                if (!lagging.isEmpty()) {
                    LeaderState s = p.state();
                    List<Integer> isr = new ArrayList<>(s.isr());
                    isr.removeAll(lagging);
                    write(p, s, isr, "shrink: " + lagging + " not caught up for " + lagMaxMs + " ms");
                }
            } catch (RuntimeException e) {
                log.error("{}: ISR check failed", p.topicPartition(), e);
            }
        }
    }

    private void write(Partition partition, LeaderState s, List<Integer> newIsr, String why) {
        TopicPartition tp = partition.topicPartition();
        if (!sessionServing.getAsBoolean() || s.leader() != partition.localBrokerId() || newIsr.equals(s.isr())) {
            return;
        }
        // Keep the controller's stamp of the leader's broker epoch (it changes only with the leader epoch): it is how a
        // later controller tells that this leader restarted since it was elected.
        long leaderBrokerEpoch = partitions.metadata().partition(tp)
                .flatMap(PartitionMetadata::stateOptional)
                .map(VersionedPartitionState::state)
                .filter(current -> current.leaderEpoch() == s.leaderEpoch() && current.leader() == s.leader())
                .map(PartitionState::leaderBrokerEpoch)
                .orElse(0L);
        PartitionState next = new PartitionState(s.leader(), s.leaderEpoch(), newIsr, s.controllerEpoch())
                .withLeaderBrokerEpoch(leaderBrokerEpoch);
        try {
            CasResult result = store.get().compareAndSet(tp, next, s.stateZkVersion());
            if (result instanceof CasResult.Written w) {
                partition.applyState(new LeaderState(s.leader(), s.leaderEpoch(), newIsr, s.replicas(), s.controllerEpoch(),
                        w.newZkVersion()));
                log.info("{}: ISR {} -> {} ({})", tp, s.isr(), newIsr, why);
            } else if (result instanceof CasResult.VersionConflict conflict) {
                log.info("{}: ISR change {} -> {} lost a race ({}); waiting for the current state",
                        tp, s.isr(), newIsr, conflict.current().map(VersionedPartitionState::state).orElse(null));
            }
        } catch (Exception e) {
            log.warn("{}: ISR change {} -> {} failed: {}", tp, s.isr(), newIsr, e.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
