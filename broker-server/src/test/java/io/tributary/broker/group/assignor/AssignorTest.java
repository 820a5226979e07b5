package io.tributary.broker.group.assignor;

import io.tributary.api.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AssignorTest {
    private final RangeAssignor range = new RangeAssignor();
    private final RoundRobinAssignor roundRobin = new RoundRobinAssignor();
    private final CooperativeStickyAssignor sticky = new CooperativeStickyAssignor();

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    private static SortedSet<TopicPartition> tps(TopicPartition... partitions) {
        return new TreeSet<>(List.of(partitions));
    }

    /** Builds a spec: members given as id → topics, all starting with nothing. */
    private static AssignmentSpec spec(Map<String, Integer> counts, Map<String, Set<String>> members) {
        SortedMap<String, AssignmentSpec.Subscription> subs = new TreeMap<>();
        members.forEach((id, topics) -> subs.put(id, new AssignmentSpec.Subscription(topics)));
        return new AssignmentSpec(subs, counts);
    }

    /** The same members, now each with {@code current} as what it has. */
    private static AssignmentSpec withCurrent(AssignmentSpec spec, Map<String, SortedSet<TopicPartition>> current) {
        SortedMap<String, AssignmentSpec.Subscription> subs = new TreeMap<>();
        spec.members().forEach((id, s) -> subs.put(id, new AssignmentSpec.Subscription(s.topics(),
                current.getOrDefault(id, new TreeSet<>()))));
        return new AssignmentSpec(subs, spec.partitionCounts());
    }

    private static void assertValid(AssignmentSpec spec, Map<String, SortedSet<TopicPartition>> result) {
        assertEquals(spec.members().keySet(), result.keySet(), "an entry for every member");
        Set<TopicPartition> seen = new HashSet<>();
        result.forEach((id, partitions) -> {
            for (TopicPartition p : partitions) {
                assertTrue(seen.add(p), p + " assigned twice");
                assertTrue(spec.members().get(id).topics().contains(p.topic()), id + " is not subscribed to " + p);
                assertTrue(p.partition() < spec.partitionCount(p.topic()), p + " does not exist");
            }
        });
        for (String topic : spec.subscribedTopics()) {
            for (TopicPartition p : spec.partitionsOf(topic)) {
                assertTrue(seen.contains(p), p + " is subscribed but unassigned");
            }
        }
    }

    private static int moved(Map<String, SortedSet<TopicPartition>> before, Map<String, SortedSet<TopicPartition>> after) {
        int moved = 0;
        for (Map.Entry<String, SortedSet<TopicPartition>> e : before.entrySet()) {
            for (TopicPartition p : e.getValue()) {
                if (!after.getOrDefault(e.getKey(), new TreeSet<>()).contains(p)) {
                    moved++;
                }
            }
        }
        return moved;
    }

    @Test
    void rangeGivesContiguousRangesPerTopicAndTheFirstMembersTheRemainder() {
        AssignmentSpec s = spec(Map.of("t", 7, "u", 2), Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u"), "c", Set.of("t")));
        Map<String, SortedSet<TopicPartition>> r = range.assign(s);
        assertValid(s, r);
        assertEquals(tps(tp("t", 0), tp("t", 1), tp("t", 2), tp("u", 0)), r.get("a"));
        assertEquals(tps(tp("t", 3), tp("t", 4), tp("u", 1)), r.get("b"));
        assertEquals(tps(tp("t", 5), tp("t", 6)), r.get("c"));
    }

    @Test
    void roundRobinDealsSortedPartitionsSkippingMembersNotSubscribed() {
        AssignmentSpec s = spec(Map.of("t", 3, "u", 3), Map.of("a", Set.of("t", "u"), "b", Set.of("u"), "c", Set.of("t", "u")));
        Map<String, SortedSet<TopicPartition>> r = roundRobin.assign(s);
        assertValid(s, r);
        // t0->a, t1->c (b skipped), t2->a, u0->b, u1->c, u2->a
        assertEquals(tps(tp("t", 0), tp("t", 2), tp("u", 2)), r.get("a"));
        assertEquals(tps(tp("u", 0)), r.get("b"));
        assertEquals(tps(tp("t", 1), tp("u", 1)), r.get("c"));
    }

    @Test
    void everyAssignorIgnoresTopicsThatDoNotExistAndGivesEveryMemberAnEntry() {
        AssignmentSpec s = spec(Map.of("t", 2), Map.of("a", Set.of("t", "missing"), "b", Set.of("missing"), "c", Set.of("t")));
        for (PartitionAssignor a : List.of(range, roundRobin, sticky)) {
            Map<String, SortedSet<TopicPartition>> r = a.assign(s);
            assertValid(s, r);
            assertTrue(r.get("b").isEmpty(), a.name());
        }
    }

    @Test
    void stickyIsBalancedForEqualSubscriptions() {
        AssignmentSpec s = spec(Map.of("t", 10, "u", 7), Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u"), "c", Set.of("t", "u")));
        Map<String, SortedSet<TopicPartition>> r = sticky.assign(s);
        assertValid(s, r);
        int min = r.values().stream().mapToInt(Set::size).min().orElseThrow();
        int max = r.values().stream().mapToInt(Set::size).max().orElseThrow();
        assertTrue(max - min <= 1, r.toString());
    }

    @Test
    void stickyAddingAMemberMovesOnlyItsShare() {
        AssignmentSpec three = spec(Map.of("t", 12), Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t")));
        Map<String, SortedSet<TopicPartition>> before = sticky.assign(three);
        Map<String, Set<String>> four = new LinkedHashMap<>(Map.of("a", Set.of("t"), "b", Set.of("t"), "c", Set.of("t"), "d", Set.of("t")));
        AssignmentSpec next = withCurrent(spec(Map.of("t", 12), four), before);
        Map<String, SortedSet<TopicPartition>> after = sticky.assign(next);
        assertValid(next, after);
        assertEquals(3, after.get("d").size());
        assertEquals(3, moved(before, after), "exactly the new member's three partitions move: " + before + " -> " + after);
        for (String kept : List.of("a", "b", "c")) {
            assertTrue(before.get(kept).containsAll(after.get(kept)), kept + " gains nothing");
        }
    }

    @Test
    void stickyRemovingAMemberMovesOnlyItsPartitions() {
        AssignmentSpec four = spec(Map.of("t", 12, "u", 5), Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u"),
                "c", Set.of("t", "u"), "d", Set.of("t", "u")));
        Map<String, SortedSet<TopicPartition>> before = sticky.assign(four);
        AssignmentSpec three = withCurrent(spec(Map.of("t", 12, "u", 5), Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u"),
                "c", Set.of("t", "u"))), before);
        Map<String, SortedSet<TopicPartition>> after = sticky.assign(three);
        assertValid(three, after);
        for (String kept : List.of("a", "b", "c")) {
            assertTrue(after.get(kept).containsAll(before.get(kept)), kept + " keeps everything it had");
        }
        int min = after.values().stream().mapToInt(Set::size).min().orElseThrow();
        int max = after.values().stream().mapToInt(Set::size).max().orElseThrow();
        assertTrue(max - min <= 1, after.toString());
    }

    @Test
    void stickyHandlesUnequalSubscriptionsWithoutStarvingTheNarrowMember() {
        // b can only take t; a takes u. A naive pass that fills a with t first would leave b short.
        AssignmentSpec s = spec(Map.of("t", 4, "u", 4), Map.of("a", Set.of("t", "u"), "b", Set.of("t")));
        Map<String, SortedSet<TopicPartition>> r = sticky.assign(s);
        assertValid(s, r);
        assertEquals(4, r.get("a").size());
        assertEquals(4, r.get("b").size());
        assertTrue(r.get("b").stream().allMatch(p -> p.topic().equals("t")));
    }

    @Test
    void stickyMovesPartitionsAwayFromAMemberThatUnsubscribed() {
        AssignmentSpec s = spec(Map.of("t", 4, "u", 2), Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u")));
        Map<String, SortedSet<TopicPartition>> before = sticky.assign(s);
        AssignmentSpec narrowed = withCurrent(spec(Map.of("t", 4, "u", 2), Map.of("a", Set.of("t"), "b", Set.of("t", "u"))), before);
        Map<String, SortedSet<TopicPartition>> after = sticky.assign(narrowed);
        assertValid(narrowed, after);
        assertFalse(after.get("a").stream().anyMatch(p -> p.topic().equals("u")));
    }

    @Test
    void everyAssignorIsDeterministicWhateverTheInputOrder() {
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            Map<String, Integer> counts = Map.of("t", 1 + random.nextInt(20), "u", 1 + random.nextInt(5), "v", random.nextInt(3));
            Map<String, Set<String>> members = new HashMap<>();
            int n = 1 + random.nextInt(8);
            for (int i = 0; i < n; i++) {
                Set<String> topics = new HashSet<>();
                for (String t : List.of("t", "u", "v")) {
                    if (random.nextBoolean()) {
                        topics.add(t);
                    }
                }
                members.put("m" + random.nextInt(1000) + "-" + i, topics);
            }
            AssignmentSpec s = spec(counts, members);
            for (PartitionAssignor a : List.of(range, roundRobin, sticky)) {
                Map<String, SortedSet<TopicPartition>> first = a.assign(s);
                assertValid(s, first);
                assertEquals(first, a.assign(spec(new TreeMap<>(counts), new TreeMap<>(members))), a.name());
            }
            // Sticky from a random previous state stays valid and balanced among equal subscriptions.
            Map<String, SortedSet<TopicPartition>> previous = roundRobin.assign(s);
            AssignmentSpec again = withCurrent(s, previous);
            Map<String, SortedSet<TopicPartition>> r = sticky.assign(again);
            assertValid(again, r);
            Map<Set<String>, int[]> bySubscription = new HashMap<>();
            again.members().forEach((id, sub) -> {
                int[] minMax = bySubscription.computeIfAbsent(sub.topics(), k -> new int[] {Integer.MAX_VALUE, 0});
                minMax[0] = Math.min(minMax[0], r.get(id).size());
                minMax[1] = Math.max(minMax[1], r.get(id).size());
            });
            bySubscription.forEach((topics, minMax) -> assertTrue(minMax[1] - minMax[0] <= 1, topics + " " + r));
        }
    }
}
