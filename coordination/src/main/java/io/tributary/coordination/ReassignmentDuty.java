package io.tributary.coordination;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /admin/reassign_partitions}, in two steps per partition: widen the assignment to target plus current
 * replicas (recording which are being added and removed), then, once every target replica is in the ISR, switch the
 * assignment and the partition state to the target in one multi-op. The request is deleted when every partition in
 * it has completed or no longer exists.
 */
final class ReassignmentDuty implements ControllerDuty {
    private static final Logger log = LoggerFactory.getLogger(ReassignmentDuty.class);

    private final ControllerContext zk;

    ReassignmentDuty(ControllerContext zk) {
        this.zk = zk;
    }

    @Override
    public boolean reconcile(ControllerPass pass) throws Exception {
        ClusterMetadata md = pass.metadata();
        PartitionReassignment request = md.reassignment();
        if (request == null) {
            return true;
        }
        Set<Integer> live = md.liveBrokerIds();
        Map<String, List<PartitionReassignment.Entry>> byTopic = new LinkedHashMap<>();
        request.partitions().forEach(e -> byTopic.computeIfAbsent(e.topic(), t -> new ArrayList<>()).add(e));
        List<PartitionReassignment.Entry> remaining = new ArrayList<>();
        boolean wroteSomething = false;
        for (Map.Entry<String, List<PartitionReassignment.Entry>> group : byTopic.entrySet()) {
            TopicMetadata topic = md.topics().get(group.getKey());
            if (topic == null || topic.pendingDeletion()) {
                if (topic == null && zk.client().checkExists().forPath(zk.layout().topicPath(group.getKey())) != null) {
                    // The topic exists but this snapshot has not caught up with it yet: keep its entries.
                    remaining.addAll(group.getValue());
                }
                continue; // Topic gone: nothing left to move.
            }
            TopicAssignment assignment = topic.assignment();
            List<CuratorOp> ops = new ArrayList<>();
            List<String> changes = new ArrayList<>();
            for (PartitionReassignment.Entry e : group.getValue()) {
                PartitionMetadata p = topic.partitions().get(e.partition());
                if (p == null) {
                    if (assignment.partitions().containsKey(e.partition())) {
                        // Assigned but its state is not in this snapshot yet (the cache saw the request first).
                        remaining.add(e);
                    }
                    continue;
                }
                List<Integer> target = e.replicas();
                List<Integer> replicas = assignment.replicas(e.partition());
                if (!assignment.isReassigning(e.partition())) {
                    if (replicas.equals(target)) {
                        continue; // Done (possibly by a previous controller).
                    }
                    List<Integer> union = new ArrayList<>(target);
                    replicas.stream().filter(r -> !target.contains(r)).forEach(union::add);
                    List<Integer> adding = target.stream().filter(r -> !replicas.contains(r)).toList();
                    List<Integer> removing = replicas.stream().filter(r -> !target.contains(r)).toList();
                    assignment = assignment.withPartition(e.partition(), union, adding, removing);
                    changes.add(e.partition() + ": start " + replicas + " -> " + target);
                    remaining.add(e);
                    continue;
                }
                Optional<PartitionState> done = p.state() == null ? Optional.empty()
                        : LeaderElection.completeReassignment(p.state().state(), target, live, pass.fence().epoch())
                                .map(pass::stamped);
                if (done.isEmpty()) {
                    remaining.add(e); // Waiting for the new replicas to join the ISR.
                    continue;
                }
                ops.add(zk.states().setOp(p.topicPartition(), done.get(), p.state().zkVersion()));
                assignment = assignment.withPartition(e.partition(), target, null, null);
                changes.add(e.partition() + ": complete, state " + done.get());
            }
            if (!changes.isEmpty()) {
                ops.add(zk.client().transactionOp().setData().withVersion(topic.assignmentZkVersion())
                        .forPath(zk.layout().topicPath(topic.name()), TopicAssignment.CODEC.encode(assignment)));
                try {
                    zk.writer().write(pass.fence(), ops);
                    wroteSomething = true;
                    log.info("controller {}: reassignment of {}: {}", zk.brokerId(), topic.name(), changes);
                } catch (KeeperException.BadVersionException | KeeperException.NoNodeException stale) {
                    return false; // Our snapshot is behind; the next pass sees fresher data.
                }
            }
        }
        if (wroteSomething && !remaining.isEmpty()) {
            // Keep the request until every partition completed; the writes above trigger the next pass.
            return true;
        }
        try {
            if (remaining.isEmpty()) {
                zk.writer().write(pass.fence(), zk.client().transactionOp().delete()
                        .withVersion(md.reassignmentZkVersion()).forPath(zk.layout().reassignPartitionsPath()));
                log.info("controller {}: reassignment complete", zk.brokerId());
            }
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException stale) {
            return false;
        }
        return true;
    }
}
