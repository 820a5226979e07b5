package io.tributary.client.consumer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.JoinGroup;
import io.tributary.api.v1.MembershipRequest;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.OffsetCommitResult;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.internal.GroupsClient;
import io.tributary.client.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static io.tributary.api.v1.MembershipRequest.KindCase.ACK;
import static io.tributary.api.v1.MembershipRequest.KindCase.JOIN;
import static io.tributary.api.v1.MembershipRequest.KindCase.LEAVE;
import static io.tributary.api.v1.MembershipRequest.KindCase.REJOIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's side of the group protocol against a scripted coordinator ({@link FakeGroupBroker}): what it sends
 * when it joins, acknowledges, resumes and leaves, and how it reacts to each way a membership stream can end.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupMembershipProtocolTest {
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);

    private FakeGroupBroker broker;
    /** Every record any poll of the test returned, in order. */
    private final List<ConsumerRecord<String, String>> consumed = new CopyOnWriteArrayList<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final ConsumerRebalanceListener recording = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            calls.add("revoked " + new java.util.TreeSet<>(partitions));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            calls.add("assigned " + new java.util.TreeSet<>(partitions));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            calls.add("lost " + new java.util.TreeSet<>(partitions));
        }
    };

    @BeforeEach
    void start() throws Exception {
        broker = new FakeGroupBroker(2);
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
    }

    private TributaryConsumer<String, String> consumer(Map<String, Object> overrides) {
        ConsumerConfig.Builder b = ConsumerConfig.builder().bootstrapServers(broker.bootstrap()).groupId("g").clientId("c1")
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).set("retry.backoff.ms", 20).requestTimeoutMs(2_000);
        overrides.forEach(b::set);
        return new TributaryConsumer<>(b.build(), new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until {@code done} holds; every wait in these tests is bounded. */
    private void pollUntil(TributaryConsumer<String, String> c, BooleanSupplier done) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("condition not reached within 10 s; listener calls " + calls);
            }
            c.poll(Duration.ofMillis(50)).forEach(consumed::add);
        }
    }

    private List<String> consumedValues() {
        return consumed.stream().map(ConsumerRecord::value).toList();
    }

    /** Subscribes, lets the coordinator admit member m1 with partitions 0 and 1 in generation 1. */
    private FakeGroupBroker.MemberStream joinWithBothPartitions(TributaryConsumer<String, String> c) throws Exception {
        c.subscribe(List.of("t"), recording);
        c.poll(Duration.ofMillis(10));
        FakeGroupBroker.MemberStream s = broker.awaitStream();
        s.next(JOIN);
        s.joined("m1", 1, 10_000, 100);
        s.assign(1, List.of(0, 1));
        pollUntil(c, () -> c.assignment().size() == 2);
        MembershipRequest ack = s.next(ACK);
        assertEquals(1, ack.getAck().getGenerationId());
        return s;
    }

    @Test
    void joinCarriesSubscriptionAssignorsAndTimeoutsThenAssignmentIsAcknowledged() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("session.timeout.ms", 6_000, "max.poll.interval.ms", 20_000,
                "partition.assignment.strategy", "org.apache.kafka.clients.consumer.RangeAssignor,roundrobin"))) {
            c.subscribe(List.of("t"), recording);
            assertEquals(Set.of("t"), c.subscription());
            assertTrue(c.assignment().isEmpty());
            c.poll(Duration.ofMillis(10));
            FakeGroupBroker.MemberStream s = broker.awaitStream();
            JoinGroup join = s.next(JOIN).getJoin();
            assertEquals("g", join.getGroupId());
            assertEquals("", join.getMemberId(), "a new member has no id yet");
            assertEquals("c1", join.getClientId());
            assertEquals(List.of("t"), join.getTopicsList());
            assertEquals(List.of("range", "roundrobin"), join.getAssignorsList(), "Kafka class names map to assignor names");
            assertEquals(6_000, join.getSessionTimeoutMs());
            assertEquals(20_000, join.getRebalanceTimeoutMs());
            assertEquals(-1, join.getGenerationId());

            broker.append(0, "a", "b");
            s.joined("m1", 1, 6_000, 100);
            s.assign(1, List.of(0, 1));
            pollUntil(c, () -> c.assignment().size() == 2);
            MembershipRequest ack = s.next(ACK);
            assertEquals(1, ack.getAck().getGenerationId());
            assertEquals(Set.of(T0, T1), GroupsClient.fromTopics(ack.getAck().getOwnedList()));
            assertEquals(List.of("assigned [t-0, t-1]"), calls);
            assertEquals(new ConsumerGroupMetadata("g", 1, "m1", Optional.empty()), c.groupMetadata());
            pollUntil(c, () -> c.position(T0) == 2);
            assertEquals(List.of("a", "b"), consumedValues(), "no commit: auto.offset.reset=earliest");
            assertTrue(s.next(MembershipRequest.KindCase.HEARTBEAT).hasHeartbeat(), "heartbeats at the coordinator's interval");
        }
    }

    @Test
    void newPartitionsStartAtTheirCommittedOffsets() throws Exception {
        broker.append(0, "a", "b", "c", "d");
        broker.committed.put(T0, OffsetCommit.newBuilder().setTopic("t").setPartition(0).setOffset(3).setLeaderEpoch(7).build());
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            joinWithBothPartitions(c);
            pollUntil(c, () -> c.position(T0) == 4);
            assertEquals(List.of("d"), consumedValues());
            assertEquals(0, c.position(T1), "no commit for t-1: auto.offset.reset=earliest");
            OffsetAndMetadata committed = c.committed(Set.of(T0, T1)).get(T0);
            assertEquals(new OffsetAndMetadata(3, Optional.of(7), ""), committed);
            assertNull(c.committed(Set.of(T1)).get(T1), "no commit maps to null, as in Kafka");
        }
    }

    @Test
    void revocationCommitsFirstThenCallsTheListenerThenAcknowledges() throws Exception {
        broker.append(0, "a", "b", "c");
        broker.append(1, "x");
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            pollUntil(c, () -> c.position(T0) == 3 && c.position(T1) == 1);
            broker.timeline.clear();
            ConsumerRebalanceListener checking = new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    calls.add("revoked " + partitions + " after " + List.copyOf(broker.timeline));
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    calls.add("assigned " + partitions);
                }
            };
            c.subscribe(List.of("t"), checking);
            calls.clear();
            s.assign(2, List.of(1));
            pollUntil(c, () -> c.assignment().equals(Set.of(T1)));
            assertEquals(List.of("revoked [t-0] after [commit t-0@3]", "assigned []"), calls);
            s.next(ACK);
            assertEquals(List.of("commit t-0@3", "ack 2"), broker.timeline, "commit, then listener, then acknowledgement");
            CommitOffsetsRequest commit = broker.commits.poll(1, TimeUnit.SECONDS);
            while (broker.commits.peek() != null) {
                commit = broker.commits.poll();
            }
            assertEquals("m1", commit.getMemberId());
            assertEquals(2, commit.getGenerationId(), "revocation commits carry the generation of the assignment being applied");
            broker.append(0, "late");
            for (int i = 0; i < 5; i++) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(50))) {
                    assertEquals(1, r.partition(), "no record of a revoked partition after its revocation");
                }
            }
        }
    }

    @Test
    void notCoordinatorResumesWithTheSameMemberGenerationAndPartitions() throws Exception {
        broker.append(0, "a");
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            int lookups = broker.findCoordinatorCalls.get();
            calls.clear();
            s.fail(ErrorCode.NOT_COORDINATOR);
            FakeGroupBroker.MemberStream resumed = null;
            long deadline = System.currentTimeMillis() + 10_000;
            while (resumed == null && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(50));
                resumed = broker.streams.poll();
            }
            assertNotNull(resumed, "the member reconnects");
            JoinGroup join = resumed.next(JOIN).getJoin();
            assertEquals("m1", join.getMemberId());
            assertEquals(1, join.getGenerationId());
            assertEquals(Set.of(T0, T1), GroupsClient.fromTopics(join.getOwnedList()));
            assertTrue(broker.findCoordinatorCalls.get() > lookups, "the coordinator is looked up again");
            assertEquals(Set.of(T0, T1), c.assignment(), "partitions are kept (and fetched) while reconnecting");
            resumed.joined("m1", 4, 10_000, 100); // the group moved on; this member's share did not
            resumed.assign(1, List.of(0, 1)); // a resumed stream gets its unchanged Assignment again
            c.poll(Duration.ofMillis(50));
            assertEquals(1, resumed.next(ACK).getAck().getGenerationId(), "the re-sent Assignment is acknowledged");
            assertEquals(List.of(), calls, "no listener call for a coordinator move");
            assertEquals(1, c.groupMetadata().generationId(), "commits carry the Assignment's generation, not the group's");
        }
    }

    @Test
    void commitsBeforeTheFirstAssignmentCarryNoGenerationEvenAfterJoined() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("enable.auto.commit", false))) {
            c.subscribe(List.of("t"));
            c.poll(Duration.ofMillis(10));
            FakeGroupBroker.MemberStream s = broker.awaitStream();
            s.next(JOIN);
            s.joined("m1", 9, 10_000, 100);
            long deadline = System.currentTimeMillis() + 10_000;
            while (!c.groupMetadata().memberId().equals("m1") && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(20));
            }
            assertEquals(new ConsumerGroupMetadata("g", -1, "m1", Optional.empty()), c.groupMetadata());
        }
    }

    @Test
    void commitRefusedForAStaleGenerationIsRetriedUnderTheNewerAssignment() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("enable.auto.commit", false))) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            broker.commitScript.add(r -> {
                s.assign(2, List.of(0, 1)); // the newer Assignment was already on its way
                return FakeGroupBroker.status(ErrorCode.ILLEGAL_GENERATION, "generation 2 is current");
            });
            c.commitSync(Map.of(T0, new OffsetAndMetadata(4)), Duration.ofSeconds(5));
            CommitOffsetsRequest first = broker.commits.poll(1, TimeUnit.SECONDS);
            CommitOffsetsRequest second = broker.commits.poll(1, TimeUnit.SECONDS);
            assertEquals(1, first.getGenerationId());
            assertEquals(2, second.getGenerationId());
            assertEquals(4, broker.committed.get(T0).getOffset());
        }
    }

    @Test
    void commitFromAFencedStaticMemberThrowsFencedInstanceId() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("group.instance.id", "host-a", "enable.auto.commit", false))) {
            joinWithBothPartitions(c);
            broker.commitScript.add(r -> FakeGroupBroker.status(ErrorCode.FENCED_INSTANCE_ID, "taken"));
            assertThrows(FencedInstanceIdException.class, () -> c.commitSync(Map.of(T0, new OffsetAndMetadata(1))));
        }
    }

    @Test
    void streamEndedWithoutStatusIsResumedLikeACoordinatorMove() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            s.complete();
            FakeGroupBroker.MemberStream resumed = broker.awaitStream();
            assertEquals("m1", resumed.next(JOIN).getJoin().getMemberId());
        }
    }

    @Test
    void unknownMemberIdReportsPartitionsLostWithoutCommitAndRejoinsAsNewMember() throws Exception {
        broker.append(0, "a");
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            pollUntil(c, () -> c.position(T0) == 1);
            broker.commits.clear();
            calls.clear();
            s.fail(ErrorCode.UNKNOWN_MEMBER_ID);
            long deadline = System.currentTimeMillis() + 10_000;
            while (!c.groupMetadata().memberId().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertThrows(CommitFailedException.class, () -> c.commitSync(Map.of(T0, new OffsetAndMetadata(1))),
                    "removed from the group: the commit fails here, it is not sent as one from outside the group");
            pollUntil(c, () -> c.assignment().isEmpty());
            assertEquals(List.of("lost [t-0, t-1]"), calls);
            assertTrue(broker.commits.isEmpty(), "lost partitions are not committed: they already belong to others");
            assertEquals(new ConsumerGroupMetadata("g", -1, "", Optional.empty()), c.groupMetadata());
            JoinGroup join = broker.awaitStream().next(JOIN).getJoin();
            assertEquals("", join.getMemberId());
            assertEquals(-1, join.getGenerationId());
            assertEquals(0, join.getOwnedCount());
        }
    }

    @Test
    void fencedInstanceIdIsThrownFromPollAndTheMemberDoesNotRejoin() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("group.instance.id", "host-a"))) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            calls.clear();
            s.fail(ErrorCode.FENCED_INSTANCE_ID);
            FencedInstanceIdException fenced = null;
            long deadline = System.currentTimeMillis() + 10_000;
            while (fenced == null && System.currentTimeMillis() < deadline) {
                try {
                    c.poll(Duration.ofMillis(50));
                } catch (FencedInstanceIdException e) {
                    fenced = e;
                }
            }
            assertNotNull(fenced);
            assertEquals(List.of("lost [t-0, t-1]"), calls);
            assertTrue(c.assignment().isEmpty());
            assertThrows(FencedInstanceIdException.class, () -> c.poll(Duration.ofMillis(10)), "fatal: every later poll throws");
            assertNull(broker.streams.poll(300, TimeUnit.MILLISECONDS), "a fenced member does not rejoin");
        }
    }

    @Test
    void nonRetriableJoinErrorIsFatal() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            c.subscribe(List.of("t"));
            c.poll(Duration.ofMillis(10));
            broker.awaitStream().fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
            TributaryException e = null;
            long deadline = System.currentTimeMillis() + 10_000;
            while (e == null && System.currentTimeMillis() < deadline) {
                try {
                    c.poll(Duration.ofMillis(50));
                } catch (TributaryException thrown) {
                    e = thrown;
                }
            }
            assertNotNull(e);
            assertEquals(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, e.error());
        }
    }

    @Test
    void coordinatorSilentForTheSessionTimeoutIsTreatedAsDead() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            c.subscribe(List.of("t"));
            c.poll(Duration.ofMillis(10));
            FakeGroupBroker.MemberStream s = broker.awaitStream();
            s.next(JOIN);
            long joinedAt = System.currentTimeMillis();
            s.joined("m1", 1, 700, 100); // then never a word again, not even heartbeat acks
            FakeGroupBroker.MemberStream resumed = null;
            while (resumed == null && System.currentTimeMillis() - joinedAt < 10_000) {
                c.poll(Duration.ofMillis(50));
                resumed = broker.streams.poll();
            }
            assertNotNull(resumed, "reconnected after the silence");
            assertTrue(System.currentTimeMillis() - joinedAt >= 650, "not before the session timeout");
            assertEquals("m1", resumed.next(JOIN).getJoin().getMemberId());
        }
    }

    @Test
    void heartbeatAcksKeepTheStreamAliveBeyondTheSessionTimeout() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            c.subscribe(List.of("t"));
            c.poll(Duration.ofMillis(10));
            FakeGroupBroker.MemberStream s = broker.awaitStream();
            s.next(JOIN);
            s.joined("m1", 1, 600, 100);
            long until = System.currentTimeMillis() + 1_500;
            while (System.currentTimeMillis() < until) {
                c.poll(Duration.ofMillis(20));
                MembershipRequest r = s.received.poll();
                if (r != null && r.hasHeartbeat()) {
                    s.heartbeatAck(1);
                }
            }
            assertNull(broker.streams.poll(), "no reconnect while the coordinator answers");
        }
    }

    @Test
    void pollIntervalExceededLeavesTheGroupAndTheNextPollReportsLostAndRejoins() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("max.poll.interval.ms", 600))) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            calls.clear();
            MembershipRequest leave = s.next(LEAVE); // the application "processes" for longer than 600 ms
            assertTrue(leave.getLeave().getReason().contains("poll timeout"), leave.toString());
            c.poll(Duration.ofMillis(10));
            assertEquals(List.of("lost [t-0, t-1]"), calls);
            assertTrue(c.assignment().isEmpty());
            assertEquals("", broker.awaitStream().next(JOIN).getJoin().getMemberId(), "rejoins as a new member");
        }
    }

    @Test
    void staticMemberDoesNotSendLeaveGroupOnClose() throws Exception {
        FakeGroupBroker.MemberStream s;
        try (TributaryConsumer<String, String> c = consumer(Map.of("group.instance.id", "host-a"))) {
            s = joinWithBothPartitions(c);
            assertEquals("host-a", c.groupMetadata().groupInstanceId().orElseThrow());
        }
        assertNull(s.nextNonHeartbeat(300), "no LeaveGroup from a static member");
        long deadline = System.currentTimeMillis() + 5_000;
        while (!s.clientEnded && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(s.clientEnded, "the stream is ended");
    }

    @Test
    void closeCommitsRevokesAndLeaves() throws Exception {
        broker.append(0, "a", "b");
        FakeGroupBroker.MemberStream s;
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            s = joinWithBothPartitions(c);
            pollUntil(c, () -> c.position(T0) == 2);
            broker.timeline.clear();
            calls.clear();
            c.close(Duration.ofSeconds(5));
        }
        assertEquals(List.of("revoked [t-0, t-1]"), calls);
        assertEquals(Set.of("commit t-0@2", "commit t-1@0", "leave"), Set.copyOf(broker.timeline));
        assertEquals("leave", broker.timeline.get(broker.timeline.size() - 1), "commit first, then leave");
    }

    @Test
    void enforceRebalanceSendsRejoinWithTheReason() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            c.enforceRebalance("new rules");
            assertEquals("new rules", s.next(REJOIN).getRejoin().getReason());
        }
    }

    @Test
    void commitFailuresMapToKafkaExceptions() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            joinWithBothPartitions(c);
            broker.commitScript.add(r -> CommitOffsetsResponse.newBuilder().addResults(OffsetCommitResult.newBuilder().setTopic("t")
                    .setPartition(0).setError(FakeGroupBroker.error(ErrorCode.ILLEGAL_GENERATION))).build());
            CommitFailedException failed = assertThrows(CommitFailedException.class,
                    () -> c.commitSync(Map.of(T0, new OffsetAndMetadata(1))));
            assertTrue(failed.getMessage().contains("rebalanced"), failed.getMessage());

            broker.commitScript.add(r -> FakeGroupBroker.status(ErrorCode.NOT_COORDINATOR, "moved"));
            broker.commitScript.add(r -> FakeGroupBroker.status(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "loading"));
            int lookups = broker.findCoordinatorCalls.get();
            c.commitSync(Map.of(T0, new OffsetAndMetadata(5, "note")), Duration.ofSeconds(5));
            assertEquals(5, broker.committed.get(T0).getOffset(), "retriable errors are retried within the timeout");
            assertEquals("note", broker.committed.get(T0).getMetadata());
            assertTrue(broker.findCoordinatorCalls.get() > lookups, "NOT_COORDINATOR sends the consumer to find the coordinator");
        }
    }

    @Test
    void commitAsyncCallbacksRunOnThePollingThreadInCommitOrder() throws Exception {
        try (TributaryConsumer<String, String> c = consumer(Map.of("enable.auto.commit", false))) {
            joinWithBothPartitions(c);
            Thread me = Thread.currentThread();
            List<String> done = new CopyOnWriteArrayList<>();
            for (int i = 1; i <= 3; i++) {
                long offset = i;
                c.commitAsync(Map.of(T0, new OffsetAndMetadata(offset)), (offsets, e) -> {
                    assertSame(me, Thread.currentThread());
                    done.add(offsets.get(T0).offset() + (e == null ? "" : " " + e));
                });
            }
            pollUntil(c, () -> done.size() == 3);
            broker.commitScript.add(r -> FakeGroupBroker.status(ErrorCode.UNKNOWN_MEMBER_ID, "gone"));
            c.commitAsync(Map.of(T1, new OffsetAndMetadata(9)), (offsets, e) -> done.add("t-1 " + e.getClass().getSimpleName()));
            pollUntil(c, () -> done.size() == 4);
            assertEquals(List.of("1", "2", "3", "t-1 CommitFailedException"), done);
            assertEquals(3, broker.committed.get(T0).getOffset(), "commits are applied in order");
        }
    }

    private static void assertSame(Object expected, Object actual) {
        if (expected != actual) {
            throw new AssertionError("callback ran on " + actual + ", not on the polling thread " + expected);
        }
    }

    @Test
    void autoCommitCommitsConsumedPositionsFromPoll() throws Exception {
        broker.append(1, "x", "y");
        try (TributaryConsumer<String, String> c = consumer(Map.of("auto.commit.interval.ms", 100))) {
            joinWithBothPartitions(c);
            pollUntil(c, () -> broker.committed.containsKey(T1) && broker.committed.get(T1).getOffset() == 2);
            CommitOffsetsRequest r = broker.commits.poll(1, TimeUnit.SECONDS);
            assertEquals("m1", r.getMemberId());
            assertEquals(1, r.getGenerationId());
        }
    }

    @Test
    void manualAssignmentCommitsOutsideTheGroupAndStartsAtCommittedOffsets() throws Exception {
        broker.append(0, "a", "b", "c");
        broker.committed.put(T0, OffsetCommit.newBuilder().setTopic("t").setPartition(0).setOffset(2).setLeaderEpoch(-1).build());
        try (TributaryConsumer<String, String> c = consumer(Map.of("enable.auto.commit", false))) {
            c.assign(List.of(T0));
            pollUntil(c, () -> c.position(T0) == 3);
            assertEquals(List.of("c"), consumedValues());
            c.commitSync();
            CommitOffsetsRequest r = broker.commits.poll(1, TimeUnit.SECONDS);
            assertEquals("", r.getMemberId());
            assertEquals(-1, r.getGenerationId());
            assertEquals(3, r.getOffsets(0).getOffset());
            assertFalse(broker.streams.poll(100, TimeUnit.MILLISECONDS) != null, "manual assignment never joins");
        }
    }

    @Test
    void assignAndSubscribeAreMutuallyExclusiveAndGroupApisNeedAGroupId() {
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            c.assign(List.of(T0));
            assertThrows(IllegalStateException.class, () -> c.subscribe(List.of("t")));
            c.unsubscribe();
            c.subscribe(List.of("t"));
            assertThrows(IllegalStateException.class, () -> c.assign(List.of(T0)));
        }
        try (TributaryConsumer<String, String> c = new TributaryConsumer<>(ConsumerConfig.builder().bootstrapServers(broker.bootstrap()).build(),
                new StringDeserializer(), new StringDeserializer())) {
            TributaryException e = assertThrows(TributaryException.class, () -> c.subscribe(List.of("t")));
            assertEquals(ErrorCode.INVALID_GROUP_ID, e.error());
            assertThrows(TributaryException.class, c::commitSync);
            assertThrows(IllegalStateException.class, () -> c.poll(Duration.ZERO));
        }
    }

    @Test
    void unsubscribeCommitsRevokesAndLeaves() throws Exception {
        broker.append(1, "x");
        try (TributaryConsumer<String, String> c = consumer(Map.of())) {
            FakeGroupBroker.MemberStream s = joinWithBothPartitions(c);
            pollUntil(c, () -> c.position(T1) == 1);
            calls.clear();
            c.unsubscribe();
            assertEquals(List.of("revoked [t-0, t-1]"), calls);
            assertTrue(c.assignment().isEmpty());
            assertTrue(c.subscription().isEmpty());
            assertEquals(1, broker.committed.get(T1).getOffset());
        }
    }
}
