package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every role callback as a line of text, e.g. {@code leader orders-0 epoch=1}. Thread-safe. */
final class RecordingRoleListener implements PartitionRoleListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<SessionState> sessionStates = new CopyOnWriteArrayList<>();

    @Override
    public void onBecomeLeader(PartitionRole role) {
        events.add("leader " + role.topicPartition() + " epoch=" + role.leaderEpoch());
    }

    @Override
    public void onBecomeFollower(PartitionRole role) {
        events.add("follower " + role.topicPartition() + " of=" + role.leader() + " epoch=" + role.leaderEpoch());
    }

    @Override
    public void onPartitionStateChanged(PartitionRole role) {
        events.add("state " + role.topicPartition() + " isr=" + role.isr());
    }

    @Override
    public void onStopReplica(TopicPartition partition, boolean deletePartition) {
        events.add("stop " + partition + " delete=" + deletePartition);
    }

    @Override
    public void onSessionStateChanged(SessionState state) {
        sessionStates.add(state);
    }

    boolean saw(String event) {
        return events.contains(event);
    }
}
