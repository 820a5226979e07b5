package io.tributary.coordination;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's partition-state decisions as pure functions, so they can be tested without ZooKeeper.
 * Candidates are always taken in assignment order, so the preferred (first) replica wins when it can.
 * Stateless.
 */
public final class LeaderElection {
    private LeaderElection() {
    }

    /** The first state of a new partition: its first live replica leads, the live replicas are the ISR. */
    public static Optional<PartitionState> initialState(List<Integer> replicas, Set<Integer> live, int controllerEpoch) {
        List<Integer> liveReplicas = replicas.stream().filter(live::contains).toList();
        if (liveReplicas.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PartitionState(liveReplicas.get(0), 0, liveReplicas, controllerEpoch));
    }

    /**
     * What a partition's state should become given which brokers are alive, or empty when it is fine as it is.
     * <ul>
     *   <li>Leader alive (and not bounced): drop dead or bounced brokers from the ISR, same leader epoch.</li>
     *   <li>Otherwise elect the first replica that is in the ISR and alive (preferring ones that did not
     *       bounce, whose logs may have lost unflushed data), bump the leader epoch, ISR = its live members.</li>
     *   <li>No live ISR member: with unclean election enabled, the first live replica leads with ISR = itself;
     *       otherwise the partition goes offline (leader -1, leader epoch bumped) and keeps its ISR, so that
     *       the first of those brokers to come back is elected and nothing acknowledged is lost.</li>
     * </ul>
     *
     * @param bounced brokers that re-registered (new broker epoch) since the controller last looked
     */
    public static Optional<PartitionState> onBrokerChange(PartitionState s, List<Integer> replicas, Set<Integer> live,
                                                          Set<Integer> bounced, boolean uncleanEnabled,
                                                          int controllerEpoch) {
        boolean leaderHealthy = s.leader() != PartitionState.NO_LEADER && live.contains(s.leader())
                && !bounced.contains(s.leader());
        if (leaderHealthy) {
            List<Integer> isr = s.isr().stream()
                    .filter(b -> b == s.leader() || (live.contains(b) && !bounced.contains(b))).toList();
            return isr.equals(s.isr()) ? Optional.empty()
                    : Optional.of(new PartitionState(s.leader(), s.leaderEpoch(), isr, controllerEpoch));
        }
        Optional<Integer> leader = replicas.stream()
                .filter(r -> s.isr().contains(r) && live.contains(r) && !bounced.contains(r)).findFirst();
        if (leader.isEmpty()) {
            leader = replicas.stream().filter(r -> s.isr().contains(r) && live.contains(r)).findFirst();
        }
        if (leader.isPresent()) {
            int chosen = leader.get();
            List<Integer> isr = s.isr().stream()
                    .filter(b -> b == chosen || (live.contains(b) && !bounced.contains(b))).toList();
            return Optional.of(new PartitionState(chosen, s.leaderEpoch() + 1, isr, controllerEpoch));
        }
        if (uncleanEnabled) {
            Optional<Integer> anyLive = replicas.stream().filter(live::contains).findFirst();
            if (anyLive.isPresent()) {
                return Optional.of(new PartitionState(anyLive.get(), s.leaderEpoch() + 1, List.of(anyLive.get()),
                        controllerEpoch));
            }
        }
        if (s.leader() == PartitionState.NO_LEADER) {
            return Optional.empty();
        }
        return Optional.of(new PartitionState(PartitionState.NO_LEADER, s.leaderEpoch() + 1, s.isr(), controllerEpoch));
    }

    /** Moves leadership to the preferred (first) replica if it is alive and in sync; empty otherwise. */
    public static Optional<PartitionState> preferred(PartitionState s, List<Integer> replicas, Set<Integer> live,
                                                     int controllerEpoch) {
        if (replicas.isEmpty()) {
            return Optional.empty();
        }
        int preferred = replicas.get(0);
        if (s.leader() == preferred || !live.contains(preferred) || !s.isr().contains(preferred)) {
            return Optional.empty();
        }
        return Optional.of(new PartitionState(preferred, s.leaderEpoch() + 1, s.isr(), controllerEpoch));
    }

    /**
     * The state that completes a reassignment to {@code target} once every target replica is in the ISR:
     * keep the leader if it stays (and is alive), else the first live in-sync target replica leads; the
     * ISR keeps only target replicas; the leader epoch is bumped so removed replicas are fenced.
     * Empty while the target replicas are not all in sync yet, or no target replica can lead.
     */
    public static Optional<PartitionState> completeReassignment(PartitionState s, List<Integer> target,
                                                                Set<Integer> live, int controllerEpoch) {
        if (!s.isr().containsAll(target)) {
            return Optional.empty();
        }
        int leader = s.leader();
        if (!target.contains(leader) || !live.contains(leader)) {
            Optional<Integer> chosen = target.stream().filter(r -> s.isr().contains(r) && live.contains(r)).findFirst();
            if (chosen.isEmpty()) {
                return Optional.empty();
            }
            leader = chosen.get();
        }
        List<Integer> isr = s.isr().stream().filter(target::contains).toList();
        return Optional.of(new PartitionState(leader, s.leaderEpoch() + 1, isr, controllerEpoch));
    }
}
