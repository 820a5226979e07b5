package io.tributary.client.admin;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.DeleteGroupsRequest;
import io.tributary.api.v1.DescribeGroupsRequest;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.GroupDescription;
import io.tributary.api.v1.GroupListing;
import io.tributary.api.v1.GroupResult;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.ListGroupsRequest;
import io.tributary.api.v1.ListGroupsResponse;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.client.Node;
import io.tributary.client.TributaryTimeoutException;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.GroupsClient;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The consumer-group half of {@link TributaryAdmin}: listing (every broker's ListGroups, merged), describing and
 * deleting (on each group's coordinator), and reading or altering committed offsets. Calls that must reach a group's
 * coordinator find it first and, when it moved (NOT_COORDINATOR and the like, per group or for the whole call), find
 * it again and retry until default.api.timeout.ms.
 *
 * <p>Thread-safe: stateless beyond the thread-safe {@link GroupsClient}.
 */
final class ConsumerGroupsAdmin {
    private final GroupsClient groups;
    private final Supplier<List<Node>> brokers;
    private final long apiTimeoutMs;
    private final long retryBackoffMs;

    ConsumerGroupsAdmin(GroupsClient groups, Supplier<List<Node>> brokers, long apiTimeoutMs, long retryBackoffMs) {
        this.groups = groups;
        this.brokers = brokers;
        this.apiTimeoutMs = apiTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
    }

    List<ConsumerGroupListing> list() {
        long deadline = System.currentTimeMillis() + apiTimeoutMs;
        Map<String, ConsumerGroupListing> out = new TreeMap<>();
        List<Node> pending = new ArrayList<>(brokers.get());
        TributaryException last = null;
        while (!pending.isEmpty()) {
            for (Node node : List.copyOf(pending)) {
                try {
                    ListGroupsResponse r = groups.callNode(node, deadline, stub -> stub.listGroups(ListGroupsRequest.getDefaultInstance()));
                    for (GroupListing g : r.getGroupsList()) {
                        out.putIfAbsent(g.getGroupId(), new ConsumerGroupListing(g.getGroupId(), g.getState(), g.getCoordinatorId()));
                    }
                    pending.remove(node);
                } catch (TributaryException e) {
                    if (!e.retriable() || e instanceof TributaryTimeoutException) {
                        throw new TributaryException(e.error(), "listing the groups of broker " + node + " failed: " + e.getMessage(), e);
                    }
                    last = e;
                }
            }
            if (!pending.isEmpty()) {
                backoff(deadline, "listing groups (brokers not answering: " + pending + ")", last);
            }
        }
        return List.copyOf(out.values());
    }

    Map<String, ConsumerGroupDescription> describe(Collection<String> groupIds) {
        Map<String, GroupDescription> raw = onCoordinators(groupIds, "describe",
                (stub, ids) -> stub.describeGroups(DescribeGroupsRequest.newBuilder().addAllGroupIds(ids).build()).getGroupsList(),
                GroupDescription::getGroupId, GroupDescription::getError);
        Map<String, ConsumerGroupDescription> out = new LinkedHashMap<>();
        Map<Integer, Node> nodes = new HashMap<>();
        brokers.get().forEach(n -> nodes.put(n.id(), n));
        for (String id : groupIds) {
            GroupDescription d = raw.get(id);
            if (d == null) {
                continue;
            }
            Node coordinator = nodes.getOrDefault(d.getCoordinatorId(), new Node(d.getCoordinatorId(), "", -1, ""));
            if (Errors.isError(d.getError())) {
                TributaryException e = Errors.toException(d.getError(), "group " + id);
                String state = e.error() == ErrorCode.GROUP_ID_NOT_FOUND ? "Dead" : "Unknown";
                out.put(id, new ConsumerGroupDescription(id, state, "", -1, coordinator, List.of(), e));
                continue;
            }
            List<MemberDescription> members = new ArrayList<>();
            for (io.tributary.api.v1.MemberDescription m : d.getMembersList()) {
                members.add(new MemberDescription(m.getMemberId(),
                        m.getGroupInstanceId().isEmpty() ? Optional.empty() : Optional.of(m.getGroupInstanceId()), m.getClientId(),
                        m.getHost(), m.getTopicsList(), GroupsClient.fromTopics(m.getOwnedList()), GroupsClient.fromTopics(m.getTargetList())));
            }
            out.put(id, new ConsumerGroupDescription(id, d.getState(), d.getAssignor(), d.getGenerationId(), coordinator, members, null));
        }
        return out;
    }

    Map<String, GroupOutcome> delete(Collection<String> groupIds) {
        Map<String, GroupResult> raw = onCoordinators(groupIds, "delete",
                (stub, ids) -> stub.deleteGroups(DeleteGroupsRequest.newBuilder().addAllGroupIds(ids).build()).getGroupsList(),
                GroupResult::getGroupId, GroupResult::getError);
        Map<String, GroupOutcome> out = new LinkedHashMap<>();
        for (String id : groupIds) {
            GroupResult r = raw.get(id);
            if (r != null) {
                out.put(id, new GroupOutcome(id, Errors.isError(r.getError()) ? Errors.toException(r.getError(), "delete group " + id) : null));
            }
        }
        return out;
    }

    Map<TopicPartition, OffsetAndMetadata> listOffsets(String groupId) {
        Map<TopicPartition, CommittedOffset> raw = groups.fetchOffsets(groupId, List.of(), System.currentTimeMillis() + apiTimeoutMs);
        Map<TopicPartition, OffsetAndMetadata> out = new TreeMap<>();
        raw.forEach((tp, c) -> out.put(tp, new OffsetAndMetadata(c.getOffset(),
                c.getLeaderEpoch() >= 0 ? Optional.of(c.getLeaderEpoch()) : Optional.empty(), c.getMetadata())));
        return out;
    }

    void alterOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        // From outside the group: no member id, generation -1; the coordinator accepts it only while the group is empty.
        CommitOffsetsRequest.Builder request = CommitOffsetsRequest.newBuilder().setGroupId(groupId).setMemberId("").setGenerationId(-1);
        new TreeMap<>(offsets).forEach((tp, o) -> request.addOffsets(OffsetCommit.newBuilder().setTopic(tp.topic())
                .setPartition(tp.partition()).setOffset(o.offset()).setLeaderEpoch(o.leaderEpoch().orElse(-1)).setMetadata(o.metadata())));
        Map<TopicPartition, TributaryException> outcome;
        try {
            outcome = groups.commitOffsets(request.build(), System.currentTimeMillis() + apiTimeoutMs);
        } catch (TributaryException e) {
            throw explainNonEmpty(groupId, e);
        }
        for (TributaryException e : outcome.values()) {
            if (e != null) {
                throw explainNonEmpty(groupId, e);
            }
        }
    }

    private static TributaryException explainNonEmpty(String groupId, TributaryException e) {
        if (e.error() == ErrorCode.NON_EMPTY_GROUP || e.error() == ErrorCode.UNKNOWN_MEMBER_ID || e.error() == ErrorCode.ILLEGAL_GENERATION) {
            return new TributaryException(e.error(), "offsets of group '" + groupId + "' can only be altered while it has no active members ("
                    + e.getMessage() + ")", e);
        }
        return e;
    }

    /**
     * Runs a per-group call on each group's coordinator, batching the groups that share one; groups answered with a
     * coordinator error (or whose call failed retriably) are looked up again and retried until the deadline.
     */
    private <R> Map<String, R> onCoordinators(Collection<String> groupIds, String what,
                                              BiFunction<GroupsGrpc.GroupsBlockingStub, List<String>, List<R>> call,
                                              Function<R, String> groupOf, Function<R, Error> errorOf) {
        long deadline = System.currentTimeMillis() + apiTimeoutMs;
        Map<String, R> done = new HashMap<>();
        Set<String> pending = new LinkedHashSet<>(groupIds);
        TributaryException last = null;
        while (!pending.isEmpty()) {
            Map<Node, List<String>> byNode = new LinkedHashMap<>();
            groups.coordinators(pending, deadline).forEach((g, n) -> byNode.computeIfAbsent(n, k -> new ArrayList<>()).add(g));
            for (Map.Entry<Node, List<String>> e : byNode.entrySet()) {
                try {
                    for (R r : groups.callNode(e.getKey(), deadline, stub -> call.apply(stub, e.getValue()))) {
                        String g = groupOf.apply(r);
                        ErrorCode code = Errors.code(errorOf.apply(r));
                        if (GroupsClient.isCoordinatorError(code)) {
                            groups.invalidateCoordinator(g);
                            last = Errors.toException(errorOf.apply(r), what + " group " + g);
                        } else if (pending.remove(g)) {
                            done.put(g, r);
                        }
                    }
                } catch (TributaryException ex) {
                    if (!ex.retriable() || ex instanceof TributaryTimeoutException) {
                        throw ex;
                    }
                    e.getValue().forEach(groups::invalidateCoordinator);
                    last = ex;
                }
            }
            if (!pending.isEmpty()) {
                backoff(deadline, what + " of groups " + pending, last);
            }
        }
        return done;
    }

    private void backoff(long deadlineMs, String what, TributaryException last) {
        long left = deadlineMs - System.currentTimeMillis();
        if (left <= 0) {
            throw new TributaryTimeoutException(what + " timed out after " + apiTimeoutMs + " ms"
                    + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
        }
        try {
            Thread.sleep(Math.min(left, retryBackoffMs));
        } catch (InterruptedException e) {
            throw new io.tributary.client.InterruptException("interrupted while " + what, e);
        }
    }
}
