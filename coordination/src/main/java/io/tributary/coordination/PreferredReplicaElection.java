package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * {@code /admin/preferred_replica_election}:
 * {@code {"version":1,"partitions":[{"topic":"t","partition":0}]}}: move leadership back to each partition's
 * first replica where it is alive and in the ISR. The controller deletes the znode once done. Immutable.
 */
@JsonPropertyOrder({"version", "partitions"})
public record PreferredReplicaElection(int version, List<Entry> partitions) implements ZkDocument {
    public static final ZkCodec<PreferredReplicaElection> CODEC =
            new ZkCodec<>(PreferredReplicaElection.class, "preferred replica election");

    public PreferredReplicaElection {
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
    }

    public static PreferredReplicaElection of(Collection<TopicPartition> partitions) {
        return new PreferredReplicaElection(CURRENT_VERSION, partitions.stream().sorted()
                .map(tp -> new Entry(tp.topic(), tp.partition())).toList());
    }

    public List<TopicPartition> topicPartitions() {
        return partitions.stream().map(e -> new TopicPartition(e.topic(), e.partition())).toList();
    }

    /** One partition. */
    @JsonPropertyOrder({"topic", "partition"})
    public record Entry(String topic, int partition) {
        public Entry {
            Objects.requireNonNull(topic, "topic");
        }
    }
}
