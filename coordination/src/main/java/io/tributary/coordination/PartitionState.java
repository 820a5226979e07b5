package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * {@code /brokers/topics/<t>/partitions/<p>/state}:
 * {@code {"version":1,"leader":1,"leader_epoch":4,"isr":[1,2],"controller_epoch":7}}. {@code leader} is
 * {@value #NO_LEADER} while the partition is offline. Written only by compare-and-set on the znode version
 * (see {@link PartitionStateStore}). Immutable.
 *
 * <p>{@code leader_broker_epoch} (absent = 0 = unknown) is the broker epoch of the leader's registration when the
 * controller elected it. A leader whose registration has another epoch now has restarted since: the controller must
 * elect again (with a new leader epoch) even if it never saw the restart, e.g. because it became controller at the
 * same moment.
 */
@JsonPropertyOrder({"version", "leader", "leader_epoch", "isr", "controller_epoch", "leader_broker_epoch"})
public record PartitionState(int version, int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch,
                             @JsonInclude(JsonInclude.Include.NON_DEFAULT) long leaderBrokerEpoch)
        implements ZkDocument {
    public static final int NO_LEADER = -1;
    public static final ZkCodec<PartitionState> CODEC = new ZkCodec<>(PartitionState.class, "partition state");

    public PartitionState {
        isr = isr == null ? List.of() : List.copyOf(isr);
    }

    public PartitionState(int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {
        this(CURRENT_VERSION, leader, leaderEpoch, isr, controllerEpoch, 0L);
    }

    public PartitionState(int version, int leader, int leaderEpoch, List<Integer> isr, int controllerEpoch) {
        this(version, leader, leaderEpoch, isr, controllerEpoch, 0L);
    }

    @JsonIgnore
    public boolean isOffline() {
        return leader == NO_LEADER;
    }

    /** The same leadership with another ISR (what a leader writes when it shrinks or expands the ISR). */
    public PartitionState withIsr(List<Integer> newIsr) {
        return new PartitionState(version, leader, leaderEpoch, newIsr, controllerEpoch, leaderBrokerEpoch);
    }

    /** The same state, stamped with the broker epoch its leader is registered with now (0 = unknown). */
    public PartitionState withLeaderBrokerEpoch(long brokerEpoch) {
        return new PartitionState(version, leader, leaderEpoch, isr, controllerEpoch, brokerEpoch);
    }
}
