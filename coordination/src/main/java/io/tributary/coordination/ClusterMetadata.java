package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable snapshot of everything under the chroot that brokers act on, built by {@link MetadataCache}.
 * Each snapshot is internally consistent with some recent state of the cache, not necessarily with ZooKeeper
 * at this instant: writers must still compare-and-set.
 *
 * @param clusterId              the cluster id, null until created
 * @param controllerId           the controller's broker id, -1 when there is none
 * @param controllerEpoch        the value of {@code /controller_epoch}, 0 before any election
 * @param brokers                live brokers by id, each with its broker epoch (czxid of its registration)
 * @param topics                 topics by name
 * @param deletionRequests       topics named under {@code /admin/delete_topics} (existing or not)
 * @param reassignment           the pending {@code /admin/reassign_partitions} request, or null
 * @param reassignmentZkVersion  its znode version (for CAS updates by the controller)
 * @param preferredElection      the pending {@code /admin/preferred_replica_election} request, or null
 * @param preferredElectionZkVersion its znode version
 */
public record ClusterMetadata(String clusterId, int controllerId, int controllerEpoch,
                              SortedMap<Integer, BrokerInfo> brokers, SortedMap<String, TopicMetadata> topics,
                              Set<String> deletionRequests, PartitionReassignment reassignment, int reassignmentZkVersion,
                              PreferredReplicaElection preferredElection, int preferredElectionZkVersion) {
    public static final ClusterMetadata EMPTY = new ClusterMetadata(null, -1, 0, new TreeMap<>(), new TreeMap<>(),
            Set.of(), null, -1, null, -1);

    public ClusterMetadata {
        brokers = Collections.unmodifiableSortedMap(new TreeMap<>(brokers));
        topics = Collections.unmodifiableSortedMap(new TreeMap<>(topics));
        deletionRequests = Collections.unmodifiableSet(new TreeSet<>(deletionRequests));
    }

    public Set<Integer> liveBrokerIds() {
        return brokers.keySet();
    }

    public boolean isAlive(int brokerId) {
        return brokers.containsKey(brokerId);
    }

    public Optional<TopicMetadata> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<PartitionMetadata> partition(TopicPartition tp) {
        TopicMetadata topic = topics.get(tp.topic());
        return topic == null ? Optional.empty() : Optional.ofNullable(topic.partitions().get(tp.partition()));
    }

    /** Every partition of every topic, in topic-partition order. */
    public Map<TopicPartition, PartitionMetadata> allPartitions() {
        SortedMap<TopicPartition, PartitionMetadata> all = new TreeMap<>();
        topics.values().forEach(t -> t.partitions().values().forEach(p -> all.put(p.topicPartition(), p)));
        return all;
    }
}
