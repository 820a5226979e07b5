package io.tributary.broker.group;

import io.tributary.api.TopicPartition;
import io.tributary.broker.partition.Partition;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The groups of one {@code __consumer_offsets} partition while this broker leads it at one leader epoch. A new
 * leadership (even of the same partition) gets a new shard, so a load or a write begun for an older epoch can
 * recognise that it is stale by identity.
 *
 * <p>Thread-safe: {@link #status} is volatile and changes only under the coordinator's role lock; groups are in a
 * concurrent map and guard themselves.
 */
final class GroupShard {
    enum Status { LOADING, LOADED, UNLOADED }

    final TopicPartition topicPartition;
    final int leaderEpoch;
    final Partition partition;
    final GroupEnvironment env;
    final ConcurrentHashMap<String, ConsumerGroup> groups = new ConcurrentHashMap<>();
    volatile Status status = Status.LOADING;

    GroupShard(Partition partition, int leaderEpoch, GroupEnvironment env) {
        this.topicPartition = partition.topicPartition();
        this.leaderEpoch = leaderEpoch;
        this.partition = partition;
        this.env = env;
    }

    ConsumerGroup newGroup(String groupId) {
        return new ConsumerGroup(groupId, env);
    }

    @Override
    public String toString() {
        return "GroupShard(" + topicPartition + ", epoch " + leaderEpoch + ", " + status + ", " + groups.size() + " groups)";
    }
}
