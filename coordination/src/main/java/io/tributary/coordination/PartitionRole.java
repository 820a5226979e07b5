package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.List;
import java.util.Objects;

/**
 * What this broker is for one partition, as the latest partition state says. Immutable.
 *
 * @param topicPartition  the partition
 * @param topicId         the topic's id (so a re-created topic of the same name is told apart)
 * @param leader          the leader's broker id, -1 while offline
 * @param leaderEpoch     the leader epoch; requests carrying an older one are fenced
 * @param isr             the in-sync replicas
 * @param replicas        all assigned replicas, first = preferred leader
 * @param controllerEpoch epoch of the controller that made this leader; brokers ignore anything older
 * @param stateZkVersion  znode version of the state, for the leader's ISR compare-and-set
 */
public record PartitionRole(TopicPartition topicPartition, String topicId, int leader, int leaderEpoch,
                            List<Integer> isr, List<Integer> replicas, int controllerEpoch, int stateZkVersion) {
    public PartitionRole {
        Objects.requireNonNull(topicPartition, "topicPartition");
        isr = List.copyOf(isr);
        replicas = List.copyOf(replicas);
    }

    public boolean isLeader(int brokerId) {
        return leader == brokerId;
    }

    /** The state this role was read from, e.g. to derive an ISR change for {@link PartitionStateStore}. */
    public PartitionState state() {
        return new PartitionState(leader, leaderEpoch, isr, controllerEpoch);
    }
}
