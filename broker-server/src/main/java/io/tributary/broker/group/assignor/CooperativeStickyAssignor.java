package io.tributary.broker.group.assignor;

import io.tributary.api.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A balanced assignment that keeps as many of each member's current partitions as it can, for incremental
 * (cooperative) rebalancing: only the partitions that move are revoked.
 *
 * <p>Three passes:
 * <ol>
 *   <li><b>keep</b>: each member keeps its current partitions that still exist and that it still subscribes to
 *       (a partition claimed by two members stays with the first by id);</li>
 *   <li><b>place</b>: every other partition goes to the least loaded member subscribed to its topic, partitions
 *       with the fewest possible members first (so a topic only one member wants does not crowd it out);</li>
 *   <li><b>balance</b>: while some member has at least two more partitions than another member that could take
 *       one of them, move one (preferring a partition the receiver had, then one the giver only just got, then the
 *       giver's highest). Each move lowers the sum of squared loads, so the loop ends; when it does, members
 *       with equal subscriptions differ by at most one partition.</li>
 * </ol>
 * Adding a member therefore moves only the partitions it needs to reach its share; removing one moves only its
 * partitions. Deterministic: every choice breaks ties by member id and partition order. Stateless.
 */
public final class CooperativeStickyAssignor implements PartitionAssignor {
    public static final String NAME = "cooperative-sticky";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean eager() {
        return false;
    }

    @Override
    public Map<String, SortedSet<TopicPartition>> assign(AssignmentSpec spec) {
        SortedMap<String, SortedSet<TopicPartition>> result = spec.emptyResult();
        if (result.isEmpty()) {
            return result;
        }
        Map<TopicPartition, String> ownerOf = new HashMap<>();
        keepCurrent(spec, result, ownerOf);
        placeUnassigned(spec, result, ownerOf);
        balance(spec, result);
        return result;
    }

    private static void keepCurrent(AssignmentSpec spec, SortedMap<String, SortedSet<TopicPartition>> result,
                                    Map<TopicPartition, String> ownerOf) {
        spec.members().forEach((id, subscription) -> {
            for (TopicPartition tp : subscription.current()) {
                if (subscription.topics().contains(tp.topic()) && tp.partition() < spec.partitionCount(tp.topic())
                        && !ownerOf.containsKey(tp)) {
                    ownerOf.put(tp, id);
                    result.get(id).add(tp);
                }
            }
        });
    }

    private static void placeUnassigned(AssignmentSpec spec, SortedMap<String, SortedSet<TopicPartition>> result,
                                        Map<TopicPartition, String> ownerOf) {
        Map<String, List<String>> subscribers = new HashMap<>();
        List<TopicPartition> unassigned = new ArrayList<>();
        for (String topic : spec.subscribedTopics()) {
            subscribers.put(topic, spec.subscribersOf(topic));
            for (TopicPartition tp : spec.partitionsOf(topic)) {
                if (!ownerOf.containsKey(tp)) {
                    unassigned.add(tp);
                }
            }
        }
        unassigned.sort(Comparator.<TopicPartition>comparingInt(tp -> subscribers.get(tp.topic()).size())
                .thenComparing(Comparator.naturalOrder()));
        for (TopicPartition tp : unassigned) {
            String least = null;
            for (String candidate : subscribers.get(tp.topic())) {
                if (least == null || result.get(candidate).size() < result.get(least).size()) {
                    least = candidate;
                }
            }
            result.get(least).add(tp);
            ownerOf.put(tp, least);
        }
    }

    private record Load(int count, String memberId) {
    }

    private static final Comparator<Load> BY_LOAD = Comparator.comparingInt(Load::count).thenComparing(Load::memberId);

    private static void balance(AssignmentSpec spec, SortedMap<String, SortedSet<TopicPartition>> result) {
        NavigableSet<Load> loads = new TreeSet<>(BY_LOAD);
        result.forEach((id, partitions) -> loads.add(new Load(partitions.size(), id)));
        while (moveOne(spec, result, loads)) {
            // Each move strictly lowers the sum of squared loads, so this terminates.
        }
    }

    /** Moves one partition from a heavier to an eligible lighter member; false when none can move. */
    private static boolean moveOne(AssignmentSpec spec, SortedMap<String, SortedSet<TopicPartition>> result,
                                   NavigableSet<Load> loads) {
        for (Load giver : loads.descendingSet()) {
            for (Load taker : loads) {
                if (taker.count() >= giver.count() - 1) {
                    break;
                }
                TopicPartition tp = pick(spec, result.get(giver.memberId()), giver.memberId(), taker.memberId());
                if (tp != null) {
                    result.get(giver.memberId()).remove(tp);
                    result.get(taker.memberId()).add(tp);
                    loads.remove(giver);
                    loads.remove(taker);
                    loads.add(new Load(giver.count() - 1, giver.memberId()));
                    loads.add(new Load(taker.count() + 1, taker.memberId()));
                    return true;
                }
            }
        }
        return false;
    }

    private static TopicPartition pick(AssignmentSpec spec, SortedSet<TopicPartition> giverPartitions, String giver,
                                       String taker) {
        AssignmentSpec.Subscription takerSub = spec.members().get(taker);
        SortedSet<TopicPartition> giverCurrent = spec.members().get(giver).current();
        TopicPartition newlyPlaced = null;
        TopicPartition any = null;
        for (TopicPartition tp : giverPartitions) {
            if (!takerSub.topics().contains(tp.topic())) {
                continue;
            }
            if (takerSub.current().contains(tp)) {
                return tp;
            }
            if (!giverCurrent.contains(tp)) {
                newlyPlaced = tp;
            }
            any = tp;
        }
        return newlyPlaced != null ? newlyPlaced : any;
    }
}
