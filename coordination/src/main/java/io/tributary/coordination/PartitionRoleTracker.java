package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns metadata snapshots into {@link PartitionRoleListener} calls for one broker: for each partition that
 * lists this broker as a replica and has a state, compares the state with the last one announced and says
 * "leader", "follower", "state changed" or "stop". Stale states (older leader epoch or controller epoch than
 * already announced) are ignored, which is how a broker ignores a deposed controller's decisions.
 *
 * <p>Not thread-safe by itself: it relies on {@link MetadataCache} calling it from one thread.
 */
public final class PartitionRoleTracker implements MetadataListener {
    private static final Logger log = LoggerFactory.getLogger(PartitionRoleTracker.class);

    private final int brokerId;
    private final PartitionRoleListener listener;
    private final Map<TopicPartition, PartitionRole> announced = new HashMap<>();
    private SessionState sessionState = SessionState.CONNECTED;

    public PartitionRoleTracker(int brokerId, PartitionRoleListener listener) {
        this.brokerId = brokerId;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void onSessionStateChanged(SessionState state) {
        sessionState = state;
        if (state == SessionState.LOST) {
            // The broker dropped all leadership with its session: re-announce everything from the next snapshot.
            // (After a mere SUSPENDED the session survived; the next snapshot is diffed as usual.)
            announced.clear();
        }
        listener.onSessionStateChanged(state);
    }

    @Override
    public void onMetadataChanged(ClusterMetadata previous, ClusterMetadata current) {
        if (sessionState != SessionState.CONNECTED) {
            return;
        }
        Map<TopicPartition, PartitionRole> seen = new HashMap<>();
        for (TopicMetadata topic : current.topics().values()) {
            for (PartitionMetadata p : topic.partitions().values()) {
                if (!p.replicas().contains(brokerId) || p.state() == null) {
                    continue;
                }
                PartitionState s = p.state().state();
                PartitionRole role = new PartitionRole(p.topicPartition(), topic.topicId(), s.leader(),
                        s.leaderEpoch(), s.isr(), p.replicas(), s.controllerEpoch(), p.state().zkVersion());
                seen.put(p.topicPartition(), role);
                announce(Optional.ofNullable(announced.get(p.topicPartition())), role);
            }
        }
        for (TopicPartition gone : announced.keySet().stream().filter(tp -> !seen.containsKey(tp)).toList()) {
            PartitionRole last = announced.remove(gone);
            if (last != null) {
                listener.onStopReplica(gone, true);
            }
        }
    }

    private void announce(Optional<PartitionRole> last, PartitionRole role) {
        TopicPartition tp = role.topicPartition();
        if (last.isPresent() && last.get().topicId() != null && !last.get().topicId().equals(role.topicId())) {
            // The topic was deleted and re-created under the same name between two snapshots.
            listener.onStopReplica(tp, true);
            last = Optional.empty();
        }
        if (last.isPresent()) {
            PartitionRole prev = last.get();
            if (role.leaderEpoch() < prev.leaderEpoch() || role.controllerEpoch() < prev.controllerEpoch()) {
                log.warn("broker {} ignores stale state for {}: leader epoch {} controller epoch {} after {} / {}",
                        brokerId, tp, role.leaderEpoch(), role.controllerEpoch(), prev.leaderEpoch(),
                        prev.controllerEpoch());
                return;
            }
            if (role.equals(prev)) {
                return;
            }
            announced.put(tp, role);
            if (role.leaderEpoch() == prev.leaderEpoch() && role.leader() == prev.leader()) {
                listener.onPartitionStateChanged(role);
                return;
            }
        } else {
            announced.put(tp, role);
        }
        if (role.isLeader(brokerId)) {
            listener.onBecomeLeader(role);
        } else {
            listener.onBecomeFollower(role);
        }
    }
}
