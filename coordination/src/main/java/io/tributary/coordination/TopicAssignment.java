package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code /brokers/topics/<topic>}:
 * {@code {"version":1,"topic_id":"<uuid>","partitions":{"0":[1,2,3],"1":[2,3,1]}}}: the replica assignment,
 * first replica = preferred leader. While a reassignment runs, {@code partitions} holds target-then-old
 * replicas and {@code adding_replicas} / {@code removing_replicas} say which ones are moving (as Kafka's
 * version-2 topic znode does); both are left out when empty. Immutable.
 */
@JsonPropertyOrder({"version", "topic_id", "partitions", "adding_replicas", "removing_replicas"})
public record TopicAssignment(int version, String topicId, SortedMap<Integer, List<Integer>> partitions,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<Integer, List<Integer>> addingReplicas,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) SortedMap<Integer, List<Integer>> removingReplicas)
        implements ZkDocument {
    public static final ZkCodec<TopicAssignment> CODEC = new ZkCodec<>(TopicAssignment.class, "topic assignment");

    public TopicAssignment {
        Objects.requireNonNull(topicId, "topicId");
        partitions = copy(partitions);
        addingReplicas = copy(addingReplicas);
        removingReplicas = copy(removingReplicas);
    }

    public TopicAssignment(String topicId, Map<Integer, List<Integer>> partitions) {
        this(CURRENT_VERSION, topicId, new TreeMap<>(partitions), null, null);
    }

    private static SortedMap<Integer, List<Integer>> copy(Map<Integer, List<Integer>> map) {
        TreeMap<Integer, List<Integer>> copy = new TreeMap<>();
        if (map != null) {
            map.forEach((p, replicas) -> copy.put(p, List.copyOf(replicas)));
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    @JsonIgnore
    public int partitionCount() {
        return partitions.size();
    }

    /** Replicas of one partition, empty if the partition does not exist. */
    public List<Integer> replicas(int partition) {
        return partitions.getOrDefault(partition, List.of());
    }

    @JsonIgnore
    public boolean isReassigning(int partition) {
        return addingReplicas.containsKey(partition) || removingReplicas.containsKey(partition);
    }

    public TopicAssignment withPartitions(Map<Integer, List<Integer>> newPartitions) {
        return new TopicAssignment(version, topicId, new TreeMap<>(newPartitions), addingReplicas, removingReplicas);
    }

    /** This assignment with partition {@code p} set to {@code replicas} and its moving replicas recorded. */
    public TopicAssignment withPartition(int p, List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
        TreeMap<Integer, List<Integer>> parts = new TreeMap<>(partitions);
        parts.put(p, replicas);
        TreeMap<Integer, List<Integer>> add = new TreeMap<>(addingReplicas);
        TreeMap<Integer, List<Integer>> remove = new TreeMap<>(removingReplicas);
        add.remove(p);
        remove.remove(p);
        if (adding != null && !adding.isEmpty()) {
            add.put(p, adding);
        }
        if (removing != null && !removing.isEmpty()) {
            remove.put(p, removing);
        }
        return new TopicAssignment(version, topicId, parts, add, remove);
    }
}
