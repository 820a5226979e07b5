package io.tributary.broker.partition;

import io.tributary.api.ErrorCode;
import io.tributary.api.LeaderHint;
import io.tributary.api.LeaderHintException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogReadInfo;
import io.tributary.broker.log.PartitionLog;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * One partition hosted by this broker: its log, whether this broker leads it (and at which epoch), and its high
 * watermark.
 *
 * <h2>Concurrency</h2>
 * {@link #leaderLock}: appends and consumer reads take the read lock (many at once; the log serialises its own
 * writers); role changes take the write lock, so no append straddles a change of leader epoch. Lock order:
 * {@code leaderLock}, then the log's lock. The high watermark is advanced under the read lock too, with
 * compare-and-set semantics inside {@link PartitionLog#updateHighWatermark}.
 *
 * <p>The high watermark is the smallest log end offset across the ISR. With a single replica it follows this
 * broker's log end at once; with more, it waits for followers to report their log end offsets
 * ({@link #updateFollowerFetchState}), which the replication layer does.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final int localBrokerId;
    private final PartitionLog log;
    private final PartitionWatchers watchers;
    private final PartitionWatchers appendWatchers;
    private final Supplier<LeaderHint> leaderHint;
    private final IsrChangeStats isrChanges;
    private final ReentrantReadWriteLock leaderLock = new ReentrantReadWriteLock();
    private volatile LeaderState state = LeaderState.NONE;

    /**
     * What the leader knows of a follower from its fetches (Kafka's ReplicaState): its log end offset, and since when
     * it has been caught up. Immutable; swapped whole.
     *
     * @param logEndOffset               the follower's log end offset (its last fetch offset); -1 before its first fetch
     * @param lastCaughtUpTimeMs         the last time the follower had everything the leader had
     * @param lastFetchLeaderEndOffset   the leader's log end offset when it answered the follower's previous fetch
     * @param lastFetchTimeMs            when that previous fetch came
     */
    record FollowerState(long logEndOffset, long lastCaughtUpTimeMs, long lastFetchLeaderEndOffset, long lastFetchTimeMs) {
    }

    /** Followers as seen by this broker while it leads; reset on every new leadership. */
    private final Map<Integer, FollowerState> followers = new ConcurrentHashMap<>();
    /** acks=all appends waiting for the high watermark to pass their last offset, keyed by that offset + 1. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> replicationWaiters = new ConcurrentSkipListMap<>();

    /**
     * @param leaderHint who leads this partition according to the broker's metadata, for the hint every leadership
     *     error carries (read only when such an error is raised)
     */
    public Partition(TopicPartition topicPartition, int localBrokerId, PartitionLog log, PartitionWatchers watchers,
                     PartitionWatchers appendWatchers, Supplier<LeaderHint> leaderHint, IsrChangeStats isrChanges) {
        this.isrChanges = isrChanges;
        this.topicPartition = topicPartition;
        this.localBrokerId = localBrokerId;
        this.log = log;
        this.watchers = watchers;
        this.appendWatchers = appendWatchers;
        this.leaderHint = leaderHint;
    }

    public int localBrokerId() {
        return localBrokerId;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public PartitionLog log() {
        return log;
    }

    public LeaderState state() {
        return state;
    }

    public boolean isLeader() {
        return state.leader() == localBrokerId;
    }

    /** Adopts a new leadership state (become leader or follower, or an ISR change). */
    public void applyState(LeaderState newState) {
        leaderLock.writeLock().lock();
        try {
            LeaderState old = state;
            state = newState;
            if (old.leader() == localBrokerId && newState.leader() == localBrokerId && old.leaderEpoch() == newState.leaderEpoch()) {
                isrChanges.record(old.isr().size(), newState.isr().size());
            }
            if (newState.leader() != localBrokerId) {
                followers.clear();
                // A former leader can no longer promise replication of what it appended: fail the waiters so
                // producers retry against the new leader.
                failReplicationWaiters(new TributaryException(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                        "leadership of " + topicPartition + " moved to broker " + newState.leader() + " before replication finished"));
            } else if (old.leader() != localBrokerId || old.leaderEpoch() != newState.leaderEpoch()) {
                // A new leadership: every follower gets a full replica.lag.time.max.ms to show it keeps up.
                long now = System.currentTimeMillis();
                followers.clear();
                for (int replica : newState.replicas()) {
                    if (replica != localBrokerId) {
                        followers.put(replica, new FollowerState(-1L, now, -1L, now));
                    }
                }
            }
            if (newState.leader() == localBrokerId && newState.isr().size() < log.config().minInSyncReplicas()) {
                failReplicationWaiters(new TributaryException(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, topicPartition
                        + ": the in-sync replicas shrank to " + newState.isr() + ", below min.insync.replicas="
                        + log.config().minInSyncReplicas() + ", before the records were replicated"));
            }
        } finally {
            leaderLock.writeLock().unlock();
        }
        if (newState.leader() == localBrokerId) {
            maybeIncrementHighWatermark();
        }
    }

    /**
     * Appends producer batches as leader.
     *
     * @param clientLeaderEpoch the epoch the client believes in, if it sent one
     * @param requireMinIsr whether the write needs the log's {@code min.insync.replicas} in sync (acks=all)
     * @throws TributaryException NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
     *     NOT_ENOUGH_REPLICAS, or the log's validation errors
     */
    public LogAppendInfo appendAsLeader(ByteBuffer records, OptionalInt clientLeaderEpoch, boolean requireMinIsr) {
        leaderLock.readLock().lock();
        LogAppendInfo info;
        try {
            LeaderState s = state;
            checkLeader(s, clientLeaderEpoch);
            int minInSyncReplicas = log.config().minInSyncReplicas();
            if (requireMinIsr && s.isr().size() < minInSyncReplicas) {
                throw new TributaryException(ErrorCode.NOT_ENOUGH_REPLICAS, topicPartition + " has " + s.isr().size()
                        + " in-sync replica(s) " + s.isr() + ", fewer than min.insync.replicas=" + minInSyncReplicas);
            }
            info = log.appendAsLeader(records, s.leaderEpoch());
        } finally {
            leaderLock.readLock().unlock();
        }
        appendWatchers.notifyDataAvailable(topicPartition);
        maybeIncrementHighWatermark();
        return info;
    }

    /**
     * Appends batches fetched from the leader, if this broker still follows at {@code leaderEpoch}: a role change
     * between the fetch and the append must not let stale data in.
     *
     * @return false when the role changed and nothing was appended
     */
    public boolean appendAsFollower(ByteBuffer records, int leaderEpoch, long leaderHighWatermark) {
        leaderLock.readLock().lock();
        try {
            LeaderState s = state;
            if (s.leader() == localBrokerId || s.leaderEpoch() != leaderEpoch) {
                return false;
            }
            if (records.hasRemaining()) {
                log.appendAsFollower(records);
            }
            log.updateHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset()));
            return true;
        } finally {
            leaderLock.readLock().unlock();
        }
    }

    /** Truncates a follower's divergent suffix, if it still follows at {@code leaderEpoch}. */
    public boolean truncateAsFollower(long offset, int leaderEpoch) {
        leaderLock.readLock().lock();
        try {
            LeaderState s = state;
            if (s.leader() == localBrokerId || s.leaderEpoch() != leaderEpoch) {
                return false;
            }
            log.truncateTo(offset);
            return true;
        } finally {
            leaderLock.readLock().unlock();
        }
    }

    /** Restarts a follower's empty log at the leader's log start (it fell behind retention). */
    public boolean resetAsFollower(long offset, int leaderEpoch) {
        leaderLock.readLock().lock();
        try {
            LeaderState s = state;
            if (s.leader() == localBrokerId || s.leaderEpoch() != leaderEpoch) {
                return false;
            }
            log.truncateFullyAndStartAt(offset);
            return true;
        } finally {
            leaderLock.readLock().unlock();
        }
    }

    /** Reads committed data (below the high watermark) for a consumer; only the leader serves it. */
    public LogReadInfo readForConsumer(long offset, int maxBytes, boolean minOneBatch, OptionalInt clientLeaderEpoch) {
        leaderLock.readLock().lock();
        try {
            checkLeader(state, clientLeaderEpoch);
            return log.read(offset, maxBytes, log.highWatermark(), minOneBatch);
        } finally {
            leaderLock.readLock().unlock();
        }
    }

    /** Checks that this broker leads at the epoch the client believes in. */
    public void checkLeader(OptionalInt clientLeaderEpoch) {
        checkLeader(state, clientLeaderEpoch);
    }

    private void checkLeader(LeaderState s, OptionalInt clientLeaderEpoch) {
        if (clientLeaderEpoch.isPresent()) {
            int theirs = clientLeaderEpoch.getAsInt();
            if (theirs < s.leaderEpoch()) {
                throw new LeaderHintException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + theirs + " of " + topicPartition
                        + " is stale; the current epoch is " + s.leaderEpoch() + " (refresh metadata)", leaderHint.get());
            }
            if (theirs > s.leaderEpoch()) {
                throw new LeaderHintException(ErrorCode.UNKNOWN_LEADER_EPOCH, "leader epoch " + theirs + " of " + topicPartition
                        + " is newer than this broker's " + s.leaderEpoch() + "; it has not caught up yet, retry", leaderHint.get());
            }
        }
        if (s.leader() != localBrokerId) {
            throw new LeaderHintException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + localBrokerId + " does not lead "
                    + topicPartition + (s.leader() >= 0 ? "; broker " + s.leader() + " does" : "; it has no leader right now"),
                    leaderHint.get());
        }
    }

    /**
     * Leader: a follower fetched from {@code fetchOffset}, so it has everything below. Updates its state (Kafka's
     * rule for "caught up": it had the leader's log end at this fetch, or at least what the leader had when it
     * answered the previous fetch) and the high watermark.
     */
    public void updateFollowerFetchState(int replicaId, long fetchOffset, long nowMs) {
        leaderLock.readLock().lock();
        try {
            if (state.leader() != localBrokerId || replicaId == localBrokerId) {
                return;
            }
            long leaderEnd = log.logEndOffset();
            FollowerState prev = followers.getOrDefault(replicaId, new FollowerState(-1L, nowMs, -1L, nowMs));
            long caughtUp = fetchOffset >= leaderEnd ? nowMs
                    : fetchOffset >= prev.lastFetchLeaderEndOffset() && prev.lastFetchLeaderEndOffset() >= 0
                    ? Math.max(prev.lastCaughtUpTimeMs(), prev.lastFetchTimeMs()) : prev.lastCaughtUpTimeMs();
            followers.put(replicaId, new FollowerState(fetchOffset, caughtUp, leaderEnd, nowMs));
        } finally {
            leaderLock.readLock().unlock();
        }
        maybeIncrementHighWatermark();
    }

    /** Leader: ISR members (other than itself) that have not been caught up for {@code lagMaxMs}. */
    public List<Integer> laggingInSyncReplicas(long nowMs, long lagMaxMs) {
        LeaderState s = state;
        List<Integer> lagging = new ArrayList<>();
        if (s.leader() != localBrokerId) {
            return lagging;
        }
        for (int replica : s.isr()) {
            FollowerState f = followers.get(replica);
            if (replica != localBrokerId && (f == null || nowMs - f.lastCaughtUpTimeMs() > lagMaxMs)) {
                lagging.add(replica);
            }
        }
        return lagging;
    }

    /**
     * Leader: assigned replicas outside the ISR that have reached the high watermark and the start of this leader
     * epoch, so adding them cannot let the high watermark go back (Kafka's ISR expansion rule).
     */
    public List<Integer> caughtUpOutOfSyncReplicas() {
        LeaderState s = state;
        List<Integer> ready = new ArrayList<>();
        if (s.leader() != localBrokerId) {
            return ready;
        }
        long hw = log.highWatermark();
        long epochStart = log.leaderEpochCache().entries().stream().filter(e -> e.epoch() == s.leaderEpoch())
                .mapToLong(e -> e.startOffset()).findFirst().orElse(0L);
        for (int replica : s.replicas()) {
            FollowerState f = followers.get(replica);
            if (replica != localBrokerId && !s.isr().contains(replica) && f != null
                    && f.logEndOffset() >= hw && f.logEndOffset() >= epochStart) {
                ready.add(replica);
            }
        }
        return ready;
    }

    /** Reads a follower's fetch: everything up to the log end, not just the high watermark. */
    public LogReadInfo readForFollower(long offset, int maxBytes, boolean minOneBatch) {
        return log.read(offset, maxBytes, Long.MAX_VALUE, minOneBatch);
    }

    /**
     * The smallest log end offset across the ISR, if the ISR has at least min.insync.replicas members: below that
     * the high watermark stays where it is (acks=all writes then time out or fail rather than be acknowledged by
     * too few replicas). Followers that have not fetched yet count as 0.
     */
    private void maybeIncrementHighWatermark() {
        long before;
        long after;
        leaderLock.readLock().lock();
        try {
            LeaderState s = state;
            if (s.leader() != localBrokerId || s.isr().size() < log.config().minInSyncReplicas()) {
                return;
            }
            long min = log.logEndOffset();
            for (int replica : s.isr()) {
                if (replica != localBrokerId) {
                    FollowerState f = followers.get(replica);
                    min = Math.min(min, f == null ? 0L : Math.max(0L, f.logEndOffset()));
                }
            }
            before = log.highWatermark();
            log.updateHighWatermark(min);
            after = log.highWatermark();
        } finally {
            leaderLock.readLock().unlock();
        }
        if (after > before) {
            completeReplicationWaiters(after);
            watchers.notifyDataAvailable(topicPartition);
        }
    }

    /**
     * Completes when the high watermark reaches {@code offset} (every ISR member has everything below it): what
     * acks=all waits for. The caller bounds the wait.
     */
    public CompletableFuture<Void> awaitHighWatermark(long offset) {
        if (log.highWatermark() >= offset) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = replicationWaiters.computeIfAbsent(offset, k -> new CompletableFuture<>());
        // The high watermark may have moved between the check and the registration.
        if (log.highWatermark() >= offset) {
            completeReplicationWaiters(log.highWatermark());
        }
        return f;
    }

    private void completeReplicationWaiters(long highWatermark) {
        Iterator<Map.Entry<Long, CompletableFuture<Void>>> it = replicationWaiters.headMap(highWatermark, true).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, CompletableFuture<Void>> e = it.next();
            it.remove();
            e.getValue().complete(null);
        }
    }

    private void failReplicationWaiters(Throwable cause) {
        Iterator<Map.Entry<Long, CompletableFuture<Void>>> it = replicationWaiters.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, CompletableFuture<Void>> e = it.next();
            it.remove();
            e.getValue().completeExceptionally(cause);
        }
    }

    /** Fails every waiter: the partition is going away. */
    public void close(String why) {
        failReplicationWaiters(new TributaryException(ErrorCode.NOT_LEADER_OR_FOLLOWER, topicPartition + " " + why));
    }

    @Override
    public String toString() {
        return "Partition(" + topicPartition + ", " + state + ")";
    }
}
