package io.tributary.broker.group;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.Assignment;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.DeleteGroupsRequest;
import io.tributary.api.v1.DescribeGroupsRequest;
import io.tributary.api.v1.FetchOffsetsRequest;
import io.tributary.api.v1.GroupDescription;
import io.tributary.api.v1.GroupListing;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.ListGroupsRequest;
import io.tributary.api.v1.MembershipRequest;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.broker.group.GroupTestClient.Member;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.tributary.broker.group.GroupTestClient.groups;
import static io.tributary.broker.group.GroupTestClient.join;
import static io.tributary.broker.group.GroupTestClient.joinRetrying;
import static io.tributary.broker.group.GroupTestClient.onCoordinator;
import static io.tributary.broker.group.GroupTestClient.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consumer groups against three real brokers, driven over raw gRPC as any client would. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GroupMembershipClusterTest {
    private static final String TOPIC = "events";
    private static final int PARTITIONS = 6;
    private static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 3, Map.of("offsets.topic.num.partitions", 3,
                "offsets.topic.replication.factor", 3, "group.initial.rebalance.delay.ms", 0,
                "group.min.session.timeout.ms", 500));
        cluster.createTopic(TOPIC, PARTITIONS, 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * Applies every Assignment the members get, checking on receipt that no partition in it is owned by another
     * member (each member acknowledges right after applying, so "owned" is what it last applied), until done.
     */
    private static void reconcile(List<Member> members, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "the group did not settle within 30 s");
            for (Member m : members) {
                Assignment a = m.pollAssignment(5);
                if (a == null) {
                    continue;
                }
                for (TopicPartition p : GroupTestClient.partitions(a)) {
                    for (Member other : members) {
                        assertFalse(other != m && other.owned.contains(p), p + " was handed to " + m.memberId
                                + " while " + other.memberId + " still owned it");
                    }
                }
                m.apply(a);
            }
        }
    }

    private static BooleanSupplier eachOwns(List<Member> members, int count) {
        return () -> {
            SortedSet<TopicPartition> all = new TreeSet<>();
            for (Member m : members) {
                if (m.owned.size() != count) {
                    return false;
                }
                all.addAll(m.owned);
            }
            return all.size() == count * members.size();
        };
    }

    @Test
    void twoMembersGetDisjointPartitionsAndAThirdJoiningCooperativelyNeverSharesOne() throws Exception {
        String g = "coop";
        Member a = joinRetrying(cluster, join(g, TOPIC).build());
        Member b = joinRetrying(cluster, join(g, TOPIC).build());
        List<Member> members = new ArrayList<>(List.of(a, b));
        reconcile(members, eachOwns(members, 3));
        Member c = joinRetrying(cluster, join(g, TOPIC).build());
        members.add(c);
        reconcile(members, eachOwns(members, 2));
        for (Member m : members) {
            m.leave();
            assertEquals("OK", m.awaitEnd(10_000));
        }
    }

    @Test
    void eagerMembersAllRevokeBeforeAnyPartitionMoves() throws Exception {
        String g = "eager";
        Member a = joinRetrying(cluster, join(g, TOPIC).clearAssignors().addAssignors("range").build());
        Member b = joinRetrying(cluster, join(g, TOPIC).clearAssignors().addAssignors("range").build());
        List<Member> members = new ArrayList<>(List.of(a, b));
        reconcile(members, eachOwns(members, 3));
        Member c = joinRetrying(cluster, join(g, TOPIC).clearAssignors().addAssignors("range").build());
        for (Member m : List.of(a, b)) {
            Assignment revoke = m.nextAssignment(10_000);
            assertTrue(revoke.getPartitionsList().isEmpty(), "eager: " + m.memberId + " first revokes all, got " + revoke);
            assertEquals("range", revoke.getAssignor());
            assertTrue(revoke.getGenerationId() > m.generation);
            m.apply(revoke);
        }
        members.add(c);
        reconcile(members, eachOwns(members, 2));
    }

    private static CommitOffsetsRequest.Builder commit(String g, Member m, int generation, TopicPartition tp, long offset) {
        return CommitOffsetsRequest.newBuilder().setGroupId(g).setMemberId(m == null ? "" : m.memberId)
                .setGenerationId(generation).addOffsets(OffsetCommit.newBuilder().setTopic(tp.topic())
                        .setPartition(tp.partition()).setOffset(offset).setLeaderEpoch(-1).setMetadata("m"));
    }

    @Test
    void commitWithAStaleGenerationIsIllegalAndAfterLeavingTheMemberIsUnknown() throws Exception {
        String g = "commits";
        Member a = joinRetrying(cluster, join(g, TOPIC).build());
        List<Member> members = List.of(a);
        reconcile(members, eachOwns(members, PARTITIONS));
        TopicPartition p0 = a.owned.first();
        CommitOffsetsResponse ok = onCoordinator(cluster, g, ch -> groups(ch).commitOffsets(commit(g, a, a.generation, p0, 17).build()));
        assertTrue(ok.getResults(0).getError().getCode().isEmpty(), ok.toString());

        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> onCoordinator(cluster, g,
                ch -> groups(ch).commitOffsets(commit(g, a, a.generation - 1, p0, 18).build())));
        assertEquals("ILLEGAL_GENERATION", reason(stale));
        StatusRuntimeException outsider = assertThrows(StatusRuntimeException.class, () -> onCoordinator(cluster, g,
                ch -> groups(ch).commitOffsets(commit(g, null, -1, p0, 19).build())));
        assertEquals("UNKNOWN_MEMBER_ID", reason(outsider));

        a.leave();
        assertEquals("OK", a.awaitEnd(10_000));
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> onCoordinator(cluster, g,
                ch -> groups(ch).commitOffsets(commit(g, a, a.generation, p0, 20).build())));
        assertEquals("UNKNOWN_MEMBER_ID", reason(gone));

        CommitOffsetsResponse reset = onCoordinator(cluster, g, ch -> groups(ch).commitOffsets(commit(g, null, -1, p0, 5).build()));
        assertTrue(reset.getResults(0).getError().getCode().isEmpty(), "an empty group takes commits from outside");
        long committed = onCoordinator(cluster, g, ch -> groups(ch).fetchOffsets(FetchOffsetsRequest.newBuilder()
                .setGroupId(g).build())).getOffsets(0).getOffset();
        assertEquals(5, committed);
    }

    @Test
    void staticMemberReconnectingWithinItsSessionTimeoutKeepsItsPartitionsWithoutARebalance() throws Exception {
        String g = "static";
        Member s = joinRetrying(cluster, join(g, TOPIC).setGroupInstanceId("host-1").build());
        Member d = joinRetrying(cluster, join(g, TOPIC).build());
        List<Member> members = List.of(s, d);
        reconcile(members, eachOwns(members, 3));
        int generation = describe(g).getGenerationId();
        SortedSet<TopicPartition> had = s.owned;

        s.disconnect();
        Member restarted = joinRetrying(cluster, join(g, TOPIC).setGroupInstanceId("host-1").build());
        assertNotEquals(s.memberId, restarted.memberId);
        Assignment again = restarted.nextAssignment(10_000);
        assertEquals(had, GroupTestClient.partitions(again), "same partitions as before the restart");
        restarted.apply(again);
        assertEquals(generation, describe(g).getGenerationId(), "no rebalance");
        assertNull(d.pollAssignment(500), "the other member saw nothing");
        GroupDescription desc = describe(g);
        assertEquals(2, desc.getMembersCount());
        assertTrue(desc.getMembersList().stream().anyMatch(m -> m.getMemberId().equals(restarted.memberId)
                && m.getGroupInstanceId().equals("host-1") && m.getHost().equals("127.0.0.1")));
    }

    private static GroupDescription describe(String g) {
        return onCoordinator(cluster, g, ch -> {
            GroupDescription d = groups(ch).describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(g).build()).getGroups(0);
            if (d.getError().getCode().equals("NOT_COORDINATOR") || d.getError().getCode().equals("COORDINATOR_LOAD_IN_PROGRESS")) {
                throw io.grpc.Status.UNAVAILABLE.asRuntimeException();
            }
            return d;
        });
    }

    @Test
    void describeListAndDeleteFollowTheGroupsLifecycle() throws Exception {
        String g = "lifecycle";
        Member a = joinRetrying(cluster, join(g, TOPIC).build());
        reconcile(List.of(a), eachOwns(List.of(a), PARTITIONS));
        // The acknowledgement travels on the stream, the describe on its own call: wait for it to land.
        cluster.awaitCondition(() -> describe(g).getState().equals("Stable"), 10_000, "group " + g + " stable");
        GroupDescription d = describe(g);
        assertEquals("cooperative-sticky", d.getAssignor());
        assertEquals(PARTITIONS, d.getMembers(0).getOwnedList().stream().mapToInt(x -> x.getPartitionsCount()).sum());
        int coordinator = GroupTestClient.coordinatorOf(cluster, g);
        assertEquals(coordinator, d.getCoordinatorId());

        List<GroupListing> onCoordinator = groups(cluster.channel(coordinator)).listGroups(ListGroupsRequest.newBuilder()
                .addStates("stable").build()).getGroupsList();
        assertTrue(onCoordinator.stream().anyMatch(l -> l.getGroupId().equals(g) && l.getState().equals("Stable")));
        int other = coordinator % 3 + 1;
        assertFalse(groups(cluster.channel(other)).listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList()
                .stream().anyMatch(l -> l.getGroupId().equals(g)), "only the coordinator lists it");

        assertEquals("NON_EMPTY_GROUP", deleteGroup(g));
        a.leave();
        assertEquals("OK", a.awaitEnd(10_000));
        onCoordinator(cluster, g, ch -> groups(ch).commitOffsets(commit(g, null, -1, new TopicPartition(TOPIC, 0), 3).build()));
        assertEquals("Empty", describe(g).getState());
        assertEquals("", deleteGroup(g));
        assertEquals("GROUP_ID_NOT_FOUND", describe(g).getError().getCode());
        assertEquals("GROUP_ID_NOT_FOUND", deleteGroup(g));
        assertEquals(-1, onCoordinator(cluster, g, ch -> groups(ch).fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId(g)
                .addPartitions(io.tributary.api.v1.TopicPartitions.newBuilder().setTopic(TOPIC).addPartitions(0)).build()))
                .getOffsets(0).getOffset());
    }

    private static String deleteGroup(String g) {
        return onCoordinator(cluster, g, ch -> groups(ch).deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds(g).build()))
                .getGroups(0).getError().getCode();
    }

    @Test
    void aBrokerThatDoesNotCoordinateTheGroupNamesTheOneThatDoes() throws Exception {
        String g = "misrouted";
        int coordinator = GroupTestClient.coordinatorOf(cluster, g);
        int wrong = coordinator % 3 + 1;
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> groups(cluster.channel(wrong))
                .fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId(g).build()));
        assertEquals("NOT_COORDINATOR", reason(e));
        assertEquals(Integer.toString(coordinator), errorInfo(e).getMetadataOrThrow("leader_id"));
        assertEquals(Integer.toString(cluster.port(coordinator)), errorInfo(e).getMetadataOrThrow("leader_port"));

        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        StreamObserver<MembershipRequest> stream = GroupsGrpc.newStub(cluster.channel(wrong)).membership(new StreamObserver<>() {
            @Override
            public void onNext(MembershipResponse value) {
                ended.completeExceptionally(new AssertionError("unexpected " + value));
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(t);
            }

            @Override
            public void onCompleted() {
                ended.completeExceptionally(new AssertionError("completed"));
            }
        });
        stream.onNext(MembershipRequest.newBuilder().setJoin(join(g, TOPIC)).build());
        assertEquals("NOT_COORDINATOR", reason(ended.get(10, TimeUnit.SECONDS)));

        StatusRuntimeException invalid = assertThrows(StatusRuntimeException.class, () -> groups(cluster.channel(coordinator))
                .fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId("").build()));
        assertEquals("INVALID_GROUP_ID", reason(invalid));
    }

    private static ErrorInfo errorInfo(StatusRuntimeException e) throws Exception {
        for (Any a : StatusProto.fromThrowable(e).getDetailsList()) {
            if (a.is(ErrorInfo.class)) {
                return a.unpack(ErrorInfo.class);
            }
        }
        throw new AssertionError("no ErrorInfo in " + e);
    }

    @Test
    void addingPartitionsToASubscribedTopicRebalancesTheGroup() throws Exception {
        String g = "growing";
        cluster.createTopic("growing", 2, 1);
        Member a = joinRetrying(cluster, join(g, "growing").build());
        Member b = joinRetrying(cluster, join(g, "growing").build());
        List<Member> members = List.of(a, b);
        reconcile(members, eachOwns(members, 1));
        io.tributary.api.v1.AdminGrpc.newBlockingStub(cluster.channel(1)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .createPartitions(io.tributary.api.v1.CreatePartitionsRequest.newBuilder().setTimeoutMs(20_000)
                        .addTopics(io.tributary.api.v1.PartitionIncrease.newBuilder().setTopic("growing").setTotalCount(6))
                        .build());
        reconcile(members, eachOwns(members, 3));
    }

    @Test
    void clientsCannotProduceToTheOffsetsTopic() {
        GroupTestClient.coordinatorOf(cluster, "any");
        Map<Integer, String> codes = new HashMap<>();
        for (int broker : cluster.runningBrokers().keySet()) {
            Channel ch = cluster.channel(broker);
            String code = ProducerGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).produceOnce(ProduceRequest
                    .newBuilder().setAcks(-1).addPartitions(PartitionProduceData.newBuilder().setTopic(OffsetsTopic.NAME)
                            .setPartition(0).setRecords(ByteString.copyFrom(RecordBatchBuilder.create()
                                    .append(1L, new byte[] {1}, new byte[] {2}).build()))).build())
                    .getPartitions(0).getError().getCode();
            codes.put(broker, code);
        }
        assertTrue(codes.values().stream().allMatch("TOPIC_AUTHORIZATION_FAILED"::equals), codes.toString());
    }
}
