package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code /admin/reassign_partitions}:
 * {@code {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2,3,4]}]}}. One request at a time;
 * the controller removes each entry as its partition completes and the znode when none is left. Immutable.
 */
@JsonPropertyOrder({"version", "partitions"})
public record PartitionReassignment(int version, List<Entry> partitions) implements ZkDocument {
    public static final ZkCodec<PartitionReassignment> CODEC =
            new ZkCodec<>(PartitionReassignment.class, "partition reassignment");

    public PartitionReassignment {
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
    }

    public static PartitionReassignment of(Map<TopicPartition, List<Integer>> targets) {
        return new PartitionReassignment(CURRENT_VERSION, targets.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new Entry(e.getKey().topic(), e.getKey().partition(), e.getValue()))
                .toList());
    }

    /** Target replicas by partition, in request order. */
    public Map<TopicPartition, List<Integer>> targets() {
        Map<TopicPartition, List<Integer>> targets = new LinkedHashMap<>();
        partitions.forEach(e -> targets.put(e.topicPartition(), e.replicas()));
        return targets;
    }

    /** One partition's target replicas, first = preferred leader. */
    @JsonPropertyOrder({"topic", "partition", "replicas"})
    public record Entry(String topic, int partition, List<Integer> replicas) {
        public Entry {
            Objects.requireNonNull(topic, "topic");
            replicas = replicas == null ? List.of() : List.copyOf(replicas);
        }

        public TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }
    }
}
