package io.tributary.broker.group;

import io.tributary.api.TopicPartition;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One member of a {@link ConsumerGroup}: who it is, what it subscribes to, and where its reconciliation stands.
 *
 * <p>What the member may hold is tracked conservatively. {@link #owned} is what it last acknowledged;
 * {@link #sentSinceAck} remembers, per generation, every partition sent to it from the generation of that
 * acknowledgement on, because an acknowledgement may predate Assignments still in flight. {@link #held()} is
 * the union of both: the partitions no other member may be given yet.
 *
 * <p>Not thread-safe: guarded by the owning group's monitor.
 */
final class GroupMember {
    /** Generations of sends kept apart before the oldest are merged (conservatively, into the newer one). */
    private static final int MAX_SENT_GENERATIONS = 16;

    final String memberId;
    final String instanceId;
    String clientId;
    String host;
    SortedSet<String> topics;
    List<String> assignors;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    /** Last message from the member (or when it was loaded): the session timeout runs from here. */
    long lastSeenMs;
    /** Null while no stream is attached (broken, or loaded by a new coordinator and not resumed yet). */
    MemberStream stream;
    /**
     * Loaded from the log by a new coordinator and not resumed yet: what it owns is unknown, so no partition moves in
     * the group until it resumes or its session expires.
     */
    boolean awaitingResume;
    /** Whether a target computation has included this member (a new member waits for its first). */
    boolean hasTarget;
    SortedSet<TopicPartition> target = new TreeSet<>();
    SortedSet<TopicPartition> owned = new TreeSet<>();
    int ackGeneration = -1;
    final TreeMap<Integer, SortedSet<TopicPartition>> sentSinceAck = new TreeMap<>();
    /** The last Assignment sent: its partitions, pending and generation; null partitions = none sent yet. */
    SortedSet<TopicPartition> sentPartitions;
    SortedSet<TopicPartition> sentPending = new TreeSet<>();
    int sentGeneration = -1;
    /** A new stream needs the current Assignment even if it did not change. */
    boolean needsResend;
    /** A Rejoin asked for a new round: its next Assignment carries the new generation even if unchanged. */
    boolean rejoinRequested;
    /** Eager assignor: must acknowledge owning nothing before it gets partitions of the new generation. */
    boolean eagerRevokePending;
    /** Since when it holds partitions it was told to give up; -1 when none. */
    long revokingSinceMs = -1;

    GroupMember(String memberId, String instanceId) {
        this.memberId = memberId;
        this.instanceId = instanceId;
    }

    /**
     * A static member's new process taking {@code old}'s place under {@code memberId}: it keeps the subscription,
     * target and reconciliation state, and inherits everything the old process may still hold, since that one may
     * go on consuming until it notices it was fenced.
     */
    static GroupMember replacing(GroupMember old, String memberId) {
        GroupMember m = new GroupMember(memberId, old.instanceId);
        m.topics = old.topics;
        m.assignors = old.assignors;
        m.hasTarget = old.hasTarget;
        m.target = old.target;
        m.owned = old.owned;
        m.ackGeneration = old.ackGeneration;
        old.sentSinceAck.forEach((g, p) -> m.sentSinceAck.put(g, new TreeSet<>(p)));
        m.sentPartitions = old.sentPartitions;
        m.sentPending = old.sentPending;
        m.sentGeneration = old.sentGeneration;
        m.eagerRevokePending = old.eagerRevokePending;
        m.revokingSinceMs = old.revokingSinceMs;
        return m;
    }

    boolean isStatic() {
        return instanceId != null;
    }

    /** Everything this member may be consuming: acknowledged, or sent and not yet acknowledged away. */
    SortedSet<TopicPartition> held() {
        SortedSet<TopicPartition> held = new TreeSet<>(owned);
        sentSinceAck.values().forEach(held::addAll);
        return held;
    }

    /** Records an Assignment sent at {@code generation}. */
    void recordSent(int generation, SortedSet<TopicPartition> partitions, SortedSet<TopicPartition> pending) {
        sentPartitions = new TreeSet<>(partitions);
        sentPending = new TreeSet<>(pending);
        sentGeneration = generation;
        sentSinceAck.computeIfAbsent(generation, g -> new TreeSet<>()).addAll(partitions);
        while (sentSinceAck.size() > MAX_SENT_GENERATIONS) {
            Map.Entry<Integer, SortedSet<TopicPartition>> oldest = sentSinceAck.pollFirstEntry();
            sentSinceAck.firstEntry().getValue().addAll(oldest.getValue());
        }
    }

    /**
     * The member acknowledged owning {@code reported} after applying an Assignment of {@code generation}: it cannot
     * own what it was never given, and it has applied (or skipped) every Assignment of older generations.
     */
    void acknowledge(int generation, SortedSet<TopicPartition> reported) {
        SortedSet<TopicPartition> mayHold = held();
        owned = new TreeSet<>(reported);
        owned.retainAll(mayHold);
        if (generation >= ackGeneration) {
            ackGeneration = generation;
            Iterator<Integer> it = sentSinceAck.keySet().iterator();
            while (it.hasNext()) {
                if (it.next() < generation) {
                    it.remove();
                }
            }
        }
    }

    /** A removed member owns nothing, whatever it last said. */
    void clearOwnership() {
        owned = new TreeSet<>();
        sentSinceAck.clear();
    }
}
