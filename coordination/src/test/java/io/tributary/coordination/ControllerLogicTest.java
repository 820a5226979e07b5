package io.tributary.coordination;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Topic name rules, replica placement and leader election decisions, without ZooKeeper. */
class ControllerLogicTest {
    @Test
    void topicNamesFollowSpecRules() {
        TopicNames.validate("orders.v1_EU-west");
        TopicNames.validate("a".repeat(249));
        for (String bad : List.of("", ".", "..", "a".repeat(250), "sp ace", "slash/", "ünï")) {
            TributaryException e = assertThrows(TributaryException.class, () -> TopicNames.validate(bad), bad);
            assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION, e.error());
        }
        assertEquals(Optional.of("a.b"), TopicNames.collision("a_b", List.of("x", "a.b")));
        assertEquals(Optional.empty(), TopicNames.collision("a.b", List.of("a.b")));
        assertTrue(TopicNames.isInternal("__consumer_offsets"));
    }

    @Test
    void rackUnawareAssignmentSpreadsLeadersAndFollowers() {
        Map<Integer, String> brokers = new HashMap<>();
        for (int b = 1; b <= 5; b++) {
            brokers.put(b, null);
        }
        SortedMap<Integer, List<Integer>> a = new ReplicaAssigner(new Random(42)).assign(brokers, 10, 3, 0, -1);
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> replicas = new HashMap<>();
        a.values().forEach(r -> {
            assertEquals(3, new HashSet<>(r).size(), "distinct replicas " + r);
            leaders.merge(r.get(0), 1, Integer::sum);
            r.forEach(b -> replicas.merge(b, 1, Integer::sum));
        });
        assertEquals(Set.of(2), new HashSet<>(leaders.values()), "each broker leads 2 of 10: " + leaders);
        assertEquals(Set.of(6), new HashSet<>(replicas.values()), "each broker holds 6 of 30 replicas: " + replicas);
    }

    @Test
    void rackAwareAssignmentPutsReplicasInDistinctRacks() {
        Map<Integer, String> brokers = Map.of(1, "a", 2, "a", 3, "b", 4, "b", 5, "c", 6, "c");
        SortedMap<Integer, List<Integer>> a = new ReplicaAssigner(new Random(7)).assign(brokers, 12, 3, 0, -1);
        a.forEach((p, r) -> {
            Set<String> racks = new HashSet<>();
            r.forEach(b -> racks.add(brokers.get(b)));
            assertEquals(3, racks.size(), "partition " + p + " " + r);
        });
        assertEquals(List.of(1, 3, 5, 2, 4, 6), ReplicaAssigner.rackAlternated(new TreeMap<>(brokers)));
        TributaryException mixed = assertThrows(TributaryException.class, () -> new ReplicaAssigner()
                .assign(new HashMap<>(Map.of(1, "a", 2, "b")) {{ put(3, null); }}, 1, 1, 0, -1));
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT, mixed.error());
        TributaryException wide = assertThrows(TributaryException.class,
                () -> new ReplicaAssigner().assign(brokers, 1, 7, 0, -1));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, wide.error());
    }

    @Test
    void leaderElectionPrefersIsrInAssignmentOrderAndNeverElectsOutOfSyncReplicaUnlessUnclean() {
        PartitionState s = new PartitionState(1, 4, List.of(1, 2, 3), 7);
        List<Integer> replicas = List.of(1, 2, 3);
        assertEquals(Optional.of(new PartitionState(2, 5, List.of(2, 3), 8)),
                LeaderElection.onBrokerChange(s, replicas, Set.of(2, 3), Set.of(), false, 8));
        assertEquals(Optional.of(new PartitionState(1, 4, List.of(1, 3), 8)),
                LeaderElection.onBrokerChange(s, replicas, Set.of(1, 3), Set.of(), false, 8), "follower death: shrink only");
        assertEquals(Optional.empty(), LeaderElection.onBrokerChange(s, replicas, Set.of(1, 2, 3), Set.of(), false, 8));
        assertEquals(Optional.of(new PartitionState(2, 5, List.of(2, 3), 8)),
                LeaderElection.onBrokerChange(s, replicas, Set.of(1, 2, 3), Set.of(1), false, 8), "bounced leader replaced");

        PartitionState lonely = new PartitionState(1, 4, List.of(1), 7);
        PartitionState offline = LeaderElection.onBrokerChange(lonely, replicas, Set.of(2, 3), Set.of(), false, 8).orElseThrow();
        assertEquals(new PartitionState(-1, 5, List.of(1), 8), offline);
        assertEquals(Optional.empty(), LeaderElection.onBrokerChange(offline, replicas, Set.of(2, 3), Set.of(), false, 8));
        assertEquals(Optional.of(new PartitionState(2, 5, List.of(2), 8)),
                LeaderElection.onBrokerChange(lonely, replicas, Set.of(2, 3), Set.of(), true, 8), "unclean");
        assertEquals(Optional.of(new PartitionState(1, 6, List.of(1), 9)),
                LeaderElection.onBrokerChange(offline, replicas, Set.of(1, 2), Set.of(1), false, 9), "last ISR member returns");
    }

    @Test
    void preferredAndReassignmentDecisions() {
        PartitionState s = new PartitionState(2, 3, List.of(2, 1), 1);
        assertEquals(Optional.of(new PartitionState(1, 4, List.of(2, 1), 2)),
                LeaderElection.preferred(s, List.of(1, 2), Set.of(1, 2), 2));
        assertEquals(Optional.empty(), LeaderElection.preferred(s, List.of(1, 2), Set.of(2), 2), "preferred dead");
        assertEquals(Optional.empty(), LeaderElection.completeReassignment(s, List.of(2, 3), Set.of(1, 2, 3), 2),
                "3 not in sync yet");
        PartitionState caughtUp = new PartitionState(1, 3, List.of(1, 2, 3), 1);
        assertEquals(Optional.of(new PartitionState(2, 4, List.of(2, 3), 2)),
                LeaderElection.completeReassignment(caughtUp, List.of(2, 3), Set.of(1, 2, 3), 2));
        assertEquals(Optional.of(new PartitionState(1, 4, List.of(1, 3), 2)),
                LeaderElection.completeReassignment(caughtUp, List.of(3, 1), Set.of(1, 2, 3), 2), "leader stays");
        assertEquals(Optional.of(new PartitionState(2, 0, List.of(2, 3), 5)),
                LeaderElection.initialState(List.of(1, 2, 3), Set.of(2, 3), 5));
    }
}
