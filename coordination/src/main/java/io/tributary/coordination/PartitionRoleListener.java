package io.tributary.coordination;

import io.tributary.api.TopicPartition;

/**
 * How the broker learns what to do with its replicas: the coordination layer's counterpart of Kafka's
 * LeaderAndIsr / StopReplica requests. Implemented by the broker; called by {@link PartitionRoleTracker} on
 * the metadata notification thread, in order, one call at a time. Implementations should hand real work
 * (opening logs, starting fetchers) to their own threads.
 *
 * <p>Each call carries the leader epoch and controller epoch; the tracker never delivers an older leader or
 * controller epoch for a partition after a newer one, but the broker should still compare against the epochs
 * it holds, since requests from peers carry epochs too.
 */
public interface PartitionRoleListener {
    /** This broker now leads the partition at {@code role.leaderEpoch()}. */
    void onBecomeLeader(PartitionRole role);

    /** This broker is now a follower of {@code role.leader()} ({@code -1}: offline, no one to follow yet). */
    void onBecomeFollower(PartitionRole role);

    /**
     * Same leader and leader epoch, but the ISR or znode version changed (a leader's own ISR write, or the
     * controller removing a dead broker from the ISR). A leader must adopt the new ISR and zk version.
     */
    default void onPartitionStateChanged(PartitionRole role) {
    }

    /**
     * This broker no longer hosts the partition: the topic was deleted ({@code deletePartition} true) or a
     * reassignment moved the replica away (also true: its data is no longer needed).
     */
    void onStopReplica(TopicPartition partition, boolean deletePartition);

    /**
     * The ZooKeeper session changed state. On anything but {@link SessionState#CONNECTED} the broker must stop
     * leader actions (accepting produce requests, changing the ISR) and report NOT_SERVING. After
     * {@link SessionState#LOST} every partition is announced again with its current role once reconnected;
     * after {@link SessionState#SUSPENDED} only what changed meanwhile is announced, and the broker resumes
     * the roles it held.
     */
    default void onSessionStateChanged(SessionState state) {
    }
}
