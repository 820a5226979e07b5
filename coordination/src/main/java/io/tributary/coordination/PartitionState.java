package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * {@code /brokers/topics/<t>/partitions/<p>/state}:
 * {@code {"version":1,"leader":1,"leader_epoch":4,"isr":[1,2],"controller_epoch":7}}. {@code leader} is
 * {@value #NO_LEADER} while the partition is offline. Written only by compare-and-set on the znode version
 * (see {@link PartitionStateStore}). Immutable.
 */
@JsonPropertyOrder({"version", "leader", "leader_epoch", "isr", "controller_epoch"})
public record PartitionState(int version, int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch)
        implements ZkDocument {
    public static final int NO_LEADER = -1;
    public static final ZkCodec<PartitionState> CODEC = new ZkCodec<>(PartitionState.class, "partition state");

    public PartitionState {
        isr = isr == null ? List.of() : List.copyOf(isr);
    }

    public PartitionState(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {
        this(CURRENT_VERSION, leader, leaderEpoch, isr, controllerEpoch);
    }

    @JsonIgnore
    public boolean isOffline() {
        return leader == NO_LEADER;
    }

    /** The same leadership with another ISR (what a leader writes when it shrinks or expands the ISR). */
    public PartitionState withIsr(List<Integer> newIsr) {
        return new PartitionState(version, leader, leaderEpoch, newIsr, controllerEpoch);
    }
}
