package io.tributary.client.consumer.group;

import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.admin.ConsumerGroupDescription;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.TributaryConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.tributary.client.consumer.group.GroupTestSupport.consumer;
import static io.tributary.client.consumer.group.GroupTestSupport.pollUntil;
import static io.tributary.client.consumer.group.GroupTestSupport.produce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The coordinator's broker shuts down under a subscribed consumer: the consumer finds the new coordinator and resumes
 * as the same member, keeping (and reading) its partitions, with no listener call and its commits still accepted.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CoordinatorMoveIntegrationTest {
    private EmbeddedCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = GroupTestSupport.startCluster();
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void coordinatorShutdownResumesTheSameMemberWithItsPartitions() throws Exception {
        cluster.createTopic("move", 3, 3);
        produce(cluster, "move", 3, 5);
        GroupTestSupport.RecordingListener listener = new GroupTestSupport.RecordingListener();
        try (TributaryAdmin admin = new TributaryAdmin(Map.of("bootstrap.servers", cluster.bootstrap(), "default.api.timeout.ms", 30_000));
             TributaryConsumer<String, String> c = consumer(cluster, "move-g", Map.of("enable.auto.commit", false))) {
            c.subscribe(List.of("move"), listener);
            Set<String> read = new HashSet<>();
            pollUntil(List.of(c), () -> c.assignment().size() == 3, 30_000, "all partitions").forEach(r -> read.add(r.partition() + "@" + r.offset()));
            pollUntil(List.of(c), () -> {
                return c.position(new TopicPartition("move", 0)) == 5 && c.position(new TopicPartition("move", 1)) == 5
                        && c.position(new TopicPartition("move", 2)) == 5;
            }, 30_000, "first records read").forEach(r -> read.add(r.partition() + "@" + r.offset()));
            c.commitSync();
            String member = c.groupMetadata().memberId();
            int calls = listener.calls.size();
            int coordinator = admin.describeConsumerGroups(List.of("move-g")).get("move-g").coordinator().id();

            cluster.stopBroker(coordinator);
            produce(cluster, "move", 3, 5);
            for (ConsumerRecord<String, String> r : pollUntil(List.of(c), () -> {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("move-g")).get("move-g");
                return d.exists() && d.coordinator().id() != coordinator && d.members().size() == 1
                        && d.members().get(0).assignment().size() == 3;
            }, 60_000, "a new coordinator knows the member with its partitions")) {
                read.add(r.partition() + "@" + r.offset());
            }
            pollUntil(List.of(c), () -> {
                for (int p = 0; p < 3; p++) {
                    if (c.position(new TopicPartition("move", p)) != 10) {
                        return false;
                    }
                }
                return true;
            }, 60_000, "the new records read").forEach(r -> read.add(r.partition() + "@" + r.offset()));
            assertEquals(30, read.size(), "every record read once the coordinator moved");
            assertEquals(member, c.groupMetadata().memberId(), "resumed as the same member");
            assertEquals(calls, listener.calls.size(), "no rebalance callback for a coordinator move: " + listener.calls);
            c.commitSync();
            assertEquals(10, c.committed(Set.of(new TopicPartition("move", 2))).get(new TopicPartition("move", 2)).offset());
            assertNotEquals(coordinator, admin.describeConsumerGroups(List.of("move-g")).get("move-g").coordinator().id());
        }
    }
}
