package io.tributary.broker.partition;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogReadInfo;
import io.tributary.broker.log.PartitionLog;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 * ({@link #recordFollowerEndOffset}), which the replication layer does.
 */
public final class Partition {
    private final TopicPartition topicPartition;
    private final int localBrokerId;
    private final PartitionLog log;
    private final PartitionWatchers watchers;
    private final ReentrantReadWriteLock leaderLock = new ReentrantReadWriteLock();
    private volatile LeaderState state = LeaderState.NONE;
    /** Followers' last reported log end offsets (replication fills this). */
    private final Map<Integer, Long> followerEndOffsets = new ConcurrentHashMap<>();
    /** acks=all appends waiting for the high watermark to pass their last offset, keyed by that offset + 1. */
    private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> replicationWaiters = new ConcurrentSkipListMap<>();

    public Partition(TopicPartition topicPartition, int localBrokerId, PartitionLog log, PartitionWatchers watchers) {
        this.topicPartition = topicPartition;
        this.localBrokerId = localBrokerId;
        this.log = log;
        this.watchers = watchers;
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
            if (newState.leader() != localBrokerId) {
                followerEndOffsets.clear();
                // A former leader can no longer promise replication of what it appended: fail the waiters so
                // producers retry against the new leader.
                failReplicationWaiters(new TributaryException(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                        "leadership of " + topicPartition + " moved to broker " + newState.leader() + " before replication finished"));
            } else if (old.leader() != localBrokerId || old.leaderEpoch() != newState.leaderEpoch()) {
                followerEndOffsets.keySet().retainAll(newState.replicas());
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
     * @throws TributaryException NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, or the log's
     *     validation errors
     */
    public LogAppendInfo appendAsLeader(ByteBuffer records, OptionalInt clientLeaderEpoch, int minInSyncReplicas,
                                        boolean requireMinIsr) {
        leaderLock.readLock().lock();
        LogAppendInfo info;
        try {
            LeaderState s = state;
            checkLeader(s, clientLeaderEpoch);
            if (requireMinIsr && s.isr().size() < minInSyncReplicas) {
                throw new TributaryException(ErrorCode.NOT_ENOUGH_REPLICAS, topicPartition + " has " + s.isr().size()
                        + " in-sync replica(s) " + s.isr() + ", fewer than min.insync.replicas=" + minInSyncReplicas);
            }
            info = log.appendAsLeader(records, s.leaderEpoch());
        } finally {
            leaderLock.readLock().unlock();
        }
        maybeIncrementHighWatermark();
        return info;
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
                throw new TributaryException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + theirs + " of " + topicPartition
                        + " is stale; the current epoch is " + s.leaderEpoch() + " (refresh metadata)");
            }
            if (theirs > s.leaderEpoch()) {
                throw new TributaryException(ErrorCode.UNKNOWN_LEADER_EPOCH, "leader epoch " + theirs + " of " + topicPartition
                        + " is newer than this broker's " + s.leaderEpoch() + "; it has not caught up yet, retry");
            }
        }
        if (s.leader() != localBrokerId) {
            throw new TributaryException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + localBrokerId + " does not lead "
                    + topicPartition + (s.leader() >= 0 ? "; broker " + s.leader() + " does" : "; it has no leader right now"));
        }
    }

    /** Replication seam: a follower reported its log end offset. */
    public void recordFollowerEndOffset(int brokerId, long logEndOffset) {
        followerEndOffsets.put(brokerId, logEndOffset);
        maybeIncrementHighWatermark();
    }

    /** The smallest log end offset across the ISR; followers that have not reported count as 0. */
    private void maybeIncrementHighWatermark() {
        long before;
        long after;
        leaderLock.readLock().lock();
        try {
            LeaderState s = state;
            if (s.leader() != localBrokerId) {
                return;
            }
            long min = log.logEndOffset();
            for (int replica : s.isr()) {
                if (replica != localBrokerId) {
                    min = Math.min(min, followerEndOffsets.getOrDefault(replica, 0L));
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
