package io.tributary.broker.group;

import io.tributary.api.TopicPartition;
import io.tributary.api.v1.Assignment;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.broker.group.assignor.AssignmentSpec;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.broker.group.assignor.PartitionAssignor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * The target assignment and the way members get there. {@link #computeTargets} runs the group's assignor over the
 * members' subscriptions; {@link #reconcileAll} then sends each member, whenever it changes, {@code deliverable} = the
 * partitions of its target no other member holds and {@code pending} = the rest, so a partition is never sent to a
 * member while another may still consume it. An eager assignor's member first gets an empty Assignment and nothing
 * more until it acknowledged owning nothing.
 *
 * <p>Not thread-safe: works on the group's members under the group's lock. Holds no state of its own.
 */
final class AssignmentReconciler {
    private static final Logger log = LoggerFactory.getLogger(AssignmentReconciler.class);

    private final String groupId;
    private final ToIntFunction<String> partitionCounts;

    AssignmentReconciler(String groupId, ToIntFunction<String> partitionCounts) {
        this.groupId = groupId;
        this.partitionCounts = partitionCounts;
    }

    /**
     * Sets every member's target from the assignor {@code name}; a Rejoin'ed member is marked to be answered with
     * an Assignment of the new generation even if its share did not change.
     */
    void computeTargets(Collection<GroupMember> members, String name, Map<String, Integer> counts) {
        PartitionAssignor assignor = Assignors.byName(name).orElseThrow();
        SortedMap<String, AssignmentSpec.Subscription> subscriptions = new TreeMap<>();
        members.forEach(m -> subscriptions.put(m.memberId, new AssignmentSpec.Subscription(m.topics,
                assignor.eager() ? new TreeSet<>() : m.target)));
        Map<String, SortedSet<TopicPartition>> result = assignor.assign(new AssignmentSpec(subscriptions, counts));
        for (GroupMember m : members) {
            m.target = new TreeSet<>(result.getOrDefault(m.memberId, new TreeSet<>()));
            m.hasTarget = true;
            m.eagerRevokePending = assignor.eager() && !m.held().isEmpty();
            if (m.rejoinRequested) {
                m.rejoinRequested = false;
                m.needsResend = true;
                m.sentPartitions = null;
            }
        }
    }

    /**
     * The first assignor in the oldest member's list that every member accepts (join checks one exists; members
     * loaded from an older or newer broker's record might not agree, and then the oldest member's first known one
     * serves).
     *
     * @param members in join order, not empty
     */
    String chooseAssignor(Collection<GroupMember> members) {
        GroupMember first = members.iterator().next();
        for (String candidate : first.assignors) {
            if (Assignors.isKnown(candidate) && members.stream().allMatch(m -> m.assignors.contains(candidate))) {
                return candidate;
            }
        }
        log.warn("group {}: its members share no assignor {}; using the oldest member's first known one", groupId,
                Assignors.names());
        return first.assignors.stream().filter(Assignors::isKnown).findFirst().orElse(Assignors.names().get(0));
    }

    /** Partition counts now of every topic some member subscribes to. */
    Map<String, Integer> currentPartitionCounts(Collection<GroupMember> members) {
        Map<String, Integer> counts = new TreeMap<>();
        for (GroupMember m : members) {
            for (String t : m.topics) {
                counts.computeIfAbsent(t, partitionCounts::applyAsInt);
            }
        }
        return counts;
    }

    /** Whether the members' targets give out exactly the existing partitions of the subscribed topics. */
    static boolean targetCovers(Collection<GroupMember> members, Map<String, Integer> counts) {
        int expected = counts.values().stream().mapToInt(Integer::intValue).sum();
        int assigned = 0;
        for (GroupMember m : members) {
            for (TopicPartition p : m.target) {
                if (!m.topics.contains(p.topic()) || p.partition() >= counts.getOrDefault(p.topic(), 0)) {
                    return false;
                }
                assigned++;
            }
        }
        return assigned == expected;
    }

    /** Sends every member whose share changed its new Assignment, and tracks who must still give something up. */
    void reconcileAll(Collection<GroupMember> members, int generation, String assignorName, long nowMs) {
        Map<TopicPartition, List<String>> heldBy = new HashMap<>();
        boolean anyAwaiting = false;
        for (GroupMember m : members) {
            anyAwaiting |= m.awaitingResume;
            for (TopicPartition p : m.held()) {
                heldBy.computeIfAbsent(p, k -> new ArrayList<>(1)).add(m.memberId);
            }
        }
        for (GroupMember m : members) {
            if (!m.awaitingResume && m.hasTarget) {
                reconcile(m, heldBy, anyAwaiting, generation, assignorName, nowMs);
            }
        }
    }

    private static void reconcile(GroupMember m, Map<TopicPartition, List<String>> heldBy, boolean someoneAwaitsResume,
                                  int generation, String assignorName, long now) {
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

    /**
     * The safety invariant (tests): a partition in a member's last Assignment is held by no other member, and a
     * partition is in at most one member's last Assignment.
     */
    static void checkInvariant(Collection<GroupMember> members) {
        Map<TopicPartition, String> sentTo = new HashMap<>();
        for (GroupMember m : members) {
            if (m.sentPartitions == null) {
                continue;
            }
            for (TopicPartition p : m.sentPartitions) {
                String other = sentTo.put(p, m.memberId);
                if (other != null) {
                    throw new AssertionError(p + " is in the Assignments of both " + other + " and " + m.memberId);
                }
                for (GroupMember n : members) {
                    if (n != m && n.held().contains(p)) {
                        throw new AssertionError(p + " was sent to " + m.memberId + " while " + n.memberId + " holds it");
                    }
                }
            }
        }
    }
}
