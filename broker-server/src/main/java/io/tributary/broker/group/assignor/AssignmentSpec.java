package io.tributary.broker.group.assignor;

import io.tributary.api.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an assignor is given: every member (sorted by id, so results never depend on join order) with its
 * subscription and what it has now, and the partition count of every subscribed topic. Immutable.
 *
 * @param members         member id → subscription
 * @param partitionCounts topic → partition count (absent or 0: the topic does not exist)
 */
public record AssignmentSpec(SortedMap<String, Subscription> members, Map<String, Integer> partitionCounts) {

    /**
     * One member's input.
     *
     * @param topics  the topics it subscribes to
     * @param current what it is assigned now (sticky assignors keep as much of it as they can; others ignore it)
     */
    public record Subscription(SortedSet<String> topics, SortedSet<TopicPartition> current) {
        public Subscription {
            topics = Collections.unmodifiableSortedSet(new TreeSet<>(topics));
            current = Collections.unmodifiableSortedSet(new TreeSet<>(current));
        }

        public Subscription(Set<String> topics) {
            this(new TreeSet<>(topics), new TreeSet<>());
        }
    }

    public AssignmentSpec {
        members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
        partitionCounts = Map.copyOf(partitionCounts);
    }

    public int partitionCount(String topic) {
        return Math.max(0, partitionCounts.getOrDefault(topic, 0));
    }

    /** Every existing partition of {@code topic}, in order. */
    public List<TopicPartition> partitionsOf(String topic) {
        int n = partitionCount(topic);
        List<TopicPartition> all = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            all.add(new TopicPartition(topic, p));
        }
        return all;
    }

    /** Every topic some member subscribes to, sorted. */
    public SortedSet<String> subscribedTopics() {
        SortedSet<String> topics = new TreeSet<>();
        members.values().forEach(s -> topics.addAll(s.topics()));
        return topics;
    }

    /** The members subscribed to {@code topic}, sorted by id. */
    public List<String> subscribersOf(String topic) {
        List<String> ids = new ArrayList<>();
        members.forEach((id, s) -> {
            if (s.topics().contains(topic)) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** An empty target for every member, to fill in. */
    public SortedMap<String, SortedSet<TopicPartition>> emptyResult() {
        SortedMap<String, SortedSet<TopicPartition>> result = new TreeMap<>();
        members.keySet().forEach(id -> result.put(id, new TreeSet<>()));
        return result;
    }
}
