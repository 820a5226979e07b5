package io.tributary.broker.group.assignor;

import io.tributary.api.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * Kafka's {@code RoundRobinAssignor}: every subscribed partition, sorted by topic then partition, is dealt in turn
 * to the members (sorted by id) in a circle, skipping members not subscribed to the partition's topic. Eager.
 * Stateless.
 */
public final class RoundRobinAssignor implements PartitionAssignor {
    public static final String NAME = "roundrobin";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean eager() {
        return true;
    }

    @Override
    public Map<String, SortedSet<TopicPartition>> assign(AssignmentSpec spec) {
        Map<String, SortedSet<TopicPartition>> result = spec.emptyResult();
        List<String> circle = new ArrayList<>(spec.members().keySet());
        int next = 0;
        for (String topic : spec.subscribedTopics()) {
            for (TopicPartition tp : spec.partitionsOf(topic)) {
                // Some member subscribes to the topic (it is in subscribedTopics), so this loop ends.
                while (!spec.members().get(circle.get(next)).topics().contains(topic)) {
                    next = (next + 1) % circle.size();
                }
                result.get(circle.get(next)).add(tp);
                next = (next + 1) % circle.size();
            }
        }
        return result;
    }
}
