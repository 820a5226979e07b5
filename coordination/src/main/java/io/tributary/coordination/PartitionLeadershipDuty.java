package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every partition's leader and ISR: creates the state of a partition that has none (new topics, added partitions)
 * with its first live replica leading; elects from the ISR ({@link LeaderElection}) when the leader is dead or
 * bounced, bumping the leader epoch, or takes the partition offline; removes dead brokers from ISRs; brings an
 * offline partition back when its last in-sync replica returns. Unclean election follows the topic's
 * {@code unclean.leader.election.enable}, else the broker default.
 */
final class PartitionLeadershipDuty implements ControllerDuty {
    private static final Logger log = LoggerFactory.getLogger(PartitionLeadershipDuty.class);
    /** Compare-and-set attempts per partition and pass before the pass asks to be retried. */
    private static final int CAS_ATTEMPTS = 3;

    private final ControllerContext zk;
    private final boolean uncleanDefault;

    PartitionLeadershipDuty(ControllerContext zk, boolean uncleanLeaderElectionDefault) {
        this.zk = zk;
        this.uncleanDefault = uncleanLeaderElectionDefault;
    }

    @Override
    public boolean reconcile(ControllerPass pass) throws Exception {
        boolean complete = true;
        Set<Integer> live = pass.metadata().liveBrokerIds();
        for (TopicMetadata topic : pass.metadata().topics().values()) {
            if (topic.pendingDeletion()) {
                continue;
            }
            boolean unclean = topic.booleanConfig(Controller.UNCLEAN_LEADER_ELECTION_ENABLE, uncleanDefault);
            for (PartitionMetadata p : topic.partitions().values()) {
                complete &= reconcilePartition(pass, p, live, unclean);
            }
        }
        return complete;
    }

    private boolean reconcilePartition(ControllerPass pass, PartitionMetadata p, Set<Integer> live, boolean unclean)
            throws Exception {
        TopicPartition tp = p.topicPartition();
        int controllerEpoch = pass.fence().epoch();
        Optional<VersionedPartitionState> current = p.stateOptional();
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            if (current.isEmpty()) {
                Optional<PartitionState> initial = LeaderElection.initialState(p.replicas(), live, controllerEpoch)
                        .map(pass::stamped);
                if (initial.isEmpty()) {
                    log.debug("controller {}: {} has no live replica yet; not creating its state", zk.brokerId(), tp);
                    return true;
                }
                CasResult r = zk.states().createFenced(zk.writer(), pass.fence(), tp, initial.get());
                if (r.succeeded()) {
                    log.info("controller {}: created {} state {}", zk.brokerId(), tp, initial.get());
                    return true;
                }
                current = ((CasResult.VersionConflict) r).current();
                continue;
            }
            VersionedPartitionState vs = current.get();
            Optional<PartitionState> next = LeaderElection.onBrokerChange(vs.state(), p.replicas(), live,
                    withRestartedLeader(vs.state(), pass), unclean, controllerEpoch).map(pass::stamped);
            if (next.isEmpty()) {
                return true;
            }
            CasResult r = zk.states().compareAndSetFenced(zk.writer(), pass.fence(), tp, next.get(), vs.zkVersion());
            if (r.succeeded()) {
                PartitionState elected = next.get();
                if (elected.leader() != PartitionState.NO_LEADER && !vs.state().isr().contains(elected.leader())) {
                    zk.stats().uncleanLeaderElection();
                    log.warn("controller {}: {} unclean leader election: {} was not in the ISR {}; records acknowledged"
                            + " only by the old ISR may be lost", zk.brokerId(), tp, elected.leader(), vs.state().isr());
                }
                log.info("controller {}: {} {} -> {}", zk.brokerId(), tp, vs.state(), next.get());
                return true;
            }
            current = ((CasResult.VersionConflict) r).current();
            if (current.isEmpty()) {
                return false;
            }
        }
        return false;
    }

    /**
     * The pass's bounced brokers plus the partition's leader if its registration's broker epoch is not the one it
     * was elected with: it restarted since (typically while the controller moved, so no controller saw both
     * incarnations) and must not go on leading at the old leader epoch.
     */
    private static Set<Integer> withRestartedLeader(PartitionState state, ControllerPass pass) {
        Set<Integer> bounced = pass.bouncedBrokers();
        if (state.isOffline() || state.leaderBrokerEpoch() == 0L || bounced.contains(state.leader())) {
            return bounced;
        }
        BrokerInfo leader = pass.metadata().brokers().get(state.leader());
        if (leader == null || leader.brokerEpoch() == state.leaderBrokerEpoch()) {
            return bounced;
        }
        Set<Integer> withLeader = new HashSet<>(bounced);
        withLeader.add(state.leader());
        return withLeader;
    }
}
