package io.tributary.broker.group;

import io.tributary.api.TributaryException;
import io.tributary.api.v1.GroupValue;
import io.tributary.api.v1.MemberValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Keeps a group's record (generation, assignor, members and their targets) in its {@code __consumer_offsets}
 * partition, one write at a time: a change while a write is in flight is written, from the state then, when it
 * completes; a failed write is retried after {@link #WRITE_RETRY_BACKOFF_MS}. Members are not held up by it: what a
 * new coordinator cannot learn from the record it learns from the members when they resume.
 *
 * <p>Not thread-safe: called under the group's lock, and write acknowledgements take that same {@code lock}.
 */
final class GroupRecordWriter {
    private static final Logger log = LoggerFactory.getLogger(GroupRecordWriter.class);
    static final long WRITE_RETRY_BACKOFF_MS = 1_000;

    private final String groupId;
    private final GroupEnvironment env;
    /** The owning group's monitor. */
    private final Object lock;
    /** Whether the group still writes; read under {@link #lock}. */
    private final BooleanSupplier active;
    /** The record as the group's state says now. */
    private final Supplier<GroupValue> current;
    /** Runs under the lock after a write completed: the group re-arms its timer for a retry. */
    private final Runnable afterWrite;

    /** A GroupValue of this group is in the log (not tombstoned). */
    private boolean hasRecord;
    private boolean inFlight;
    private boolean dirty;
    private long retryAtMs = -1;

    GroupRecordWriter(String groupId, GroupEnvironment env, Object lock, BooleanSupplier active,
                      Supplier<GroupValue> current, Runnable afterWrite) {
        this.groupId = groupId;
        this.env = env;
        this.lock = lock;
        this.active = active;
        this.current = current;
        this.afterWrite = afterWrite;
    }

    /** Writes the record now, or marks it to be written once the write in flight completes. */
    void persist() {
        if (!active.getAsBoolean()) {
            return;
        }
        if (inFlight) {
            dirty = true;
            return;
        }
        GroupLogWriter.Appended appended;
        try {
            appended = env.writer().append(List.of(GroupRecords.groupMetadata(groupId, current.get())));
        } catch (TributaryException e) {
            log.warn("group {}: could not write its group record: {}; retrying", groupId, e.getMessage());
            dirty = true;
            retryAtMs = env.time().milliseconds() + WRITE_RETRY_BACKOFF_MS;
            return;
        }
        inFlight = true;
        dirty = false;
        hasRecord = true;
        appended.acknowledged().whenComplete((ok, failure) -> writeDone(failure));
    }

    private void writeDone(Throwable failure) {
        synchronized (lock) {
            inFlight = false;
            if (!active.getAsBoolean()) {
                return;
            }
            if (failure != null) {
                log.warn("group {}: group record not replicated: {}; retrying", groupId, failure.getMessage());
                dirty = true;
                retryAtMs = env.time().milliseconds() + WRITE_RETRY_BACKOFF_MS;
            } else if (dirty) {
                persist();
            }
            afterWrite.run();
        }
    }

    /** For the group's timer: writes a record whose retry is due. */
    void retryIfDue(long nowMs) {
        if (dirty && !inFlight && nowMs >= retryAtMs) {
            persist();
        }
    }

    /** When a retry is due, or {@code Long.MAX_VALUE}. */
    long nextRetryMs() {
        return dirty && !inFlight ? retryAtMs : Long.MAX_VALUE;
    }

    boolean inFlight() {
        return inFlight;
    }

    boolean hasRecord() {
        return hasRecord;
    }

    /** A record was loaded from the log (or its tombstone replicated: {@code false}). */
    void setHasRecord(boolean hasRecord) {
        this.hasRecord = hasRecord;
    }

    static GroupValue toValue(Collection<GroupMember> members, int generation, String assignorName, long nowMs) {
        GroupValue.Builder v = GroupValue.newBuilder().setGenerationId(generation).setAssignor(assignorName)
                .setTimestampMs(nowMs);
        for (GroupMember m : members) {
            v.addMembers(MemberValue.newBuilder().setMemberId(m.memberId)
                    .setGroupInstanceId(m.instanceId == null ? "" : m.instanceId).setClientId(m.clientId)
                    .setHost(m.host).addAllTopics(m.topics).addAllAssignors(m.assignors)
                    .setSessionTimeoutMs(m.sessionTimeoutMs).setRebalanceTimeoutMs(m.rebalanceTimeoutMs)
                    .addAllTarget(PartitionSets.toProto(m.target)));
        }
        return v.build();
    }

    /** A member read back by a new coordinator: it awaits its resume, with a full session timeout from now. */
    static GroupMember memberFromValue(MemberValue mv, long nowMs) {
        GroupMember m = new GroupMember(mv.getMemberId(), mv.getGroupInstanceId().isEmpty() ? null : mv.getGroupInstanceId());
        m.clientId = mv.getClientId();
        m.host = mv.getHost();
        m.topics = new TreeSet<>(mv.getTopicsList());
        m.assignors = List.copyOf(mv.getAssignorsList());
        m.sessionTimeoutMs = mv.getSessionTimeoutMs();
        m.rebalanceTimeoutMs = mv.getRebalanceTimeoutMs();
        m.lastSeenMs = nowMs;
        m.awaitingResume = true;
        m.hasTarget = true;
        m.target = PartitionSets.fromProto(mv.getTargetList());
        return m;
    }
}
