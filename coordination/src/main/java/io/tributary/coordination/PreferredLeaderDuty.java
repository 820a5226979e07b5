package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves leaders back to their preferred replicas (the first in the assignment), with a new leader epoch, where the
 * preferred replica is alive and in sync. Two triggers: an operator's {@code /admin/preferred_replica_election}
 * request ({@link #reconcile}, deleted once acted on), and Kafka's automatic leader rebalance ({@link #rebalance},
 * on the controller's timer) for brokers whose share of not-led preferred partitions passes the threshold.
 */
final class PreferredLeaderDuty implements ControllerDuty {
    private static final Logger log = LoggerFactory.getLogger(PreferredLeaderDuty.class);

    private final ControllerContext zk;
    private final CoordinationConfig.LeaderRebalancePolicy policy;

    PreferredLeaderDuty(ControllerContext zk, CoordinationConfig.LeaderRebalancePolicy policy) {
        this.zk = zk;
        this.policy = policy;
    }

    @Override
    public boolean reconcile(ControllerPass pass) throws Exception {
        ClusterMetadata md = pass.metadata();
        PreferredReplicaElection request = md.preferredElection();
        if (request == null) {
            return true;
        }
        Set<Integer> live = md.liveBrokerIds();
        for (TopicPartition tp : request.topicPartitions()) {
            Optional<PartitionMetadata> p = md.partition(tp);
            if (p.isEmpty() || p.get().state() == null) {
                continue;
            }
            VersionedPartitionState vs = p.get().state();
            Optional<PartitionState> next = LeaderElection.preferred(vs.state(), p.get().replicas(), live,
                    pass.fence().epoch()).map(pass::stamped);
            if (next.isPresent()) {
                CasResult r = zk.states().compareAndSetFenced(zk.writer(), pass.fence(), tp, next.get(), vs.zkVersion());
                if (!r.succeeded()) {
                    return false; // Re-decide on fresher data before dropping the request.
                }
                log.info("controller {}: preferred leader for {}: {}", zk.brokerId(), tp, next.get());
            }
        }
        try {
            zk.writer().write(pass.fence(), zk.client().transactionOp().delete()
                    .withVersion(md.preferredElectionZkVersion()).forPath(zk.layout().preferredReplicaElectionPath()));
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException stale) {
            return false;
        }
        return true;
    }

    /**
     * Automatic preferred-leader election (Kafka's auto leader rebalance): per broker, the share of the partitions
     * it prefers that someone else leads; above the policy's threshold, each such partition whose preferred replica
     * is alive and in sync moves back to it. A lost compare-and-set is left for the next check.
     *
     * @throws ControllerFencedException when a write finds this controller deposed
     */
    void rebalance(ControllerPass pass) throws Exception {
        ClusterMetadata md = pass.metadata();
        Set<Integer> live = md.liveBrokerIds();
        Map<Integer, List<PartitionMetadata>> preferredBy = new HashMap<>();
        Map<Integer, Integer> notLeading = new HashMap<>();
        for (PartitionMetadata p : md.allPartitions().values()) {
            if (p.replicas().isEmpty() || p.state() == null) {
                continue;
            }
            int preferred = p.replicas().get(0);
            preferredBy.computeIfAbsent(preferred, k -> new ArrayList<>()).add(p);
            if (p.leader() != preferred) {
                notLeading.merge(preferred, 1, Integer::sum);
            }
        }
        for (Map.Entry<Integer, List<PartitionMetadata>> e : preferredBy.entrySet()) {
            int imbalanced = notLeading.getOrDefault(e.getKey(), 0);
            if (imbalanced * 100 <= policy.imbalancePerBrokerPercentage() * e.getValue().size()) {
                continue;
            }
            for (PartitionMetadata p : e.getValue()) {
                VersionedPartitionState vs = p.state();
                Optional<PartitionState> next = LeaderElection.preferred(vs.state(), p.replicas(), live,
                        pass.fence().epoch()).map(pass::stamped);
                if (next.isPresent() && zk.states().compareAndSetFenced(zk.writer(), pass.fence(), p.topicPartition(),
                        next.get(), vs.zkVersion()).succeeded()) {
                    log.info("controller {}: auto rebalance: {} led by its preferred replica again: {}", zk.brokerId(),
                            p.topicPartition(), next.get());
                }
            }
        }
    }
}
