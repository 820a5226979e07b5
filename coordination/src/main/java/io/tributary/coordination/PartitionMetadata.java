package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One partition as the metadata cache sees it: assignment plus state. Immutable.
 *
 * @param topicPartition   the partition
 * @param replicas         assigned replicas, first = preferred leader (during a reassignment: target then old)
 * @param addingReplicas   replicas being added by a running reassignment
 * @param removingReplicas replicas being removed by a running reassignment
 * @param state            leader/ISR and the znode version it was read at; null until the controller creates it
 */
public record PartitionMetadata(TopicPartition topicPartition, List<Integer> replicas, List<Integer> addingReplicas,
                                List<Integer> removingReplicas, VersionedPartitionState state) {
    public PartitionMetadata {
        Objects.requireNonNull(topicPartition, "topicPartition");
        replicas = List.copyOf(replicas);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }

    public Optional<VersionedPartitionState> stateOptional() {
        return Optional.ofNullable(state);
    }

    /** The leader id, or -1 when offline or without state. */
    public int leader() {
        return state == null ? PartitionState.NO_LEADER : state.state().leader();
    }

    public List<Integer> isr() {
        return state == null ? List.of() : state.state().isr();
    }
}
