package io.tributary.broker.partition;

import java.util.List;

/**
 * This broker's view of one partition's leadership, swapped whole on every change. Immutable.
 *
 * @param leader          leader broker id, -1 when offline
 * @param leaderEpoch     the epoch of that leadership
 * @param isr             in-sync replicas
 * @param replicas        assigned replicas
 * @param controllerEpoch epoch of the controller that decided it
 * @param stateZkVersion  znode version of the partition state, for the leader's ISR compare-and-set
 */
public record LeaderState(int leader, int leaderEpoch, List<Integer> isr, List<Integer> replicas, int controllerEpoch,
                          int stateZkVersion) {
    public static final LeaderState NONE = new LeaderState(-1, -1, List.of(), List.of(), -1, -1);

    public LeaderState {
        isr = List.copyOf(isr);
        replicas = List.copyOf(replicas);
    }
}
