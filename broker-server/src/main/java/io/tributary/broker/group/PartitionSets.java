package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.TopicPartitions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** Sets of partitions to and from the proto's per-topic lists. Stateless. */
final class PartitionSets {
    /** Most partitions one message may list: bounds what a member makes the coordinator hold. */
    static final int MAX_PARTITIONS_PER_MESSAGE = 1_000_000;

    private PartitionSets() {
    }

    /** Grouped by topic, topics and partitions in order. */
    static List<TopicPartitions> toProto(Collection<TopicPartition> partitions) {
        List<TopicPartitions> out = new ArrayList<>();
        TopicPartitions.Builder current = null;
        for (TopicPartition tp : new TreeSet<>(partitions)) {
            if (current == null || !current.getTopic().equals(tp.topic())) {
                if (current != null) {
                    out.add(current.build());
                }
                current = TopicPartitions.newBuilder().setTopic(tp.topic());
            }
            current.addPartitions(tp.partition());
        }
        if (current != null) {
            out.add(current.build());
        }
        return out;
    }

    /** @throws TributaryException INVALID_REQUEST for an empty topic, a negative partition or too many partitions */
    static SortedSet<TopicPartition> fromProto(List<TopicPartitions> lists) {
        SortedSet<TopicPartition> out = new TreeSet<>();
        for (TopicPartitions tps : lists) {
            if (tps.getTopic().isEmpty()) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "a partition list names no topic");
            }
            for (int p : tps.getPartitionsList()) {
                if (p < 0) {
                    throw new TributaryException(ErrorCode.INVALID_REQUEST, "partition " + p + " of '" + tps.getTopic()
                            + "' is negative");
                }
                out.add(new TopicPartition(tps.getTopic(), p));
            }
            if (out.size() > MAX_PARTITIONS_PER_MESSAGE) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "a message may list at most "
                        + MAX_PARTITIONS_PER_MESSAGE + " partitions");
            }
        }
        return out;
    }
}
