package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Assignment;
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
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.OffsetCommitResult;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.group.assignor.AssignmentSpec;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.broker.group.assignor.PartitionAssignor;
import io.tributary.coordination.TopicNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
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
 * <p><b>Thread-safety.</b> Every method is synchronized on the group: gRPC callbacks, timers and write
 * acknowledgements for the group run one at a time. Lock order: group, then a member's stream (sends happen under
 * the group's lock; streams never call back into the group while holding their own).
 */
final class ConsumerGroup {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroup.class);

    /** How long a recompute waits for more changes to fold in: long enough for a burst, short enough to go unnoticed. */
    static final long REBALANCE_COALESCE_MS = 5;
    /** Kafka's max.poll.interval.ms default, used when a member sends no rebalance timeout. */
    static final int DEFAULT_REBALANCE_TIMEOUT_MS = 300_000;
    static final long WRITE_RETRY_BACKOFF_MS = 1_000;
    static final int MAX_TOPICS_PER_MEMBER = 10_000;
    static final int MAX_ASSIGNORS_PER_MEMBER = 16;
    static final int MAX_ID_LENGTH = 255;
    static final int MAX_CLIENT_ID_LENGTH = 1024;
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
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    private int generation;
    private String assignorName = "";
    /** Partition counts of the subscribed topics at the last target computation. */
    private Map<String, Integer> assignedPartitionCounts = Map.of();
    private long recomputeAtMs = -1;
    /** False once unloaded or deleted: nothing more is written or sent. */
    private boolean active = true;
    private boolean deleted;
    /** A GroupValue of this group is in the log (not tombstoned). */
    private boolean hasGroupRecord;
    private boolean groupWriteInFlight;
    private boolean groupDirty;
    private long groupWriteRetryAtMs = -1;
    private int offsetWritesInFlight;
    private long timerAtMs = -1;
    private GroupEnvironment.Cancellable timer;

    ConsumerGroup(String groupId, GroupEnvironment env) {
        this.groupId = groupId;
        this.env = env;
    }

    String groupId() {
        return groupId;
    }

    private long now() {
        return env.time().milliseconds();
    }

    // ---- Membership stream ------------------------------------------------------------------------------------

    /** What a JoinGroup asks for, validated. */
    private record JoinSpec(String instanceId, String clientId, SortedSet<String> topics, List<String> assignors,
                            int sessionTimeoutMs, int rebalanceTimeoutMs, int generation, SortedSet<TopicPartition> owned) {
    }

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
        JoinSpec spec = validate(request);
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
            if (!java.util.Objects.equals(m.instanceId, spec.instanceId())) {
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

    private JoinSpec validate(JoinGroup j) {
        GroupConfig c = env.config();
        if (j.getSessionTimeoutMs() < c.minSessionTimeoutMs() || j.getSessionTimeoutMs() > c.maxSessionTimeoutMs()) {
            throw new TributaryException(ErrorCode.INVALID_SESSION_TIMEOUT, "session_timeout_ms " + j.getSessionTimeoutMs()
                    + " is outside [" + c.minSessionTimeoutMs() + ", " + c.maxSessionTimeoutMs()
                    + "] (group.min.session.timeout.ms, group.max.session.timeout.ms)");
        }
        if (j.getRebalanceTimeoutMs() < 0) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "rebalance_timeout_ms must be >= 0 (0: the default "
                    + DEFAULT_REBALANCE_TIMEOUT_MS + "), got " + j.getRebalanceTimeoutMs());
        }
        if (j.getGroupInstanceId().length() > MAX_ID_LENGTH || j.getMemberId().length() > MAX_ID_LENGTH) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "member_id and group_instance_id may have at most "
                    + MAX_ID_LENGTH + " characters");
        }
        if (j.getClientId().length() > MAX_CLIENT_ID_LENGTH) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "client_id may have at most " + MAX_CLIENT_ID_LENGTH
                    + " characters");
        }
        SortedSet<String> topics = validateTopics(j.getTopicsList());
        if (j.getAssignorsCount() > MAX_ASSIGNORS_PER_MEMBER) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "a member may list at most " + MAX_ASSIGNORS_PER_MEMBER
                    + " assignors");
        }
        List<String> assignors = new ArrayList<>(new LinkedHashSet<>(j.getAssignorsList()));
        assignors.removeIf(a -> !Assignors.isKnown(a));
        if (assignors.isEmpty()) {
            throw new TributaryException(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "the member accepts none of the assignors "
                    + "this coordinator offers " + Assignors.names() + " (it sent " + j.getAssignorsList() + ")");
        }
        return new JoinSpec(j.getGroupInstanceId().isEmpty() ? null : j.getGroupInstanceId(), j.getClientId(), topics,
                List.copyOf(assignors), j.getSessionTimeoutMs(),
                j.getRebalanceTimeoutMs() == 0 ? DEFAULT_REBALANCE_TIMEOUT_MS : j.getRebalanceTimeoutMs(),
                j.getGenerationId(), PartitionSets.fromProto(j.getOwnedList()));
    }

    private static SortedSet<String> validateTopics(List<String> topics) {
        if (topics.size() > MAX_TOPICS_PER_MEMBER) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "a member may subscribe to at most "
                    + MAX_TOPICS_PER_MEMBER + " topics, got " + topics.size());
        }
        for (String t : topics) {
            TopicNames.validate(t);
        }
        return new TreeSet<>(topics);
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
        return new TributaryException(ErrorCode.FENCED_INSTANCE_ID, "group.instance.id '" + instanceId
                + "' belongs to member " + currentMemberId + " now; this process was replaced and must stop");
    }

    private GroupMember addMember(JoinSpec spec, String host, MemberStream stream) {
        boolean wasEmpty = members.isEmpty();
        String prefix = spec.clientId().isEmpty() ? "member" : spec.clientId().substring(0, Math.min(64, spec.clientId().length()));
        GroupMember m = new GroupMember(prefix + "-" + UUID.randomUUID(), spec.instanceId());
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
        GroupMember m = new GroupMember((spec.clientId().isEmpty() ? "member" : spec.clientId().substring(0,
                Math.min(64, spec.clientId().length()))) + "-" + UUID.randomUUID(), old.instanceId);
        m.topics = old.topics;
        m.assignors = old.assignors;
        m.hasTarget = old.hasTarget;
        m.target = old.target;
        // The old process may still be consuming until it notices: the new one inherits what it may hold.
        m.owned = old.owned;
        m.ackGeneration = old.ackGeneration;
        old.sentSinceAck.forEach((g, p) -> m.sentSinceAck.put(g, new TreeSet<>(p)));
        m.sentPartitions = old.sentPartitions;
        m.sentPending = old.sentPending;
        m.sentGeneration = old.sentGeneration;
        m.eagerRevokePending = old.eagerRevokePending;
        m.revokingSinceMs = old.revokingSinceMs;
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
        persistGroup();
        reschedule();
        return m;
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
        SortedSet<String> next = validateTopics(topics);
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
        if (groupDirty && !groupWriteInFlight && now >= groupWriteRetryAtMs) {
            persistGroup();
        }
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
        if (groupDirty && !groupWriteInFlight) {
            next = Math.min(next, groupWriteRetryAtMs);
        }
        return next;
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
            persistGroup();
            return;
        }
        String name = chooseAssignor();
        PartitionAssignor assignor = Assignors.byName(name).orElseThrow();
        assignorName = name;
        Map<String, Integer> counts = currentPartitionCounts();
        SortedMap<String, AssignmentSpec.Subscription> subscriptions = new TreeMap<>();
        members.forEach((id, m) -> subscriptions.put(id, new AssignmentSpec.Subscription(m.topics,
                assignor.eager() ? new TreeSet<>() : m.target)));
        Map<String, SortedSet<TopicPartition>> result = assignor.assign(new AssignmentSpec(subscriptions, counts));
        for (GroupMember m : members.values()) {
            m.target = new TreeSet<>(result.getOrDefault(m.memberId, new TreeSet<>()));
            m.hasTarget = true;
            m.eagerRevokePending = assignor.eager() && !m.held().isEmpty();
            if (m.rejoinRequested) {
                m.rejoinRequested = false;
                m.needsResend = true;
                // Answered below with an Assignment of this generation even if its share did not change.
                m.sentPartitions = null;
            }
        }
        assignedPartitionCounts = counts;
        log.info("group {}: generation {} with {} member(s), assignor {}", groupId, generation, members.size(), name);
        reconcileAll();
        persistGroup();
    }

    /**
     * The first assignor in the oldest member's list that every member accepts (join checks one exists; members
     * loaded from an older or newer broker's record might not agree, and then the oldest member's first known one
     * serves).
     */
    private String chooseAssignor() {
        GroupMember first = members.values().iterator().next();
        for (String candidate : first.assignors) {
            if (Assignors.isKnown(candidate) && members.values().stream().allMatch(m -> m.assignors.contains(candidate))) {
                return candidate;
            }
        }
        log.warn("group {}: its members share no assignor {}; using the oldest member's first known one", groupId,
                Assignors.names());
        return first.assignors.stream().filter(Assignors::isKnown).findFirst().orElse(Assignors.names().get(0));
    }

    private Map<String, Integer> currentPartitionCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (GroupMember m : members.values()) {
            for (String t : m.topics) {
                counts.computeIfAbsent(t, env.partitionCounts()::applyAsInt);
            }
        }
        return counts;
    }

    /** Sends every member whose share changed its new Assignment, and tracks who must still give something up. */
    private void reconcileAll() {
        Map<TopicPartition, List<String>> heldBy = new HashMap<>();
        boolean anyAwaiting = false;
        for (GroupMember m : members.values()) {
            anyAwaiting |= m.awaitingResume;
            for (TopicPartition p : m.held()) {
                heldBy.computeIfAbsent(p, k -> new ArrayList<>(1)).add(m.memberId);
            }
        }
        long now = now();
        for (GroupMember m : members.values()) {
            if (!m.awaitingResume && m.hasTarget) {
                reconcile(m, heldBy, anyAwaiting, now);
            }
        }
    }

    private void reconcile(GroupMember m, Map<TopicPartition, List<String>> heldBy, boolean someoneAwaitsResume, long now) {
        SortedSet<TopicPartition> held = m.held();
        SortedSet<TopicPartition> deliverable = new TreeSet<>();
        SortedSet<TopicPartition> pending = new TreeSet<>();
        for (TopicPartition p : m.target) {
            List<String> holders = heldBy.get(p);
            boolean heldElsewhere = holders != null && (holders.size() > 1 || !holders.get(0).equals(m.memberId));
            // While a loaded member has not said what it owns, only a member's own partitions are safe to confirm.
            boolean blocked = m.eagerRevokePending || heldElsewhere || (someoneAwaitsResume && !held.contains(p));
            (blocked ? pending : deliverable).add(p);
        }
        boolean changed = m.sentPartitions == null || !deliverable.equals(m.sentPartitions) || !pending.equals(m.sentPending);
        if (m.stream != null && (changed || m.needsResend)) {
            int tag = changed || m.sentGeneration < 0 ? generation : m.sentGeneration;
            m.stream.send(MembershipResponse.newBuilder().setAssignment(Assignment.newBuilder().setGenerationId(tag)
                    .setAssignor(assignorName).addAllPartitions(PartitionSets.toProto(deliverable))
                    .addAllPending(PartitionSets.toProto(pending))).build());
            m.recordSent(tag, deliverable, pending);
            m.needsResend = false;
            held = m.held();
        }
        held.removeAll(deliverable);
        if (held.isEmpty()) {
            m.revokingSinceMs = -1;
        } else if (m.revokingSinceMs < 0) {
            m.revokingSinceMs = now;
        }
    }

    synchronized void onMetadataChanged() {
        if (!active || members.isEmpty() || recomputeAtMs >= 0) {
            return;
        }
        if (!currentPartitionCounts().equals(assignedPartitionCounts)) {
            log.info("group {}: partition counts of subscribed topics changed to {}", groupId, currentPartitionCounts());
            scheduleRecompute(REBALANCE_COALESCE_MS);
            reschedule();
        }
    }

    // ---- Persistence ----------------------------------------------------------------------------------------------

    private GroupValue toValue() {
        GroupValue.Builder v = GroupValue.newBuilder().setGenerationId(generation).setAssignor(assignorName)
                .setTimestampMs(now());
        for (GroupMember m : members.values()) {
            v.addMembers(MemberValue.newBuilder().setMemberId(m.memberId)
                    .setGroupInstanceId(m.instanceId == null ? "" : m.instanceId).setClientId(m.clientId)
                    .setHost(m.host).addAllTopics(m.topics).addAllAssignors(m.assignors)
                    .setSessionTimeoutMs(m.sessionTimeoutMs).setRebalanceTimeoutMs(m.rebalanceTimeoutMs)
                    .addAllTarget(PartitionSets.toProto(m.target)));
        }
        return v.build();
    }

    /**
     * Writes the group record (generation, assignor, members and targets), one write at a time: a change while one
     * is in flight is written when it completes. Members are not held up by it.
     */
    private void persistGroup() {
        if (!active) {
            return;
        }
        if (groupWriteInFlight) {
            groupDirty = true;
            return;
        }
        GroupLogWriter.Appended appended;
        try {
            appended = env.writer().append(List.of(GroupRecords.groupMetadata(groupId, toValue())));
        } catch (TributaryException e) {
            log.warn("group {}: could not write its group record: {}; retrying", groupId, e.getMessage());
            groupDirty = true;
            groupWriteRetryAtMs = now() + WRITE_RETRY_BACKOFF_MS;
            return;
        }
        groupWriteInFlight = true;
        groupDirty = false;
        hasGroupRecord = true;
        appended.acknowledged().whenComplete((ok, failure) -> groupWriteDone(failure));
    }

    private synchronized void groupWriteDone(Throwable failure) {
        groupWriteInFlight = false;
        if (!active) {
            return;
        }
        if (failure != null) {
            log.warn("group {}: group record not replicated: {}; retrying", groupId, failure.getMessage());
            groupDirty = true;
            groupWriteRetryAtMs = now() + WRITE_RETRY_BACKOFF_MS;
        } else if (groupDirty) {
            persistGroup();
        }
        reschedule();
    }

    /** State read back by a new coordinator: members await their resume with a full session timeout. */
    synchronized void restore(GroupValue value, Map<TopicPartition, OffsetAndMetadata> loadedOffsets) {
        offsets.putAll(loadedOffsets);
        if (value != null) {
            hasGroupRecord = true;
            generation = value.getGenerationId();
            assignorName = value.getAssignor();
            long now = now();
            for (MemberValue mv : value.getMembersList()) {
                GroupMember m = new GroupMember(mv.getMemberId(), mv.getGroupInstanceId().isEmpty() ? null : mv.getGroupInstanceId());
                m.clientId = mv.getClientId();
                m.host = mv.getHost();
                m.topics = new TreeSet<>(mv.getTopicsList());
                m.assignors = List.copyOf(mv.getAssignorsList());
                m.sessionTimeoutMs = mv.getSessionTimeoutMs();
                m.rebalanceTimeoutMs = mv.getRebalanceTimeoutMs();
                m.lastSeenMs = now;
                m.awaitingResume = true;
                m.hasTarget = true;
                m.target = PartitionSets.fromProto(mv.getTargetList());
                members.put(m.memberId, m);
                if (m.instanceId != null) {
                    memberIdByInstance.put(m.instanceId, m.memberId);
                }
            }
            assignedPartitionCounts = currentPartitionCounts();
            if (!members.isEmpty() && !targetCovers(assignedPartitionCounts)) {
                scheduleRecompute(REBALANCE_COALESCE_MS);
            }
        }
        reschedule();
    }

    /** Whether the stored target gives out exactly the existing partitions of the subscribed topics. */
    private boolean targetCovers(Map<String, Integer> counts) {
        int expected = counts.values().stream().mapToInt(Integer::intValue).sum();
        int assigned = 0;
        for (GroupMember m : members.values()) {
            for (TopicPartition p : m.target) {
                if (!m.topics.contains(p.topic()) || p.partition() >= counts.getOrDefault(p.topic(), 0)) {
                    return false;
                }
                assigned++;
            }
        }
        return assigned == expected;
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
        long now = now();
        List<OffsetCommitResult.Builder> results = new ArrayList<>();
        List<GroupRecords.Entry> entries = new ArrayList<>();
        Map<Integer, TopicPartition> partitionOfEntry = new HashMap<>();
        Map<Integer, OffsetAndMetadata> valueOfEntry = new HashMap<>();
        for (OffsetCommit oc : request.getOffsetsList()) {
            OffsetCommitResult.Builder r = OffsetCommitResult.newBuilder().setTopic(oc.getTopic()).setPartition(oc.getPartition());
            results.add(r);
            TributaryException invalid = validateCommit(oc, m, allowed);
            if (invalid != null) {
                r.setError(ErrorProtos.toProto(invalid));
                continue;
            }
            TopicPartition tp = new TopicPartition(oc.getTopic(), oc.getPartition());
            OffsetAndMetadata value = new OffsetAndMetadata(oc.getOffset(), oc.getLeaderEpoch(), oc.getMetadata(), now, -1);
            partitionOfEntry.put(entries.size(), tp);
            valueOfEntry.put(entries.size(), value);
            entries.add(GroupRecords.offsetCommit(groupId, tp, value));
        }
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(response(results));
        }
        GroupLogWriter.Appended appended = env.writer().append(entries);
        offsetWritesInFlight++;
        return appended.acknowledged().handle((ok, failure) -> {
            synchronized (ConsumerGroup.this) {
                offsetWritesInFlight--;
                if (failure == null && active) {
                    for (int i = 0; i < appended.logOffsets().length; i++) {
                        putOffset(partitionOfEntry.get(i), valueOfEntry.get(i).atLogOffset(appended.logOffsets()[i]));
                    }
                }
            }
            if (failure != null) {
                throw failure instanceof RuntimeException re ? re : new IllegalStateException(failure);
            }
            return response(results);
        });
    }

    private static CommitOffsetsResponse response(List<OffsetCommitResult.Builder> results) {
        CommitOffsetsResponse.Builder response = CommitOffsetsResponse.newBuilder();
        results.forEach(response::addResults);
        return response.build();
    }

    /** Of two updates of one partition, the one later in the log wins, whatever order they were acknowledged in. */
    private void putOffset(TopicPartition tp, OffsetAndMetadata value) {
        OffsetAndMetadata existing = offsets.get(tp);
        if (existing == null || existing.logOffset() < value.logOffset()) {
            offsets.put(tp, value);
        }
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

    private TributaryException validateCommit(OffsetCommit oc, GroupMember m, SortedSet<TopicPartition> allowed) {
        try {
            TopicNames.validate(oc.getTopic());
        } catch (TributaryException e) {
            return e;
        }
        String tp = oc.getTopic() + "-" + oc.getPartition();
        if (oc.getPartition() < 0) {
            return new TributaryException(ErrorCode.INVALID_REQUEST, "partition " + oc.getPartition() + " of '"
                    + oc.getTopic() + "' is negative");
        }
        if (oc.getOffset() < 0) {
            return new TributaryException(ErrorCode.INVALID_REQUEST, "offset " + oc.getOffset() + " of " + tp
                    + " is negative; commit the next offset to consume");
        }
        int metadataBytes = oc.getMetadata().getBytes(StandardCharsets.UTF_8).length;
        if (metadataBytes > env.config().offsetMetadataMaxBytes()) {
            return new TributaryException(ErrorCode.INVALID_REQUEST, "metadata of " + tp + " is " + metadataBytes
                    + " bytes; offset.metadata.max.bytes allows " + env.config().offsetMetadataMaxBytes());
        }
        if (m != null && !allowed.contains(new TopicPartition(oc.getTopic(), oc.getPartition()))) {
            return new TributaryException(ErrorCode.ILLEGAL_GENERATION, "member " + m.memberId + " does not own " + tp
                    + " (neither acknowledged nor in its latest Assignment): another member has it; do not commit it");
        }
        return null;
    }

    /** Committed offsets of the given partitions (-1 where none), or of every partition when the list is empty. */
    synchronized List<CommittedOffset> fetchOffsets(List<TopicPartition> requested) {
        checkActive();
        List<CommittedOffset> out = new ArrayList<>();
        if (requested.isEmpty()) {
            new TreeMap<>(offsets).forEach((tp, o) -> out.add(committed(tp, o)));
        } else {
            for (TopicPartition tp : requested) {
                out.add(committed(tp, offsets.get(tp)));
            }
        }
        return out;
    }

    private static CommittedOffset committed(TopicPartition tp, OffsetAndMetadata o) {
        CommittedOffset.Builder c = CommittedOffset.newBuilder().setTopic(tp.topic()).setPartition(tp.partition());
        if (o == null) {
            return c.setOffset(-1).setLeaderEpoch(-1).setCommitTimestampMs(-1).build();
        }
        return c.setOffset(o.offset()).setLeaderEpoch(o.leaderEpoch()).setMetadata(o.metadata())
                .setCommitTimestampMs(o.commitTimestampMs()).build();
    }

    /**
     * Deletes the offsets of a group without members that were committed longer than {@code retentionMs} ago, and the
     * group record of a group left with neither members nor offsets.
     */
    synchronized void expireOffsets(long retentionMs) {
        if (!active || !members.isEmpty() || offsetWritesInFlight > 0 || groupWriteInFlight || recomputeAtMs >= 0) {
            return;
        }
        long now = now();
        List<TopicPartition> expired = new ArrayList<>();
        offsets.forEach((tp, o) -> {
            if (now - o.commitTimestampMs() >= retentionMs) {
                expired.add(tp);
            }
        });
        boolean dropGroupRecord = hasGroupRecord && expired.size() == offsets.size();
        if (expired.isEmpty() && !dropGroupRecord) {
            return;
        }
        List<GroupRecords.Entry> entries = new ArrayList<>();
        expired.forEach(tp -> entries.add(GroupRecords.offsetTombstone(groupId, tp)));
        if (dropGroupRecord) {
            entries.add(GroupRecords.groupTombstone(groupId));
        }
        GroupLogWriter.Appended appended;
        try {
            appended = env.writer().append(entries);
        } catch (TributaryException e) {
            log.warn("group {}: could not expire offsets: {}", groupId, e.getMessage());
            return;
        }
        offsetWritesInFlight++;
        appended.acknowledged().whenComplete((ok, failure) -> {
            synchronized (ConsumerGroup.this) {
                offsetWritesInFlight--;
                if (failure != null || !active) {
                    return;
                }
                for (int i = 0; i < expired.size(); i++) {
                    long tombstoneAt = appended.logOffsets()[i];
                    offsets.computeIfPresent(expired.get(i), (tp, o) -> o.logOffset() < tombstoneAt ? null : o);
                }
                if (dropGroupRecord && members.isEmpty() && !groupWriteInFlight) {
                    hasGroupRecord = false;
                }
                log.info("group {}: expired {} committed offset(s) older than offsets.retention.minutes", groupId, expired.size());
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
        List<GroupRecords.Entry> entries = new ArrayList<>();
        new TreeMap<>(offsets).keySet().forEach(tp -> entries.add(GroupRecords.offsetTombstone(groupId, tp)));
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
        return active && members.isEmpty() && offsets.isEmpty() && !hasGroupRecord && offsetWritesInFlight == 0
                && !groupWriteInFlight && recomputeAtMs < 0;
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
        Map<TopicPartition, String> sentTo = new HashMap<>();
        for (GroupMember m : members.values()) {
            if (m.sentPartitions == null) {
                continue;
            }
            for (TopicPartition p : m.sentPartitions) {
                String other = sentTo.put(p, m.memberId);
                if (other != null) {
                    throw new AssertionError(p + " is in the Assignments of both " + other + " and " + m.memberId);
                }
                for (GroupMember n : members.values()) {
                    if (n != m && n.held().contains(p)) {
                        throw new AssertionError(p + " was sent to " + m.memberId + " while " + n.memberId + " holds it");
                    }
                }
            }
        }
    }
}
