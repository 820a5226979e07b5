package io.tributary.broker.group.assignor;

import io.tributary.api.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * Kafka's {@code RangeAssignor}: topic by topic, the subscribers (sorted by member id) each get a contiguous range
 * of partitions; when the count does not divide evenly the first members get one more. Co-partitioned topics
 * therefore land on the same member. Eager. Stateless.
 */
public final class RangeAssignor implements PartitionAssignor {
    public static final String NAME = "range";

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
        for (String topic : spec.subscribedTopics()) {
            List<String> subscribers = spec.subscribersOf(topic);
            List<TopicPartition> partitions = spec.partitionsOf(topic);
            int perMember = partitions.size() / subscribers.size();
            int withExtra = partitions.size() % subscribers.size();
            int next = 0;
            for (int i = 0; i < subscribers.size(); i++) {
                int count = perMember + (i < withExtra ? 1 : 0);
                result.get(subscribers.get(i)).addAll(partitions.subList(next, next + count));
                next += count;
            }
        }
        return result;
    }
}
