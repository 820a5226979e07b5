package io.tributary.coordination;

import java.util.Objects;
import java.util.Set;

/**
 * What one controller pass decides from: a snapshot of the cluster, the epoch every write of the pass is fenced
 * with, and the brokers seen restarting (a new broker epoch under the same id) since the last complete pass.
 */
record ControllerPass(ClusterMetadata metadata, ControllerEpochFence fence, Set<Integer> bouncedBrokers) {
    ControllerPass {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(fence, "fence");
        bouncedBrokers = Set.copyOf(bouncedBrokers);
    }

    /**
     * {@code state} stamped with its leader's current broker epoch, so that a later controller can tell the leader
     * restarted since this election even if it never saw the restart (see {@link PartitionState}).
     */
    PartitionState stamped(PartitionState state) {
        BrokerInfo leader = state.isOffline() ? null : metadata.brokers().get(state.leader());
        return state.withLeaderBrokerEpoch(leader == null ? 0L : leader.brokerEpoch());
    }
}
