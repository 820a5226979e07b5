package io.tributary.client.consumer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;

import java.util.Set;

/**
 * A partition has no position and {@code auto.offset.reset=none} forbids choosing one.
 *
 * <p>Immutable.
 */
public final class NoOffsetForPartitionException extends TributaryException {
    private static final long serialVersionUID = 1L;

    private final transient Set<TopicPartition> partitions;

    public NoOffsetForPartitionException(Set<TopicPartition> partitions) {
        super(ErrorCode.OFFSET_OUT_OF_RANGE, "undefined offset with no reset policy (auto.offset.reset=none) for partitions: " + partitions);
        this.partitions = Set.copyOf(partitions);
    }

    public Set<TopicPartition> partitions() {
        return partitions;
    }
}
