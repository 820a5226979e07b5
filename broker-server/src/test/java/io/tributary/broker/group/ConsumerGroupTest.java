package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.Assignment;
import io.tributary.api.v1.AssignmentAck;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.GroupValue;
import io.tributary.api.v1.JoinGroup;
import io.tributary.api.v1.MemberValue;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.broker.common.MockTime;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The group state machine on its own: fake clock, log, streams and timer; every step checks the safety invariant. */
class ConsumerGroupTest {
    private static final int SESSION_MS = 1_000;
    private static final int REBALANCE_MS = 2_000;

    private final MockTime time = new MockTime();
    private final FakeWriter writer = new FakeWriter();
    private final Map<String, Integer> partitionCounts = new HashMap<>(Map.of("t", 6, "u", 2));
    private int initialDelayMs = 0;
    private ConsumerGroup group = newGroup();

    private ConsumerGroup newGroup() {
        GroupConfig config = new GroupConfig(1, 3, 1, 1 << 20, 5_000, 1 << 20, 60_000, 60_000, 16,
                100, 100_000, initialDelayMs, 4, 3_000);
        return new ConsumerGroup("g", new GroupEnvironment(config, time, writer,
                t -> partitionCounts.getOrDefault(t, 0), (task, delayMs) -> () -> { }));
    }

    /** Records what the coordinator sends one member. */
    static final class FakeStream implements MemberStream {
        final List<MembershipResponse> received = new ArrayList<>();
        TributaryException failedWith;
        boolean completed;

        @Override
        public void send(MembershipResponse response) {
            assertFalse(ended(), "sent after the stream ended: " + response);
            received.add(response);
        }

        @Override
        public void fail(TributaryException error) {
            failedWith = error;
        }

        @Override
        public void complete() {
            completed = true;
        }

        boolean ended() {
            return failedWith != null || completed;
        }

        Assignment lastAssignment() {
            for (int i = received.size() - 1; i >= 0; i--) {
                if (received.get(i).hasAssignment()) {
                    return received.get(i).getAssignment();
                }
            }
            return null;
        }

        SortedSet<TopicPartition> assigned() {
            Assignment a = lastAssignment();
            return a == null ? new TreeSet<>() : PartitionSets.fromProto(a.getPartitionsList());
        }

        long assignmentCount() {
            return received.stream().filter(MembershipResponse::hasAssignment).count();
        }
    }

    /** Appends to nowhere; acknowledgements complete at once unless held. */
    static final class FakeWriter implements GroupLogWriter {
        long nextOffset;
        boolean hold;
        final List<CompletableFuture<Void>> held = new ArrayList<>();
        final List<GroupRecords.Entry> written = new ArrayList<>();

        @Override
        public Appended append(List<GroupRecords.Entry> entries) {
            written.addAll(entries);
            long[] offsets = new long[entries.size()];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = nextOffset++;
            }
            CompletableFuture<Void> ack = new CompletableFuture<>();
            if (hold) {
                held.add(ack);
            } else {
                ack.complete(null);
            }
            return new Appended(offsets, ack);
        }
    }

    private static JoinGroup.Builder join(String... topics) {
        return JoinGroup.newBuilder().setGroupId("g").setClientId("c").addAllTopics(List.of(topics))
                .addAssignors("cooperative-sticky").addAssignors("range").setSessionTimeoutMs(SESSION_MS)
                .setRebalanceTimeoutMs(REBALANCE_MS);
    }

    private record Member(String id, FakeStream stream) {
    }

    private Member join(JoinGroup.Builder request) {
        FakeStream s = new FakeStream();
        String id = group.join(request.build(), "10.0.0.1", s);
        assertTrue(s.received.get(0).hasJoined(), "Joined comes first");
        assertEquals(id, s.received.get(0).getJoined().getMemberId());
        return new Member(id, s);
    }

    /** Lets the coalesced recompute (and any timer) run. */
    private void settle() {
        time.sleep(ConsumerGroup.REBALANCE_COALESCE_MS);
        group.tick();
        group.checkInvariant();
    }

    /** The member applies its latest Assignment and acknowledges it. */
    private void ack(Member m) {
        Assignment a = m.stream().lastAssignment();
        group.acknowledge(m.id(), m.stream(), AssignmentAck.newBuilder().setGenerationId(a.getGenerationId())
                .addAllOwned(a.getPartitionsList()).build());
        group.checkInvariant();
    }

    private static TopicPartition tp(String topic, int p) {
        return new TopicPartition(topic, p);
    }

    @Test
    void aThirdMemberJoiningCooperativelyNeverGetsAPartitionBeforeItsOwnerGaveItUp() {
        Member a = join(join("t"));
        settle();
        assertEquals(6, a.stream().assigned().size());
        ack(a);
        Member b = join(join("t"));
        settle();
        assertEquals(3, a.stream().assigned().size(), "a keeps half");
        assertTrue(b.stream().assigned().isEmpty(), "b waits: a still owns its future partitions");
        assertEquals(3, b.stream().lastAssignment().getPendingList().stream().mapToInt(x -> x.getPartitionsCount()).sum());
        ack(a);
        assertEquals(3, b.stream().assigned().size(), "a gave them up: b gets them at once");
        ack(b);
        assertEquals(ConsumerGroup.State.STABLE, group.state());

        Member c = join(join("t"));
        settle();
        assertEquals(ConsumerGroup.State.RECONCILING, group.state());
        assertTrue(c.stream().assigned().isEmpty());
        ack(a);
        ack(b);
        assertEquals(2, c.stream().assigned().size());
        ack(c);
        SortedSet<TopicPartition> all = new TreeSet<>();
        for (Member m : List.of(a, b, c)) {
            assertEquals(2, m.stream().assigned().size());
            all.addAll(m.stream().assigned());
        }
        assertEquals(6, all.size(), "disjoint and complete");
        assertEquals(ConsumerGroup.State.STABLE, group.state());
    }

    @Test
    void eagerMembersRevokeEverythingBeforeAnyoneGetsNewPartitions() {
        Member a = join(join("t").clearAssignors().addAssignors("range"));
        settle();
        ack(a);
        Member b = join(join("t").clearAssignors().addAssignors("range"));
        settle();
        assertTrue(a.stream().assigned().isEmpty(), "eager: a first revokes everything");
        assertTrue(b.stream().assigned().isEmpty());
        int gen = a.stream().lastAssignment().getGenerationId();
        group.acknowledge(a.id(), a.stream(), AssignmentAck.newBuilder().setGenerationId(gen).build());
        group.checkInvariant();
        assertEquals(3, a.stream().assigned().size());
        assertEquals(3, b.stream().assigned().size(), "b's range was free once a acknowledged owning nothing");
        SortedSet<TopicPartition> all = new TreeSet<>(a.stream().assigned());
        all.addAll(b.stream().assigned());
        assertEquals(6, all.size());
    }

    /** Sorted-set literal. */
    private static final class Set3 {
        static SortedSet<TopicPartition> of(TopicPartition... p) {
            return new TreeSet<>(List.of(p));
        }
    }

    @Test
    void anAcknowledgementOvertakenByANewerAssignmentDoesNotFreeWhatThatAssignmentGave() {
        Member a = join(join("t"));
        settle();
        ack(a);
        Member b = join(join("t"));
        settle();
        // a acknowledges an older state (it had not seen the revocation yet): it still owns all six.
        group.acknowledge(a.id(), a.stream(), AssignmentAck.newBuilder().setGenerationId(1)
                .addAllOwned(PartitionSets.toProto(Set3.of(tp("t", 0), tp("t", 1), tp("t", 2), tp("t", 3), tp("t", 4),
                        tp("t", 5)))).build());
        group.checkInvariant();
        assertTrue(b.stream().assigned().isEmpty());
        // A stale acknowledgement claiming nothing, sent before a's first Assignment arrived, frees nothing either.
        group.acknowledge(a.id(), a.stream(), AssignmentAck.newBuilder().setGenerationId(0).build());
        group.checkInvariant();
        assertTrue(b.stream().assigned().isEmpty(), "b must wait for a's acknowledgement of the revocation");
        ack(a);
        assertEquals(3, b.stream().assigned().size());
    }

    @Test
    void sessionTimeoutRemovesTheMemberAndItsPartitionsGoToOthers() {
        Member a = join(join("t"));
        Member b = join(join("t"));
        settle();
        ack(a);
        ack(b);
        time.sleep(SESSION_MS / 2);
        group.heartbeat(a.id(), a.stream());
        time.sleep(SESSION_MS / 2);
        group.tick();
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, b.stream().failedWith.error());
        assertFalse(a.stream().ended());
        settle();
        assertEquals(6, a.stream().assigned().size());
    }

    @Test
    void aMemberThatKeepsRevokedPartitionsPastItsRebalanceTimeoutIsRemoved() {
        Member a = join(join("t"));
        settle();
        ack(a);
        Member b = join(join("t"));
        settle();
        for (int i = 0; i < 4; i++) {
            time.sleep(REBALANCE_MS / 4);
            group.heartbeat(a.id(), a.stream());
            group.heartbeat(b.id(), b.stream());
            group.tick();
        }
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, a.stream().failedWith.error());
        assertTrue(a.stream().failedWith.getMessage().contains("rebalance timeout"));
        settle();
        assertEquals(6, b.stream().assigned().size());
    }

    private CommitOffsetsRequest.Builder commit(Member m, int generation, TopicPartition tp, long offset) {
        return CommitOffsetsRequest.newBuilder().setGroupId("g").setMemberId(m == null ? "" : m.id())
                .setGenerationId(generation).addOffsets(OffsetCommit.newBuilder().setTopic(tp.topic())
                        .setPartition(tp.partition()).setOffset(offset).setLeaderEpoch(-1));
    }

    @Test
    void commitsAreCheckedAgainstTheMembersLatestAssignment() {
        Member a = join(join("t"));
        settle();
        ack(a);
        int gen = a.stream().lastAssignment().getGenerationId();
        CommitOffsetsResponse ok = group.commit(commit(a, gen, tp("t", 0), 42).build()).join();
        assertFalse(ok.getResults(0).hasError());
        assertEquals(42, group.fetchOffsets(List.of(tp("t", 0))).get(0).getOffset());

        TributaryException stale = assertThrows(TributaryException.class, () -> group.commit(commit(a, gen - 1, tp("t", 0), 43).build()));
        assertEquals(ErrorCode.ILLEGAL_GENERATION, stale.error());

        Member b = join(join("t"));
        settle();
        int gen2 = a.stream().lastAssignment().getGenerationId();
        // Revoking partitions (still owned) may be committed with the new generation; b's may not be committed by b yet.
        TopicPartition revoked = tp("t", 5);
        assertFalse(a.stream().assigned().contains(revoked));
        assertFalse(group.commit(commit(a, gen2, revoked, 7).build()).join().getResults(0).hasError());
        CommitOffsetsResponse notYours = group.commit(commit(b, b.stream().lastAssignment().getGenerationId(), revoked, 8).build()).join();
        assertEquals("ILLEGAL_GENERATION", notYours.getResults(0).getError().getCode());

        CommitOffsetsResponse invalid = group.commit(commit(a, gen2, tp("t", 0), -1).addOffsets(OffsetCommit.newBuilder()
                .setTopic("t").setPartition(1).setOffset(1).setMetadata("x".repeat(17))).build()).join();
        assertEquals("INVALID_REQUEST", invalid.getResults(0).getError().getCode());
        assertEquals("INVALID_REQUEST", invalid.getResults(1).getError().getCode());

        TributaryException outside = assertThrows(TributaryException.class, () -> group.commit(commit(null, -1, tp("t", 0), 1).build()));
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, outside.error());

        group.leave(a.id(), a.stream(), "bye");
        assertTrue(a.stream().completed);
        TributaryException removed = assertThrows(TributaryException.class, () -> group.commit(commit(a, gen2, tp("t", 0), 9).build()));
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, removed.error());
        group.leave(b.id(), b.stream(), "");
        settle();
        assertEquals(ConsumerGroup.State.EMPTY, group.state());
        assertFalse(group.commit(commit(null, -1, tp("t", 0), 100).build()).join().getResults(0).hasError(),
                "an empty group accepts commits from outside");
        assertEquals(100, group.fetchOffsets(List.of()).get(0).getOffset());
    }

    @Test
    void offsetsBecomeVisibleOnlyOnceReplicatedAndTheLaterRecordWins() {
        Member a = join(join("t"));
        settle();
        ack(a);
        int gen = a.stream().lastAssignment().getGenerationId();
        writer.hold = true;
        CompletableFuture<CommitOffsetsResponse> first = group.commit(commit(a, gen, tp("t", 0), 10).build());
        CompletableFuture<CommitOffsetsResponse> second = group.commit(commit(a, gen, tp("t", 0), 20).build());
        assertEquals(-1, group.fetchOffsets(List.of(tp("t", 0))).get(0).getOffset(), "nothing visible before replication");
        writer.held.get(1).complete(null);
        writer.held.get(0).complete(null);
        assertTrue(first.isDone() && second.isDone());
        assertEquals(20, group.fetchOffsets(List.of(tp("t", 0))).get(0).getOffset());
    }

    @Test
    void aBrokenStreamKeepsTheMemberWhichResumesWithItsPartitions() {
        Member a = join(join("t"));
        Member b = join(join("t"));
        settle();
        ack(a);
        ack(b);
        SortedSet<TopicPartition> aHad = a.stream().assigned();
        int generation = group.generation();
        group.streamClosed(a.id(), a.stream());
        time.sleep(SESSION_MS / 2);
        group.heartbeat(b.id(), b.stream());
        group.tick();
        FakeStream again = new FakeStream();
        String id = group.join(join("t").setMemberId(a.id()).setGenerationId(a.stream().lastAssignment().getGenerationId())
                .addAllOwned(PartitionSets.toProto(aHad)).build(), "10.0.0.1", again);
        assertEquals(a.id(), id);
        assertTrue(again.received.get(0).hasJoined());
        assertEquals(aHad, again.assigned(), "the new stream gets the current assignment at once");
        assertEquals(generation, group.generation(), "resuming is not a rebalance");
        settle();
        assertEquals(ConsumerGroup.State.STABLE, group.state());
    }

    @Test
    void aStaticMemberRestartTakesOverItsAssignmentWithoutARebalance() {
        Member a = join(join("t").setGroupInstanceId("i-1"));
        Member b = join(join("t"));
        settle();
        ack(a);
        ack(b);
        int generation = group.generation();
        SortedSet<TopicPartition> aHad = a.stream().assigned();
        Member restarted = join(join("t").setGroupInstanceId("i-1"));
        assertNotEquals(a.id(), restarted.id());
        assertEquals(ErrorCode.FENCED_INSTANCE_ID, a.stream().failedWith.error());
        assertEquals(aHad, restarted.stream().assigned());
        settle();
        assertEquals(generation, group.generation());
        assertEquals(1, b.stream().assignmentCount(), "b saw no rebalance");
        // The fenced process cannot come back with its old id.
        TributaryException fenced = assertThrows(TributaryException.class, () -> group.join(join("t")
                .setGroupInstanceId("i-1").setMemberId(a.id()).build(), "h", new FakeStream()));
        assertEquals(ErrorCode.FENCED_INSTANCE_ID, fenced.error());
    }

    @Test
    void membersStartingTogetherWithinTheInitialDelayGetOneAssignment() {
        initialDelayMs = 300;
        group = newGroup();
        Member a = join(join("t"));
        time.sleep(100);
        group.tick();
        Member b = join(join("t"));
        assertEquals(ConsumerGroup.State.ASSIGNING, group.state());
        time.sleep(100);
        group.tick();
        assertNull(a.stream().lastAssignment(), "still within group.initial.rebalance.delay.ms");
        time.sleep(100);
        group.tick();
        assertEquals(1, group.generation());
        assertEquals(3, a.stream().assigned().size());
        assertEquals(3, b.stream().assigned().size());
    }

    @Test
    void joinsAreValidated() {
        assertEquals(ErrorCode.INVALID_SESSION_TIMEOUT, assertThrows(TributaryException.class,
                () -> join(join("t").setSessionTimeoutMs(50))).error());
        assertEquals(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, assertThrows(TributaryException.class,
                () -> join(join("t").clearAssignors().addAssignors("mine"))).error());
        join(join("t").clearAssignors().addAssignors("range"));
        assertEquals(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, assertThrows(TributaryException.class,
                () -> join(join("t").clearAssignors().addAssignors("roundrobin"))).error());
        join(join("t"));
        join(join("t"));
        join(join("t"));
        assertEquals(ErrorCode.GROUP_MAX_SIZE_REACHED, assertThrows(TributaryException.class, () -> join(join("t"))).error());
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, assertThrows(TributaryException.class,
                () -> join(join("t").setMemberId("nobody"))).error());
    }

    @Test
    void theGroupSwitchesAssignorWhenAJoiningMemberDoesNotAcceptTheCurrentOne() {
        Member a = join(join("t").clearAssignors().addAssignors("cooperative-sticky").addAssignors("range"));
        settle();
        assertEquals("cooperative-sticky", a.stream().lastAssignment().getAssignor());
        ack(a);
        Member b = join(join("t").clearAssignors().addAssignors("range"));
        settle();
        assertEquals("range", a.stream().lastAssignment().getAssignor());
        assertTrue(a.stream().assigned().isEmpty(), "range is eager: a revokes first");
        assertTrue(b.stream().assigned().isEmpty());
    }

    @Test
    void aNewCoordinatorHoldsBackPartitionsUntilLoadedMembersResume() {
        GroupValue stored = GroupValue.newBuilder().setGenerationId(7).setAssignor("cooperative-sticky")
                .addMembers(MemberValue.newBuilder().setMemberId("a").setClientId("c").setHost("h").addTopics("t")
                        .addAssignors("cooperative-sticky").setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS)
                        .addAllTarget(PartitionSets.toProto(Set3.of(tp("t", 0), tp("t", 1), tp("t", 2)))))
                .addMembers(MemberValue.newBuilder().setMemberId("b").setClientId("c").setHost("h").addTopics("t")
                        .addAssignors("cooperative-sticky").setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS)
                        .addAllTarget(PartitionSets.toProto(Set3.of(tp("t", 3), tp("t", 4), tp("t", 5)))))
                .build();
        group.restore(stored, Map.of(tp("t", 0), new OffsetAndMetadata(5, -1, "", time.milliseconds(), 0)));
        assertEquals(ConsumerGroup.State.RECONCILING, group.state());
        FakeStream a = new FakeStream();
        // a says it owns two of its partitions; b has not resumed, so nothing else may be handed out.
        group.join(join("t").setMemberId("a").setGenerationId(8).addAllOwned(PartitionSets.toProto(Set3.of(tp("t", 0),
                tp("t", 1)))).build(), "h", a);
        group.checkInvariant();
        assertEquals(8, group.generation(), "the generation continues from the highest seen");
        assertEquals(Set3.of(tp("t", 0), tp("t", 1)), a.assigned());
        assertEquals(8, a.lastAssignment().getGenerationId());
        FakeStream b = new FakeStream();
        group.join(join("t").setMemberId("b").setGenerationId(8).build(), "h", b);
        group.checkInvariant();
        assertEquals(Set3.of(tp("t", 0), tp("t", 1), tp("t", 2)), a.assigned(), "everyone resumed: a gets the rest");
        assertEquals(Set3.of(tp("t", 3), tp("t", 4), tp("t", 5)), b.assigned());
        assertEquals(5, group.fetchOffsets(List.of(tp("t", 0))).get(0).getOffset());
    }

    @Test
    void aLoadedMemberThatNeverResumesIsRemovedAfterItsSessionTimeout() {
        GroupValue stored = GroupValue.newBuilder().setGenerationId(3).setAssignor("cooperative-sticky")
                .addMembers(MemberValue.newBuilder().setMemberId("gone").setClientId("c").setHost("h").addTopics("t")
                        .addAssignors("cooperative-sticky").setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS)
                        .addAllTarget(PartitionSets.toProto(Set3.of(tp("t", 0), tp("t", 1), tp("t", 2), tp("t", 3),
                                tp("t", 4), tp("t", 5)))))
                .build();
        group.restore(stored, Map.of());
        Member n = join(join("t"));
        settle();
        assertTrue(n.stream().assigned().isEmpty(), "the loaded member may still own everything");
        time.sleep(SESSION_MS);
        group.heartbeat(n.id(), n.stream());
        group.tick();
        settle();
        assertEquals(6, n.stream().assigned().size());
        assertTrue(group.generation() > 3);
    }

    @Test
    void deletingNeedsAnEmptyGroupAndTombstonesEverything() {
        Member a = join(join("t"));
        settle();
        ack(a);
        group.commit(commit(a, a.stream().lastAssignment().getGenerationId(), tp("t", 1), 3).build()).join();
        assertEquals(ErrorCode.NON_EMPTY_GROUP, assertThrows(TributaryException.class, () -> group.delete()).error());
        group.leave(a.id(), a.stream(), "");
        settle();
        int before = writer.written.size();
        group.delete().join();
        List<GroupRecords.Entry> tombstones = writer.written.subList(before, writer.written.size());
        assertEquals(2, tombstones.size());
        assertTrue(tombstones.stream().allMatch(e -> e.value() == null));
        assertEquals(ConsumerGroup.State.DEAD, group.state());
    }

    @Test
    void offsetsOfAGroupWithoutMembersExpireAfterTheRetentionThenTheGroupIsForgotten() {
        Member a = join(join("t"));
        settle();
        ack(a);
        group.commit(commit(a, a.stream().lastAssignment().getGenerationId(), tp("t", 0), 1).build()).join();
        time.sleep(60_000);
        group.expireOffsets(60_000);
        assertEquals(1, group.fetchOffsets(List.of(tp("t", 0))).get(0).getOffset(), "a group with members keeps its offsets");
        group.leave(a.id(), a.stream(), "");
        settle();
        group.commit(commit(null, -1, tp("t", 1), 2).build()).join();
        time.sleep(30_000);
        group.expireOffsets(60_000);
        assertEquals(-1, group.fetchOffsets(List.of(tp("t", 0))).get(0).getOffset(), "expired");
        assertEquals(2, group.fetchOffsets(List.of(tp("t", 1))).get(0).getOffset(), "not yet");
        assertFalse(group.isForgettable());
        time.sleep(30_000);
        group.expireOffsets(60_000);
        assertTrue(group.fetchOffsets(List.of()).isEmpty());
        assertTrue(writer.written.get(writer.written.size() - 1).value() == null, "the group record is tombstoned too");
        assertTrue(group.retireIfForgettable());
    }

    @Test
    void offsetsOfADeletedTopicAreTombstonedAndTheRestStay() {
        Member a = join(join("t", "u"));
        settle();
        ack(a);
        int gen = a.stream().lastAssignment().getGenerationId();
        group.commit(commit(a, gen, tp("t", 0), 5).build()).join();
        group.commit(commit(a, gen, tp("u", 1), 7).build()).join();
        int before = writer.written.size();
        group.onTopicsDeleted(Set.of("u", "never-committed"));
        List<GroupRecords.Entry> written = writer.written.subList(before, writer.written.size());
        assertEquals(1, written.size(), "one tombstone, for u-1; the group record stays while it has members");
        assertNull(written.get(0).value());
        assertEquals(-1, group.fetchOffsets(List.of(tp("u", 1))).get(0).getOffset());
        assertEquals(5, group.fetchOffsets(List.of(tp("t", 0))).get(0).getOffset());

        int quiet = writer.written.size();
        group.onTopicsDeleted(Set.of("v"));
        assertEquals(quiet, writer.written.size(), "a topic the group never committed on writes nothing");
    }

    @Test
    void aGroupWithoutMembersWhoseOnlyTopicIsDeletedLosesItsRecordToo() {
        Member a = join(join("t"));
        settle();
        ack(a);
        group.commit(commit(a, a.stream().lastAssignment().getGenerationId(), tp("t", 2), 3).build()).join();
        group.leave(a.id(), a.stream(), "");
        settle();
        group.onTopicsDeleted(Set.of("t"));
        assertTrue(group.fetchOffsets(List.of()).isEmpty());
        assertNull(writer.written.get(writer.written.size() - 1).value(), "the group record is tombstoned last");
        assertTrue(group.retireIfForgettable());
    }

    @Test
    void randomChurnNeverHandsAPartitionToTwoMembers() {
        Random random = new Random(7);
        List<Member> live = new ArrayList<>();
        for (int step = 0; step < 2_000; step++) {
            int action = random.nextInt(10);
            if (action == 0 && live.size() < 4) {
                JoinGroup.Builder j = join("t", "u");
                if (random.nextBoolean()) {
                    j.clearAssignors().addAssignors("range");
                    // Keep one assignor every member accepts.
                    j.addAssignors("cooperative-sticky");
                }
                live.add(join(j));
            } else if (action == 1 && !live.isEmpty()) {
                Member m = live.remove(random.nextInt(live.size()));
                group.leave(m.id(), m.stream(), "");
            } else if (action <= 5 && !live.isEmpty()) {
                Member m = live.get(random.nextInt(live.size()));
                if (m.stream().lastAssignment() != null) {
                    ack(m);
                }
            } else if (action == 6 && live.size() > 1) {
                Member m = live.get(random.nextInt(live.size()));
                group.rejoin(m.id(), m.stream(), "test");
            } else if (action == 7) {
                partitionCounts.put("u", 2 + random.nextInt(3));
                group.onMetadataChanged();
            }
            for (Member m : live) {
                group.heartbeat(m.id(), m.stream());
            }
            time.sleep(random.nextInt(3));
            group.tick();
            group.checkInvariant();
            live.removeIf(m -> m.stream().ended());
        }
        for (int i = 0; i < 10; i++) {
            settle();
            live.forEach(this::ack);
        }
        if (!live.isEmpty()) {
            assertEquals(ConsumerGroup.State.STABLE, group.state());
        }
    }
}
