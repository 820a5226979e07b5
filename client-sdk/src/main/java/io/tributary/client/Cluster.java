package io.tributary.client;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A snapshot of cluster metadata as one broker answered it: brokers, and for each known topic its partitions
 * and their leaders. Immutable and thread-safe; a refresh produces a new snapshot.
 */
public final class Cluster {
    private final String clusterId;
    private final int controllerId;
    private final Map<Integer, Node> nodes;
    private final Map<String, List<PartitionInfo>> partitionsByTopic;
    private final Map<String, ErrorCode> topicErrors;
    private final Map<String, List<PartitionInfo>> availableByTopic;
    private final Map<TopicPartition, PartitionInfo> byPartition;

    public Cluster(String clusterId, int controllerId, Map<Integer, Node> nodes,
                   Map<String, List<PartitionInfo>> partitionsByTopic, Map<String, ErrorCode> topicErrors) {
        this.clusterId = clusterId;
        this.controllerId = controllerId;
        this.nodes = Map.copyOf(nodes);
        Map<String, List<PartitionInfo>> sorted = new HashMap<>();
        Map<String, List<PartitionInfo>> available = new HashMap<>();
        Map<TopicPartition, PartitionInfo> byTp = new HashMap<>();
        partitionsByTopic.forEach((topic, list) -> {
            List<PartitionInfo> copy = new ArrayList<>(list);
            copy.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            sorted.put(topic, List.copyOf(copy));
            available.put(topic, copy.stream().filter(PartitionInfo::hasLeader).toList());
            copy.forEach(p -> byTp.put(p.topicPartition(), p));
        });
        this.partitionsByTopic = Map.copyOf(sorted);
        this.availableByTopic = Map.copyOf(available);
        this.byPartition = Map.copyOf(byTp);
        this.topicErrors = Map.copyOf(topicErrors);
    }

    public static Cluster empty() {
        return new Cluster("", -1, Map.of(), Map.of(), Map.of());
    }

    public String clusterId() {
        return clusterId;
    }

    public int controllerId() {
        return controllerId;
    }

    public Map<Integer, Node> nodes() {
        return nodes;
    }

    public Node node(int id) {
        return nodes.get(id);
    }

    public Set<String> topics() {
        return partitionsByTopic.keySet();
    }

    /** Every partition of the topic, in partition order; empty when the topic is unknown. */
    public List<PartitionInfo> partitionsForTopic(String topic) {
        return partitionsByTopic.getOrDefault(topic, List.of());
    }

    /** The partitions that have a leader right now. */
    public List<PartitionInfo> availablePartitionsForTopic(String topic) {
        return availableByTopic.getOrDefault(topic, List.of());
    }

    /** @return the number of partitions, or null when the topic is not in this snapshot */
    public Integer partitionCountForTopic(String topic) {
        List<PartitionInfo> list = partitionsByTopic.get(topic);
        return list == null || list.isEmpty() ? null : list.size();
    }

    public PartitionInfo partition(TopicPartition tp) {
        return byPartition.get(tp);
    }

    /** @return the leader's node, or null when the partition is unknown or has no live leader */
    public Node leaderFor(TopicPartition tp) {
        PartitionInfo info = byPartition.get(tp);
        return info == null || !info.hasLeader() ? null : nodes.get(info.leaderId());
    }

    /** The error the broker gave for a topic (e.g. UNKNOWN_TOPIC_OR_PARTITION), or NONE. */
    public ErrorCode topicError(String topic) {
        return topicErrors.getOrDefault(topic, ErrorCode.NONE);
    }

    Map<String, List<PartitionInfo>> partitionsByTopic() {
        return partitionsByTopic;
    }

    Map<String, ErrorCode> topicErrors() {
        return topicErrors;
    }

    /** A snapshot with {@code newer}'s brokers and topics, keeping this one's topics that {@code newer} did not cover. */
    public Cluster mergedWith(Cluster newer) {
        Map<String, List<PartitionInfo>> topics = new HashMap<>(partitionsByTopic);
        Map<String, ErrorCode> errors = new HashMap<>(topicErrors);
        for (String t : newer.topicErrors.keySet()) {
            topics.remove(t);
        }
        errors.keySet().removeAll(newer.partitionsByTopic.keySet());
        topics.putAll(newer.partitionsByTopic);
        errors.putAll(newer.topicErrors);
        return new Cluster(newer.clusterId, newer.controllerId, newer.nodes, topics, errors);
    }

    @Override
    public String toString() {
        return "Cluster(id=" + clusterId + ", controller=" + controllerId + ", nodes=" + nodes.values()
                + ", topics=" + Collections.unmodifiableSet(partitionsByTopic.keySet()) + ")";
    }
}
