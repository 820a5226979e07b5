package io.tributary.client.consumer.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.admin.ConsumerGroupDescription;
import io.tributary.client.admin.ConsumerGroupListing;
import io.tributary.client.admin.GroupOutcome;
import io.tributary.client.admin.MemberDescription;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.consumer.CommitFailedException;
import io.tributary.client.consumer.ConsumerGroupMetadata;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.consumer.TributaryConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static io.tributary.client.consumer.group.GroupTestSupport.consumer;
import static io.tributary.client.consumer.group.GroupTestSupport.partitions;
import static io.tributary.client.consumer.group.GroupTestSupport.pollUntil;
import static io.tributary.client.consumer.group.GroupTestSupport.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java consumer's group features and the admin client's group API against three real brokers: subscriptions and
 * listener callbacks, commits, eviction, auto-commit, enforced rebalances, static membership, and group
 * administration. Each test uses its own topic and group.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ConsumerGroupIntegrationTest {
    static EmbeddedCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = GroupTestSupport.startCluster();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static TributaryAdmin admin() {
        return new TributaryAdmin(Map.of("bootstrap.servers", cluster.bootstrap(), "default.api.timeout.ms", 30_000));
    }

    private static Set<TopicPartition> union(TributaryConsumer<String, String> a, TributaryConsumer<String, String> b) {
        Set<TopicPartition> all = new HashSet<>(a.assignment());
        all.addAll(b.assignment());
        return all;
    }

    @Test
    void secondSubscriberTakesHalfThePartitionsAndTheListenerSeesOnlyWhatMoved() {
        cluster.createTopic("g-split", 4, 2);
        produce(cluster, "g-split", 4, 5);
        GroupTestSupport.RecordingListener l1 = new GroupTestSupport.RecordingListener();
        GroupTestSupport.RecordingListener l2 = new GroupTestSupport.RecordingListener();
        try (TributaryConsumer<String, String> c1 = consumer(cluster, "split", Map.of());
             TributaryConsumer<String, String> c2 = consumer(cluster, "split", Map.of())) {
            c1.subscribe(List.of("g-split"), l1);
            List<ConsumerRecord<String, String>> read = new ArrayList<>(pollUntil(List.of(c1), () -> c1.assignment().size() == 4, 30_000,
                    "c1 owns all 4 partitions"));
            assertEquals(List.of("assigned [g-split-0, g-split-1, g-split-2, g-split-3]"), l1.calls);
            c2.subscribe(List.of("g-split"), l2);
            read.addAll(pollUntil(List.of(c1, c2), () -> c1.assignment().size() == 2 && c2.assignment().size() == 2
                    && union(c1, c2).size() == 4, 30_000, "two partitions each"));
            Set<TopicPartition> moved = c2.assignment();
            assertTrue(l1.calls.contains("revoked " + new java.util.TreeSet<>(moved)), "c1 revoked exactly what moved: " + l1.calls);
            assertFalse(l1.calls.stream().anyMatch(c -> c.startsWith("lost")), l1.calls.toString());
            assertEquals("assigned " + new java.util.TreeSet<>(moved), l2.calls.get(l2.calls.size() - 1), l2.calls.toString());
            assertTrue(c1.groupMetadata().generationId() > 0 && !c1.groupMetadata().memberId().isEmpty());
            assertEquals(Set.of("g-split"), c1.subscription());
        }
    }

    @Test
    void commitSyncRoundTripsAndTheNextMemberStartsAtTheCommit() {
        cluster.createTopic("g-commit", 1, 2);
        produce(cluster, "g-commit", 1, 10);
        TopicPartition tp = new TopicPartition("g-commit", 0);
        try (TributaryConsumer<String, String> c = consumer(cluster, "commits", Map.of("enable.auto.commit", false))) {
            c.subscribe(List.of("g-commit"));
            List<ConsumerRecord<String, String>> read = pollUntil(List.of(c), () -> c.assignment().contains(tp) && c.position(tp) == 10,
                    30_000, "all 10 read");
            int epoch = read.get(6).leaderEpoch();
            c.commitSync(Map.of(tp, new OffsetAndMetadata(7, Optional.of(epoch), "checkpoint")));
            assertEquals(new OffsetAndMetadata(7, Optional.of(epoch), "checkpoint"), c.committed(Set.of(tp)).get(tp));
        }
        try (TributaryConsumer<String, String> c = consumer(cluster, "commits", Map.of("enable.auto.commit", false))) {
            c.subscribe(List.of("g-commit"));
            List<ConsumerRecord<String, String>> read = pollUntil(List.of(c), () -> c.assignment().contains(tp) && c.position(tp) == 10,
                    30_000, "the rest read");
            assertEquals(List.of("p0-7", "p0-8", "p0-9"), read.stream().map(ConsumerRecord::value).toList(), "starts at the commit");
            c.commitSync();
            assertEquals(10, c.committed(Set.of(tp)).get(tp).offset());
            assertNull(c.committed(Set.of(new TopicPartition("g-split", 0))).get(new TopicPartition("g-split", 0)),
                    "no commit of this group there");
        }
    }

    @Test
    void commitAfterBeingEvictedForAPollTimeoutFailsWithCommitFailedException() {
        cluster.createTopic("g-evict", 2, 2);
        produce(cluster, "g-evict", 2, 3);
        try (TributaryConsumer<String, String> slow = consumer(cluster, "evict", Map.of("enable.auto.commit", false, "max.poll.interval.ms", 1_500));
             TributaryConsumer<String, String> other = consumer(cluster, "evict", Map.of("enable.auto.commit", false))) {
            slow.subscribe(List.of("g-evict"));
            other.subscribe(List.of("g-evict"));
            pollUntil(List.of(slow, other), () -> slow.assignment().size() == 1 && other.assignment().size() == 1, 30_000, "one each");
            TopicPartition mine = slow.assignment().iterator().next();
            // The application "processes" for longer than max.poll.interval.ms while the other member keeps polling.
            long until = System.currentTimeMillis() + 3_000;
            while (System.currentTimeMillis() < until) {
                other.poll(Duration.ofMillis(100));
            }
            CommitFailedException e = assertThrows(CommitFailedException.class, () -> slow.commitSync(Map.of(mine, new OffsetAndMetadata(1))));
            assertTrue(e.getMessage().contains("max.poll.interval.ms"), e.getMessage());
            pollUntil(List.of(slow, other), () -> other.assignment().size() == 2 || slow.assignment().size() == 1 && other.assignment().size() == 1,
                    30_000, "the group recovers");
        }
    }

    @Test
    void autoCommitCommitsConsumedPositionsFromPollAndOnClose() {
        cluster.createTopic("g-auto", 1, 2);
        produce(cluster, "g-auto", 1, 20);
        TopicPartition tp = new TopicPartition("g-auto", 0);
        try (TributaryConsumer<String, String> c = consumer(cluster, "auto", Map.of("auto.commit.interval.ms", 200))) {
            c.subscribe(List.of("g-auto"));
            pollUntil(List.of(c), () -> c.assignment().contains(tp) && c.position(tp) == 20, 30_000, "all read");
            pollUntil(List.of(c), () -> {
                OffsetAndMetadata o = c.committed(Set.of(tp)).get(tp);
                return o != null && o.offset() == 20;
            }, 10_000, "auto-committed from poll()");
            produce(cluster, "g-auto", 1, 5);
            pollUntil(List.of(c), () -> c.position(tp) == 25, 30_000, "the new records read");
            c.close(Duration.ofSeconds(10)); // commits 25 before leaving, whatever the timer says
        }
        try (TributaryAdmin admin = admin()) {
            assertEquals(25, admin.listConsumerGroupOffsets("auto").get(tp).offset());
        }
    }

    @Test
    void enforceRebalanceRunsANewRoundThatCallsTheListener() {
        cluster.createTopic("g-enforce", 2, 2);
        GroupTestSupport.RecordingListener l = new GroupTestSupport.RecordingListener();
        try (TributaryConsumer<String, String> c = consumer(cluster, "enforce", Map.of())) {
            c.subscribe(List.of("g-enforce"), l);
            pollUntil(List.of(c), () -> c.assignment().size() == 2, 30_000, "both partitions");
            int generation = c.groupMetadata().generationId();
            int callsBefore = l.calls.size();
            c.enforceRebalance("test asks");
            pollUntil(List.of(c), () -> c.groupMetadata().generationId() > generation && l.calls.size() > callsBefore, 30_000,
                    "a new generation applied");
            assertEquals("assigned []", l.calls.get(l.calls.size() - 1), "cooperative: nothing moved, onPartitionsAssigned still called");
            assertEquals(2, c.assignment().size());
        }
    }

    @Test
    void staticMemberRestartWithinTheSessionTimeoutMovesNothingElsewhere() {
        cluster.createTopic("g-static", 4, 2);
        GroupTestSupport.RecordingListener otherCalls = new GroupTestSupport.RecordingListener();
        Map<String, Object> staticA = Map.of("group.instance.id", "host-a", "session.timeout.ms", 10_000);
        try (TributaryConsumer<String, String> other = consumer(cluster, "static", Map.of("group.instance.id", "host-b",
                "session.timeout.ms", 10_000))) {
            other.subscribe(List.of("g-static"), otherCalls);
            Set<TopicPartition> aOwned;
            int generation;
            try (TributaryConsumer<String, String> a = consumer(cluster, "static", staticA)) {
                a.subscribe(List.of("g-static"));
                pollUntil(List.of(a, other), () -> a.assignment().size() == 2 && other.assignment().size() == 2, 30_000, "two each");
                aOwned = Set.copyOf(a.assignment());
                generation = other.groupMetadata().generationId();
            }
            int callsBefore = otherCalls.calls.size();
            try (TributaryAdmin admin = admin()) {
                assertEquals(2, admin.describeConsumerGroups(List.of("static")).get("static").members().size(),
                        "a closed static member keeps its place (no LeaveGroup)");
            }
            try (TributaryConsumer<String, String> restarted = consumer(cluster, "static", staticA)) {
                restarted.subscribe(List.of("g-static"));
                pollUntil(List.of(restarted, other), () -> restarted.assignment().equals(aOwned), 30_000, "the restart gets its partitions back");
                for (int i = 0; i < 10; i++) {
                    other.poll(Duration.ofMillis(50));
                    restarted.poll(Duration.ofMillis(50));
                }
                assertEquals(callsBefore, otherCalls.calls.size(), "the other member saw no rebalance: " + otherCalls.calls);
                assertEquals(generation, other.groupMetadata().generationId());
            }
        }
    }

    @Test
    void patternSubscriptionPicksUpMatchingTopics() {
        cluster.createTopic("g-pat-a", 1, 2);
        try (TributaryConsumer<String, String> c = consumer(cluster, "pattern", Map.of("metadata.max.age.ms", 500))) {
            c.subscribe(Pattern.compile("g-pat-.*"));
            pollUntil(List.of(c), () -> c.assignment().equals(Set.of(new TopicPartition("g-pat-a", 0))), 30_000, "the first topic");
            cluster.createTopic("g-pat-b", 1, 2);
            pollUntil(List.of(c), () -> c.assignment().size() == 2, 30_000, "the new matching topic");
            assertEquals(Set.of("g-pat-a", "g-pat-b"), c.subscription());
        }
    }

    @Test
    void adminListsDescribesAltersOffsetsOnlyWhenEmptyAndDeletes() {
        cluster.createTopic("g-admin", 2, 2);
        produce(cluster, "g-admin", 2, 4);
        try (TributaryAdmin admin = admin()) {
            try (TributaryConsumer<String, String> c = consumer(cluster, "admin-g", Map.of("client.id", "admin-client",
                    "enable.auto.commit", false))) {
                c.subscribe(List.of("g-admin"));
                pollUntil(List.of(c), () -> c.assignment().size() == 2, 30_000, "both partitions");
                c.commitSync(Map.of(new TopicPartition("g-admin", 0), new OffsetAndMetadata(3)));
                cluster.awaitCondition(() -> admin.listConsumerGroups().stream()
                        .anyMatch(g -> g.groupId().equals("admin-g") && g.state().equals("Stable")), 30_000, "listed as Stable");
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("admin-g")).get("admin-g");
                assertTrue(d.exists());
                assertEquals("Stable", d.state());
                assertEquals("cooperative-sticky", d.partitionAssignor());
                ConsumerGroupMetadata md = c.groupMetadata();
                assertEquals(md.generationId(), d.generationId());
                assertTrue(d.coordinator().id() > 0 && d.coordinator().port() > 0, d.coordinator().toString());
                assertEquals(1, d.members().size());
                MemberDescription m = d.members().get(0);
                assertEquals(md.memberId(), m.memberId());
                assertEquals("admin-client", m.clientId());
                assertFalse(m.host().isEmpty());
                assertEquals(Set.copyOf(partitions("g-admin", 2)), m.assignment());
                TributaryException busy = assertThrows(TributaryException.class, () -> admin.alterConsumerGroupOffsets("admin-g",
                        Map.of(new TopicPartition("g-admin", 0), new OffsetAndMetadata(0))));
                assertTrue(busy.error() == ErrorCode.UNKNOWN_MEMBER_ID || busy.error() == ErrorCode.NON_EMPTY_GROUP, busy.toString());
                GroupOutcome refused = admin.deleteConsumerGroups(List.of("admin-g")).get("admin-g");
                assertEquals(ErrorCode.NON_EMPTY_GROUP, refused.error().error());
            }
            assertEquals("Empty", admin.describeConsumerGroups(List.of("admin-g")).get("admin-g").state());
            admin.alterConsumerGroupOffsets("admin-g", Map.of(new TopicPartition("g-admin", 1), new OffsetAndMetadata(2, "reset")));
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("admin-g");
            assertEquals(3, offsets.get(new TopicPartition("g-admin", 0)).offset());
            assertEquals(new OffsetAndMetadata(2, Optional.empty(), "reset"), offsets.get(new TopicPartition("g-admin", 1)));
            List<ConsumerGroupListing> listed = admin.listConsumerGroups();
            assertTrue(listed.stream().anyMatch(g -> g.groupId().equals("admin-g") && g.state().equals("Empty")), listed.toString());
            assertTrue(admin.deleteConsumerGroups(List.of("admin-g")).get("admin-g").succeeded());
            ConsumerGroupDescription gone = admin.describeConsumerGroups(List.of("admin-g")).get("admin-g");
            assertNotNull(gone.error());
            assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, gone.error().error());
            assertEquals("Dead", gone.state());
            assertTrue(admin.listConsumerGroupOffsets("admin-g").isEmpty());
        }
    }
}
