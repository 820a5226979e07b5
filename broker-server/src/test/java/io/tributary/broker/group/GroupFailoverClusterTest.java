package io.tributary.broker.group;

import io.tributary.api.TopicPartition;
import io.tributary.api.v1.Assignment;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.FetchOffsetsRequest;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.broker.group.GroupTestClient.Member;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tributary.broker.group.GroupTestClient.groups;
import static io.tributary.broker.group.GroupTestClient.join;
import static io.tributary.broker.group.GroupTestClient.joinRetrying;
import static io.tributary.broker.group.GroupTestClient.onCoordinator;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The coordinator's broker goes away: offsets and membership carry over to the next leader of the group's partition. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupFailoverClusterTest {
    private static final String TOPIC = "events";

    @Test
    void stoppingTheCoordinatorKeepsCommittedOffsetsAndTheMemberResumesWithItsPartitions() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(1, 3, Map.of("offsets.topic.num.partitions", 3,
                "offsets.topic.replication.factor", 3, "group.initial.rebalance.delay.ms", 0,
                "group.min.session.timeout.ms", 500))) {
            cluster.createTopic(TOPIC, 4, 3);
            String g = "failover";
            Member a = joinRetrying(cluster, join(g, TOPIC).build());
            Assignment first = a.nextAssignment(15_000);
            a.apply(first);
            assertEquals(4, a.owned.size());

            CommitOffsetsRequest.Builder commit = CommitOffsetsRequest.newBuilder().setGroupId(g).setMemberId(a.memberId)
                    .setGenerationId(a.generation);
            Map<TopicPartition, Long> expected = new HashMap<>();
            for (TopicPartition tp : a.owned) {
                long offset = 100 + tp.partition();
                expected.put(tp, offset);
                commit.addOffsets(OffsetCommit.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                        .setOffset(offset).setLeaderEpoch(3).setMetadata("before failover"));
            }
            CommitOffsetsResponse committed = onCoordinator(cluster, g, ch -> groups(ch).commitOffsets(commit.build()));
            assertTrue(committed.getResultsList().stream().allMatch(r -> r.getError().getCode().isEmpty()), committed.toString());

            int oldCoordinator = GroupTestClient.coordinatorOf(cluster, g);
            cluster.stopBroker(oldCoordinator);
            assertEquals("NOT_COORDINATOR", a.awaitEnd(10_000), "shutdown ends member streams so the member looks again");

            int newCoordinator = GroupTestClient.coordinatorOf(cluster, g);
            assertNotEquals(oldCoordinator, newCoordinator);
            List<CommittedOffset> fetched = onCoordinator(cluster, g, ch -> groups(ch).fetchOffsets(FetchOffsetsRequest
                    .newBuilder().setGroupId(g).build())).getOffsetsList();
            Map<TopicPartition, Long> actual = new HashMap<>();
            for (CommittedOffset c : fetched) {
                actual.put(new TopicPartition(c.getTopic(), c.getPartition()), c.getOffset());
                assertEquals(3, c.getLeaderEpoch());
                assertEquals("before failover", c.getMetadata());
            }
            assertEquals(expected, actual, "every committed offset is readable from the new coordinator");

            // The member resumes with its id, generation and partitions: same assignment, no new generation.
            Member resumed = joinRetrying(cluster, join(g, TOPIC).setMemberId(a.memberId).setGenerationId(a.generation)
                    .addAllOwned(PartitionSets.toProto(a.owned)).build());
            assertEquals(a.memberId, resumed.memberId);
            Assignment again = resumed.nextAssignment(15_000);
            assertEquals(a.owned, GroupTestClient.partitions(again));
            assertEquals(a.generation, again.getGenerationId());
            resumed.apply(again);
            CommitOffsetsResponse after = onCoordinator(cluster, g, ch -> groups(ch).commitOffsets(CommitOffsetsRequest
                    .newBuilder().setGroupId(g).setMemberId(resumed.memberId).setGenerationId(resumed.generation)
                    .addOffsets(OffsetCommit.newBuilder().setTopic(TOPIC).setPartition(0).setOffset(500)).build()));
            assertTrue(after.getResults(0).getError().getCode().isEmpty(), after.toString());
        }
    }
}
