package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.AssignmentAck;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.GroupDescription;
import io.tributary.api.v1.GroupValue;
import io.tributary.api.v1.HeartbeatAck;
import io.tributary.api.v1.JoinGroup;
import io.tributary.api.v1.Joined;
import io.tributary.api.v1.MemberDescription;
import io.tributary.api.v1.MemberValue;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.broker.group.MemberRequests.JoinSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One consumer group at its coordinator: members, the target assignment, what each member may hold, committed
 * offsets, and the records that make them survive a coordinator move.
 *
 * <p><b>Membership.</b> A change of membership, subscriptions, subscribed partition counts or assignor, or a
 * Rejoin, recomputes the target with the group's assignor and bumps the generation (after
 * {@code group.initial.rebalance.delay.ms} for the first assignment of an empty group, else coalesced for
 * {@value #REBALANCE_COALESCE_MS} ms). A member is then sent, whenever it changes, {@code deliverable} = the
 * partitions of its target that no other member holds, and {@code pending} = the rest of its target. An eager
 * assignor's member first gets an empty Assignment and nothing more until it acknowledged owning nothing. A partition
 * is therefore never sent to a member while another may still consume it (see {@link GroupMember#held()}).
 *
 * <p><b>Parts.</b> This class owns membership (join, resume, static takeover, leave, timeouts), the generation and
 * the timers. Under its lock it delegates the target and reconciliation to {@link AssignmentReconciler}, committed
 * offsets to {@link GroupOffsets}, the group record to {@link GroupRecordWriter}, and request checks to
 * {@link MemberRequests}. What remains (~680 lines, half of them comments and checks with their messages) is the
 * membership state machine, whose transitions all read and write the members, the generation and the timers.
 *
 * <p><b>Thread-safety.</b> Every method is synchronized on the group: gRPC callbacks, timers and write
 * acknowledgements for the group run one at a time. Lock order: group, then a member's stream (sends happen under
 * the group's lock; streams never call back into the group while holding their own).
 */
final class ConsumerGroup {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroup.class);

    /** How long a recompute waits for more changes to fold in: long enough for a burst, short enough to go unnoticed. */
    static final long REBALANCE_COALESCE_MS = 5;
    /**
     * How far ahead of the stored generation a resuming member's generation is believed: the group record is written
     * asynchronously, so it may lag a few generations, but a bogus huge value must not run the counter into overflow.
     */
    static final int MAX_RESUME_GENERATION_GAP = 1_000;

    /** KIP-848's state names, as ListGroups and DescribeGroups report them. */
    enum State {
        EMPTY("Empty"), ASSIGNING("Assigning"), RECONCILING("Reconciling"), STABLE("Stable"), DEAD("Dead");

        final String label;

        State(String label) {
            this.label = label;
        }
    }

    private final String groupId;
    private final GroupEnvironment env;
    /** In join order: the oldest member's assignor preference decides. */
    private final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
    private final Map<String, String> memberIdByInstance = new HashMap<>();
    private final GroupOffsets offsets;
    private final GroupRecordWriter groupRecord;
    private final AssignmentReconciler reconciler;
    private int generation;
    private String assignorName = "";
    /** Partition counts of the subscribed topics at the last target computation. */
    private Map<String, Integer> assignedPartitionCounts = Map.of();
    private long recomputeAtMs = -1;
    /** False once unloaded or deleted: nothing more is written or sent. */
    private boolean active = true;
    private boolean deleted;
    private long timerAtMs = -1;
    private GroupEnvironment.Cancellable timer;

    ConsumerGroup(String groupId, GroupEnvironment env) {
        this.groupId = groupId;
        this.env = env;
        // The helpers share this group's monitor: their write acknowledgements run under the same lock.
        this.offsets = new GroupOffsets(groupId, env, this, () -> active);
        this.groupRecord = new GroupRecordWriter(groupId, env, this, () -> active,
                () -> GroupRecordWriter.toValue(members.values(), generation, assignorName, now()), this::reschedule);
        this.reconciler = new AssignmentReconciler(groupId, env.partitionCounts());
    }

    String groupId() {
        return groupId;
    }

    private long now() {
        return env.time().milliseconds();
    }

    // ---- Membership stream ------------------------------------------------------------------------------------

    /**
     * A member joins (empty member id), resumes (its member id, on a new stream) or takes over a static member's place
     * (known group.instance.id). Sends Joined, then an Assignment when there is one.
     *
     * @return the member id the stream now speaks for
     */
    synchronized String join(JoinGroup request, String host, MemberStream stream) {
        String memberId = admit(request, host, stream);
        reschedule();
        return memberId;
    }

    private String admit(JoinGroup request, String host, MemberStream stream) {
        checkActive();
        JoinSpec spec = MemberRequests.validateJoin(request, env.config());
        String memberId = request.getMemberId();
        if (!memberId.isEmpty()) {
            GroupMember m = members.get(memberId);
            if (m == null) {
                if (spec.instanceId() != null && memberIdByInstance.containsKey(spec.instanceId())) {
                    throw fenced(spec.instanceId(), memberIdByInstance.get(spec.instanceId()));
                }
                throw new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + memberId + " is not in group "
                        + groupId + " (it left or timed out, and its partitions went to others); join again as a new member");
            }
            if (!Objects.equals(m.instanceId, spec.instanceId())) {
                throw fenced(spec.instanceId() == null ? String.valueOf(m.instanceId) : spec.instanceId(), memberId);
            }
            checkAssignors(m.memberId, spec.assignors());
            resume(m, spec, host, stream);
            return m.memberId;
        }
        if (spec.instanceId() != null && memberIdByInstance.containsKey(spec.instanceId())) {
            GroupMember old = members.get(memberIdByInstance.get(spec.instanceId()));
            checkAssignors(old.memberId, spec.assignors());
            return takeOver(old, spec, host, stream).memberId;
        }
        if (members.size() >= env.config().maxGroupSize()) {
            throw new TributaryException(ErrorCode.GROUP_MAX_SIZE_REACHED, "group " + groupId + " already has "
                    + members.size() + " members, the most group.max.size allows");
        }
        checkAssignors(null, spec.assignors());
        return addMember(spec, host, stream).memberId;
    }

    /** The joining member's assignors must share one with every other member. */
    private void checkAssignors(String replacingMemberId, List<String> assignors) {
        List<String> common = new ArrayList<>(assignors);
        for (GroupMember other : members.values()) {
            if (!other.memberId.equals(replacingMemberId)) {
                common.retainAll(other.assignors);
            }
        }
        if (common.isEmpty()) {
            throw new TributaryException(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "the member accepts assignors "
                    + assignors + ", none of which every member of group " + groupId + " accepts (the group uses '"
                    + assignorName + "')");
        }
    }

    private static TributaryException fenced(String instanceId, String currentMemberId) {
        return MemberRequests.fenced(instanceId, currentMemberId);
    }

    private GroupMember addMember(JoinSpec spec, String host, MemberStream stream) {
        boolean wasEmpty = members.isEmpty();
        GroupMember m = new GroupMember(newMemberId(spec.clientId()), spec.instanceId());
        apply(m, spec, host);
        m.stream = stream;
        members.put(m.memberId, m);
        if (m.instanceId != null) {
            memberIdByInstance.put(m.instanceId, m.memberId);
        }
        log.info("group {}: member {} joined (client {}, host {}, topics {}){}", groupId, m.memberId, spec.clientId(), host,
                spec.topics(), m.instanceId == null ? "" : " as static member " + m.instanceId);
        sendJoined(m);
        scheduleRecompute(wasEmpty ? env.config().initialRebalanceDelayMs() : REBALANCE_COALESCE_MS);
        return m;
    }

    private void apply(GroupMember m, JoinSpec spec, String host) {
        boolean subscriptionChanged = m.topics != null && !m.topics.equals(spec.topics());
        boolean assignorsChanged = m.assignors != null && !m.assignors.equals(spec.assignors());
        m.clientId = spec.clientId();
        m.host = host;
        m.topics = spec.topics();
        m.assignors = spec.assignors();
        m.sessionTimeoutMs = spec.sessionTimeoutMs();
        m.rebalanceTimeoutMs = spec.rebalanceTimeoutMs();
        m.lastSeenMs = now();
        if (subscriptionChanged || assignorsChanged) {
            scheduleRecompute(REBALANCE_COALESCE_MS);
        }
    }

    /** The member's stream broke and it came back (or a new coordinator loaded it and it found us). */
    private void resume(GroupMember m, JoinSpec spec, String host, MemberStream stream) {
        if (m.stream != null && m.stream != stream) {
            m.stream.fail(new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + m.memberId
                    + " resumed on a newer stream; this one is closed"));
        }
        apply(m, spec, host);
        m.stream = stream;
        if (m.awaitingResume) {
            // Nothing is known about what it owns but its word; only what nobody else holds is believed, so two
            // claims can never both stand. The generation continues from the highest any member has seen.
            m.awaitingResume = false;
            SortedSet<TopicPartition> claims = new TreeSet<>(spec.owned());
            members.values().stream().filter(o -> o != m).forEach(o -> claims.removeAll(o.held()));
            m.owned = claims;
            m.ackGeneration = spec.generation();
            generation = Math.max(generation, Math.min(spec.generation(), generation + MAX_RESUME_GENERATION_GAP));
        } else {
            m.acknowledge(Math.min(spec.generation(), Math.max(m.sentGeneration, 0)), spec.owned());
        }
        m.needsResend = true;
        log.info("group {}: member {} resumed from {} owning {}", groupId, m.memberId, host, m.owned);
        sendJoined(m);
        reconcileAll();
        reschedule();
    }

    /**
     * A static member restarted: the new process takes the old member's place and target under a new member id,
     * without a rebalance. The old process, if still running, is fenced.
     */
    private GroupMember takeOver(GroupMember old, JoinSpec spec, String host, MemberStream stream) {
        GroupMember m = GroupMember.replacing(old, newMemberId(spec.clientId()));
        apply(m, spec, host);
        m.stream = stream;
        m.needsResend = true;
        if (old.stream != null) {
            old.stream.fail(fenced(old.instanceId, m.memberId));
        }
        LinkedHashMap<String, GroupMember> reordered = new LinkedHashMap<>();
        members.forEach((id, x) -> reordered.put(id.equals(old.memberId) ? m.memberId : id, x == old ? m : x));
        members.clear();
        members.putAll(reordered);
        memberIdByInstance.put(m.instanceId, m.memberId);
        log.info("group {}: static member {} restarted as {} (was {}), keeping its assignment", groupId, m.instanceId,
                m.memberId, old.memberId);
        sendJoined(m);
        reconcileAll();
        groupRecord.persist();
        reschedule();
        return m;
    }

    /** The client id's first 64 characters (or "member") and a random UUID, as Kafka names members. */
    private static String newMemberId(String clientId) {
        return (clientId.isEmpty() ? "member" : clientId.substring(0, Math.min(64, clientId.length()))) + "-" + UUID.randomUUID();
    }

    private void sendJoined(GroupMember m) {
        m.stream.send(MembershipResponse.newBuilder().setJoined(Joined.newBuilder().setMemberId(m.memberId)
                .setGenerationId(generation).setSessionTimeoutMs(m.sessionTimeoutMs)
                .setHeartbeatIntervalMs(env.config().heartbeatIntervalFor(m.sessionTimeoutMs))).build());
    }

    /** The member behind a stream message; UNKNOWN_MEMBER_ID if it was removed or another stream replaced this one. */
    private GroupMember memberOf(String memberId, MemberStream stream) {
        checkActive();
        GroupMember m = members.get(memberId);
        if (m == null || m.stream != stream) {
            throw new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + memberId + " is no longer in group "
                    + groupId + " on this stream; join again");
        }
        m.lastSeenMs = now();
        return m;
    }

    synchronized void heartbeat(String memberId, MemberStream stream) {
        GroupMember m = memberOf(memberId, stream);
        State s = state();
        m.stream.send(MembershipResponse.newBuilder().setHeartbeatAck(HeartbeatAck.newBuilder()
                .setGenerationId(generation).setRebalancing(s == State.ASSIGNING || s == State.RECONCILING)).build());
    }

    synchronized void acknowledge(String memberId, MemberStream stream, AssignmentAck ack) {
        GroupMember m = memberOf(memberId, stream);
        SortedSet<TopicPartition> reported = PartitionSets.fromProto(ack.getOwnedList());
        // A member cannot have applied an Assignment it was never sent.
        int ackGeneration = m.sentGeneration >= 0 ? Math.min(ack.getGenerationId(), m.sentGeneration) : ack.getGenerationId();
        m.acknowledge(ackGeneration, reported);
        if (m.eagerRevokePending && m.held().isEmpty()) {
            m.eagerRevokePending = false;
        }
        reconcileAll();
        reschedule();
    }

    synchronized void changeSubscription(String memberId, MemberStream stream, List<String> topics) {
        GroupMember m = memberOf(memberId, stream);
        SortedSet<String> next = MemberRequests.validateTopics(topics);
        if (!next.equals(m.topics)) {
            log.info("group {}: member {} now subscribes to {}", groupId, memberId, next);
            m.topics = next;
            scheduleRecompute(REBALANCE_COALESCE_MS);
        }
        reschedule();
    }

    synchronized void rejoin(String memberId, MemberStream stream, String reason) {
        GroupMember m = memberOf(memberId, stream);
        log.info("group {}: member {} asked for a new assignment round: {}", groupId, memberId, reason);
        m.rejoinRequested = true;
        scheduleRecompute(REBALANCE_COALESCE_MS);
        reschedule();
    }

    synchronized void leave(String memberId, MemberStream stream, String reason) {
        GroupMember m = memberOf(memberId, stream);
        remove(m, null, "left" + (reason.isEmpty() ? "" : ": " + reason));
        reschedule();
    }

    /**
     * The stream ended without a LeaveGroup: the member stays until its session timeout, so it can resume with its
     * partitions (static members always leave this way).
     */
    synchronized void streamClosed(String memberId, MemberStream stream) {
        GroupMember m = members.get(memberId);
        if (m != null && m.stream == stream) {
            m.stream = null;
            log.info("group {}: member {} disconnected; it keeps its place for its session timeout of {} ms", groupId,
                    memberId, m.sessionTimeoutMs);
        }
    }

    private void remove(GroupMember m, TributaryException error, String why) {
        members.remove(m.memberId);
        if (m.instanceId != null) {
            memberIdByInstance.remove(m.instanceId, m.memberId);
        }
        m.clearOwnership();
        if (m.stream != null) {
            if (error == null) {
                m.stream.complete();
            } else {
                m.stream.fail(error);
            }
            m.stream = null;
        }
        log.info("group {}: member {} removed: {}", groupId, m.memberId, why);
        scheduleRecompute(REBALANCE_COALESCE_MS);
        reconcileAll();
    }

    // ---- Timers ---------------------------------------------------------------------------------------------------

    private void scheduleRecompute(long delayMs) {
        if (recomputeAtMs < 0) {
            recomputeAtMs = now() + delayMs;
        }
    }

    /** Session and rebalance timeouts, the delayed recompute, and retries of the group record. */
    synchronized void tick() {
        if (!active) {
            return;
        }
        long now = now();
        for (GroupMember m : new ArrayList<>(members.values())) {
            if (now - m.lastSeenMs >= m.sessionTimeoutMs) {
                remove(m, new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + m.memberId + " of group "
                        + groupId + " sent nothing within its session timeout of " + m.sessionTimeoutMs
                        + " ms and was removed; its partitions went to others; join again"), "session timeout");
            } else if (m.revokingSinceMs >= 0 && now - m.revokingSinceMs >= m.rebalanceTimeoutMs) {
                remove(m, new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + m.memberId + " of group "
                        + groupId + " did not give up revoked partitions within its rebalance timeout of "
                        + m.rebalanceTimeoutMs + " ms and was removed; join again"), "rebalance timeout");
            }
        }
        if (recomputeAtMs >= 0 && now >= recomputeAtMs) {
            computeTarget();
        }
        groupRecord.retryIfDue(now);
        reschedule();
    }

    private long nextDeadlineMs() {
        long next = Long.MAX_VALUE;
        for (GroupMember m : members.values()) {
            next = Math.min(next, m.lastSeenMs + m.sessionTimeoutMs);
            if (m.revokingSinceMs >= 0) {
                next = Math.min(next, m.revokingSinceMs + m.rebalanceTimeoutMs);
            }
        }
        if (recomputeAtMs >= 0) {
            next = Math.min(next, recomputeAtMs);
        }
        return Math.min(next, groupRecord.nextRetryMs());
    }

    /** Arms the timer for the next deadline unless an earlier firing is already armed (that one re-arms). */
    private void reschedule() {
        if (!active) {
            return;
        }
        long next = nextDeadlineMs();
        if (next == Long.MAX_VALUE || (timerAtMs >= 0 && timerAtMs <= next)) {
            return;
        }
        if (timer != null) {
            timer.cancel();
        }
        timerAtMs = next;
        timer = env.scheduler().schedule(this::onTimer, Math.max(0, next - now()));
    }

    private synchronized void onTimer() {
        timerAtMs = -1;
        timer = null;
        tick();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
        timerAtMs = -1;
    }

    // ---- Target and reconciliation --------------------------------------------------------------------------------

    private void computeTarget() {
        recomputeAtMs = -1;
        generation++;
        if (members.isEmpty()) {
            assignedPartitionCounts = Map.of();
            log.info("group {}: generation {}, no members", groupId, generation);
            groupRecord.persist();
            return;
        }
        String name = reconciler.chooseAssignor(members.values());
        assignorName = name;
        Map<String, Integer> counts = reconciler.currentPartitionCounts(members.values());
        reconciler.computeTargets(members.values(), name, counts);
        assignedPartitionCounts = counts;
        log.info("group {}: generation {} with {} member(s), assignor {}", groupId, generation, members.size(), name);
        reconcileAll();
        groupRecord.persist();
    }

    private void reconcileAll() {
        reconciler.reconcileAll(members.values(), generation, assignorName, now());
    }

    synchronized void onMetadataChanged() {
        if (!active || members.isEmpty() || recomputeAtMs >= 0) {
            return;
        }
        Map<String, Integer> counts = reconciler.currentPartitionCounts(members.values());
        if (!counts.equals(assignedPartitionCounts)) {
            log.info("group {}: partition counts of subscribed topics changed to {}", groupId, counts);
            scheduleRecompute(REBALANCE_COALESCE_MS);
            reschedule();
        }
    }

    // ---- Persistence ----------------------------------------------------------------------------------------------

    /** State read back by a new coordinator: members await their resume with a full session timeout. */
    synchronized void restore(GroupValue value, Map<TopicPartition, OffsetAndMetadata> loadedOffsets) {
        offsets.restore(loadedOffsets);
        if (value != null) {
            groupRecord.setHasRecord(true);
            generation = value.getGenerationId();
            assignorName = value.getAssignor();
            long now = now();
            for (MemberValue mv : value.getMembersList()) {
                GroupMember m = GroupRecordWriter.memberFromValue(mv, now);
                members.put(m.memberId, m);
                if (m.instanceId != null) {
                    memberIdByInstance.put(m.instanceId, m.memberId);
                }
            }
            assignedPartitionCounts = reconciler.currentPartitionCounts(members.values());
            if (!members.isEmpty() && !AssignmentReconciler.targetCovers(members.values(), assignedPartitionCounts)) {
                scheduleRecompute(REBALANCE_COALESCE_MS);
            }
        }
        reschedule();
    }

    // ---- Offsets --------------------------------------------------------------------------------------------------

    /**
     * Stores the request's offsets. Group-level refusals throw (the call fails with that status); per-partition
     * refusals are results. The future completes once the records are replicated; only then are the offsets visible.
     *
     * @throws TributaryException UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID, or the write's error
     */
    synchronized CompletableFuture<CommitOffsetsResponse> commit(CommitOffsetsRequest request) {
        checkActive();
        GroupMember m = committer(request);
        SortedSet<TopicPartition> allowed = m == null ? null : m.awaitingResume ? m.target : m.held();
        return offsets.commit(request, m, allowed);
    }

    /** The committing member, or null for a commit from outside the group (allowed only while it has no members). */
    private GroupMember committer(CommitOffsetsRequest r) {
        String instanceId = r.getGroupInstanceId().isEmpty() ? null : r.getGroupInstanceId();
        if (r.getMemberId().isEmpty()) {
            if (!members.isEmpty()) {
                throw new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "group " + groupId + " has " + members.size()
                        + " member(s): only they may commit (with their member id and generation); a commit from outside"
                        + " the group is accepted once it has no members");
            }
            if (r.getGenerationId() != -1) {
                throw new TributaryException(ErrorCode.ILLEGAL_GENERATION, "a commit from outside group " + groupId
                        + " (no member id) must send generation -1, got " + r.getGenerationId());
            }
            return null;
        }
        GroupMember m = members.get(r.getMemberId());
        if (m == null) {
            if (instanceId != null && memberIdByInstance.containsKey(instanceId)) {
                throw fenced(instanceId, memberIdByInstance.get(instanceId));
            }
            throw new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + r.getMemberId() + " is not in group "
                    + groupId + " (it left or timed out and its partitions went to others); its offsets are not stored");
        }
        if (instanceId != null && !instanceId.equals(m.instanceId)) {
            throw fenced(instanceId, m.memberId);
        }
        if (!m.awaitingResume && r.getGenerationId() != m.sentGeneration) {
            throw new TributaryException(ErrorCode.ILLEGAL_GENERATION, "member " + m.memberId + " committed with generation "
                    + r.getGenerationId() + " but its latest Assignment has generation " + m.sentGeneration
                    + "; apply that Assignment and commit with its generation");
        }
        return m;
    }

    /** Committed offsets of the given partitions (-1 where none), or of every partition when the list is empty. */
    synchronized List<CommittedOffset> fetchOffsets(List<TopicPartition> requested) {
        checkActive();
        return offsets.fetch(requested);
    }

    /**
     * Deletes the offsets of a group without members that were committed longer than {@code retentionMs} ago, and the
     * group record of a group left with neither members nor offsets.
     */
    synchronized void expireOffsets(long retentionMs) {
        if (!active || !members.isEmpty() || offsets.writesInFlight() || groupRecord.inFlight() || recomputeAtMs >= 0) {
            return;
        }
        offsets.expire(retentionMs, groupRecord.hasRecord(), () -> {
            if (members.isEmpty() && !groupRecord.inFlight()) {
                groupRecord.setHasRecord(false);
            }
        });
    }

    /**
     * Deletes the offsets committed on {@code topics}, which were deleted from the cluster; a group left with neither
     * members nor offsets loses its record too, as after offset expiry.
     */
    synchronized void onTopicsDeleted(Set<String> topics) {
        if (!active) {
            return;
        }
        boolean recordRemovable = members.isEmpty() && !groupRecord.inFlight() && recomputeAtMs < 0 && groupRecord.hasRecord();
        offsets.dropTopics(topics, recordRemovable, () -> {
            if (members.isEmpty() && !groupRecord.inFlight()) {
                groupRecord.setHasRecord(false);
            }
        });
    }

    /**
     * Deletes a group without members: tombstones for its offsets and its record, after which it is gone from this
     * coordinator (the future completes once they are replicated).
     *
     * @throws TributaryException NON_EMPTY_GROUP while it has members, or the write's error
     */
    synchronized CompletableFuture<Void> delete() {
        checkActive();
        if (!members.isEmpty()) {
            throw new TributaryException(ErrorCode.NON_EMPTY_GROUP, "group " + groupId + " has " + members.size()
                    + " member(s); they must leave (or time out) before it can be deleted");
        }
        List<GroupRecords.Entry> entries = offsets.tombstones();
        entries.add(GroupRecords.groupTombstone(groupId));
        GroupLogWriter.Appended appended = env.writer().append(entries);
        active = false;
        deleted = true;
        offsets.clear();
        cancelTimer();
        log.info("group {}: deleted", groupId);
        return appended.acknowledged();
    }

    /** This broker stopped coordinating the group: end every member's stream with {@code reason}; drop the state. */
    synchronized void unload(TributaryException reason) {
        active = false;
        cancelTimer();
        for (GroupMember m : members.values()) {
            if (m.stream != null) {
                m.stream.fail(reason);
                m.stream = null;
            }
        }
    }

    private void checkActive() {
        if (!active) {
            throw new TributaryException(ErrorCode.NOT_COORDINATOR, "group " + groupId
                    + (deleted ? " was just deleted; retry" : " is no longer coordinated by this broker; find the coordinator again"));
        }
    }

    // ---- Views ----------------------------------------------------------------------------------------------------

    synchronized boolean isActive() {
        return active;
    }

    /** Whether the group exists for List/Describe: it has members or committed offsets. */
    synchronized boolean isVisible() {
        return active && (!members.isEmpty() || !offsets.isEmpty());
    }

    /** Whether nothing about the group remains (no members, offsets, record or writes): it can be forgotten. */
    synchronized boolean isForgettable() {
        return active && members.isEmpty() && offsets.isEmpty() && !groupRecord.hasRecord() && !offsets.writesInFlight()
                && !groupRecord.inFlight() && recomputeAtMs < 0;
    }

    /** Marks a forgettable group inactive so a racing caller retries on a fresh one; false if it is no longer forgettable. */
    synchronized boolean retireIfForgettable() {
        if (!isForgettable()) {
            return false;
        }
        active = false;
        cancelTimer();
        return true;
    }

    synchronized int generation() {
        return generation;
    }

    synchronized State state() {
        if (deleted) {
            return State.DEAD;
        }
        if (members.isEmpty()) {
            return State.EMPTY;
        }
        if (recomputeAtMs >= 0) {
            return State.ASSIGNING;
        }
        for (GroupMember m : members.values()) {
            if (m.awaitingResume || !m.hasTarget || m.eagerRevokePending || !m.owned.equals(m.target)
                    || m.sentPartitions == null || !m.sentPartitions.equals(m.target)) {
                return State.RECONCILING;
            }
        }
        return State.STABLE;
    }

    /** What the lag metrics need, from memory only; null when the group is not visible. */
    synchronized GroupSnapshot snapshot() {
        return isVisible() ? new GroupSnapshot(groupId, state().label, members.size(), offsets.committedOffsets()) : null;
    }

    synchronized GroupDescription describe(int coordinatorId) {
        GroupDescription.Builder d = GroupDescription.newBuilder().setGroupId(groupId).setState(state().label)
                .setAssignor(assignorName).setGenerationId(generation).setCoordinatorId(coordinatorId);
        for (GroupMember m : members.values()) {
            d.addMembers(MemberDescription.newBuilder().setMemberId(m.memberId)
                    .setGroupInstanceId(m.instanceId == null ? "" : m.instanceId).setClientId(m.clientId).setHost(m.host)
                    .addAllTopics(m.topics).addAllOwned(PartitionSets.toProto(m.owned))
                    .addAllTarget(PartitionSets.toProto(m.target)));
        }
        return d.build();
    }

    /**
     * Checks the safety invariant (tests): a partition in a member's last Assignment is held by no other member,
     * and a partition is in at most one member's last Assignment.
     */
    synchronized void checkInvariant() {
        AssignmentReconciler.checkInvariant(members.values());
    }
}
