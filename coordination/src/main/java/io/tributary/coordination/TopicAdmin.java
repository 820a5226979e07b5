package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Topic administration callable from any broker (the broker's gRPC admin service calls it). It validates a
 * request, then records it in ZooKeeper for the controller to carry out, exactly as Kafka's ZooKeeper-mode
 * admin path does: creation writes the config and the replica assignment (the controller then creates the
 * partition states and elects leaders), partition increase extends the assignment, deletion and reassignment
 * and preferred-leader election write requests under {@code /admin}. Because the requests live in ZooKeeper,
 * a controller failover never loses one: the next controller finds and finishes it.
 *
 * <p>Validation failures are {@link TributaryException}s with a stable {@link ErrorCode} and a message for a
 * human. Other exceptions are ZooKeeper trouble (for example no quorum).
 *
 * <p>Thread-safe (all state is in ZooKeeper; concurrent requests race through ZooKeeper's create/CAS).
 */
public final class TopicAdmin {
    private final CuratorFramework client;
    private final ZkLayout layout;
    private final boolean deleteTopicEnable;
    private final ReplicaAssigner assigner;

    /**
     * A topic to create.
     *
     * @param name              topic name (SPEC §1 rules)
     * @param partitions        partition count; ignored when {@code replicaAssignment} is given
     * @param replicationFactor replication factor; ignored when {@code replicaAssignment} is given
     * @param replicaAssignment explicit replicas by partition (0..n-1), or empty to let the assigner choose
     * @param configs           topic-level config overrides
     */
    public record NewTopic(String name, int partitions, int replicationFactor,
                           Map<Integer, List<Integer>> replicaAssignment, Map<String, String> configs) {
        public NewTopic {
            replicaAssignment = replicaAssignment == null ? Map.of() : Map.copyOf(replicaAssignment);
            configs = configs == null ? Map.of() : Map.copyOf(configs);
        }

        public NewTopic(String name, int partitions, int replicationFactor) {
            this(name, partitions, replicationFactor, Map.of(), Map.of());
        }

        public NewTopic withConfigs(Map<String, String> newConfigs) {
            return new NewTopic(name, partitions, replicationFactor, replicaAssignment, newConfigs);
        }
    }

    public TopicAdmin(CuratorFramework client, ZkLayout layout, boolean deleteTopicEnable, ReplicaAssigner assigner) {
        this.client = Objects.requireNonNull(client, "client");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.deleteTopicEnable = deleteTopicEnable;
        this.assigner = Objects.requireNonNull(assigner, "assigner");
    }

    /** Topic names in ZooKeeper, sorted (including ones marked for deletion). */
    public List<String> listTopics() throws Exception {
        return ZkSupport.children(client, layout.topicsPath()).stream().sorted().toList();
    }

    public Optional<TopicAssignment> readAssignment(String topic) throws Exception {
        return ZkSupport.readData(client, layout.topicPath(topic), null).map(TopicAssignment.CODEC::decode);
    }

    /** The topic's config overrides (empty when it has none). */
    public EntityConfig readTopicConfig(String topic) throws Exception {
        return ZkSupport.readData(client, layout.topicConfigPath(topic), null).map(EntityConfig.CODEC::decode)
                .orElse(EntityConfig.empty());
    }

    /** Live brokers and their racks (null = none), read from ZooKeeper now. */
    public SortedMap<Integer, String> liveBrokerRacks() throws Exception {
        SortedMap<Integer, String> brokers = new TreeMap<>();
        for (String child : ZkSupport.children(client, layout.brokerIdsPath())) {
            int id;
            try {
                id = Integer.parseInt(child);
            } catch (NumberFormatException notABroker) {
                continue;
            }
            Optional<byte[]> data = ZkSupport.readData(client, layout.brokerPath(id), null);
            if (data.isPresent()) {
                brokers.put(id, BrokerInfo.CODEC.decode(data.get()).rack());
            }
        }
        return brokers;
    }

    /**
     * Validates and records a new topic; returns the assignment written. The controller creates the partition
     * states shortly after.
     */
    public TopicAssignment createTopic(NewTopic request) throws Exception {
        String name = request.name();
        TopicNames.validate(name);
        List<String> existing = listTopics();
        if (existing.contains(name)) {
            throw new TributaryException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists"
                    + (client.checkExists().forPath(layout.deleteTopicPath(name)) != null
                    ? " and is marked for deletion" : ""));
        }
        Optional<String> collision = TopicNames.collision(name, existing);
        if (collision.isPresent()) {
            throw new TributaryException(ErrorCode.INVALID_TOPIC_EXCEPTION, "topic '" + name
                    + "' collides with existing topic '" + collision.get()
                    + "': names that differ only in '.' versus '_' are not allowed");
        }
        SortedMap<Integer, String> live = liveBrokerRacks();
        SortedMap<Integer, List<Integer>> partitions;
        if (request.replicaAssignment().isEmpty()) {
            partitions = assigner.assign(live, request.partitions(), request.replicationFactor(), 0, -1);
        } else {
            partitions = new TreeMap<>(request.replicaAssignment());
            validateExplicitAssignment(partitions, live.keySet(), 0);
        }
        TopicAssignment assignment = new TopicAssignment(UUID.randomUUID().toString(), partitions);
        List<CuratorOp> ops = new ArrayList<>();
        byte[] config = EntityConfig.CODEC.encode(new EntityConfig(request.configs()));
        if (client.checkExists().forPath(layout.topicConfigPath(name)) != null) {
            // A leftover from a deletion that did not finish its last step; the new topic's config wins.
            ops.add(client.transactionOp().setData().forPath(layout.topicConfigPath(name), config));
        } else {
            ops.add(client.transactionOp().create().forPath(layout.topicConfigPath(name), config));
        }
        ops.add(client.transactionOp().create().forPath(layout.topicPath(name), TopicAssignment.CODEC.encode(assignment)));
        try {
            client.transaction().forOperations(ops);
        } catch (KeeperException.NodeExistsException raced) {
            throw new TributaryException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
        }
        return assignment;
    }

    /** Marks a topic for deletion; the controller deletes its znodes and tells replicas to drop their logs. */
    public void deleteTopic(String topic) throws Exception {
        if (!deleteTopicEnable) {
            throw new TributaryException(ErrorCode.TOPIC_DELETION_DISABLED,
                    "topic deletion is disabled (delete.topic.enable=false)");
        }
        if (client.checkExists().forPath(layout.topicPath(topic)) == null) {
            throw unknownTopic(topic);
        }
        try {
            client.create().forPath(layout.deleteTopicPath(topic),
                    TopicDeletionRequest.CODEC.encode(new TopicDeletionRequest(System.currentTimeMillis())));
        } catch (KeeperException.NodeExistsException alreadyRequested) {
            // Deleting twice is the same request.
        }
    }

    /**
     * Raises the partition count to {@code totalCount}; new partitions continue the existing placement pattern.
     * Returns the new assignment.
     */
    public TopicAssignment createPartitions(String topic, int totalCount) throws Exception {
        Stat stat = new Stat();
        TopicAssignment current = ZkSupport.readData(client, layout.topicPath(topic), stat)
                .map(TopicAssignment.CODEC::decode).orElseThrow(() -> unknownTopic(topic));
        if (client.checkExists().forPath(layout.deleteTopicPath(topic)) != null) {
            throw new TributaryException(ErrorCode.INVALID_PARTITIONS, "topic '" + topic + "' is marked for deletion");
        }
        int existing = current.partitionCount();
        if (totalCount <= existing) {
            throw new TributaryException(ErrorCode.INVALID_PARTITIONS, "topic '" + topic + "' has " + existing
                    + " partitions; the new count must be larger, got " + totalCount);
        }
        int rf = current.replicas(0).size();
        SortedMap<Integer, String> live = liveBrokerRacks();
        int leaderOfFirst = current.replicas(0).isEmpty() ? -1 : current.replicas(0).get(0);
        int start = new ArrayList<>(live.keySet()).indexOf(leaderOfFirst);
        SortedMap<Integer, List<Integer>> added = assigner.assign(live, totalCount - existing, rf, existing, start);
        SortedMap<Integer, List<Integer>> all = new TreeMap<>(current.partitions());
        all.putAll(added);
        TopicAssignment next = current.withPartitions(all);
        try {
            client.setData().withVersion(stat.getVersion()).forPath(layout.topicPath(topic), TopicAssignment.CODEC.encode(next));
        } catch (KeeperException.BadVersionException concurrentChange) {
            throw new TributaryException(ErrorCode.REASSIGNMENT_IN_PROGRESS, "topic '" + topic
                    + "' assignment changed concurrently (another partition increase or a reassignment); retry");
        }
        return next;
    }

    /**
     * Requests that each partition move to the given replicas (first = preferred leader). Only one
     * reassignment may be pending at a time, as in Kafka's ZooKeeper mode.
     */
    public void reassignPartitions(Map<TopicPartition, List<Integer>> targets) throws Exception {
        if (targets.isEmpty()) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "reassignment names no partition");
        }
        Set<Integer> live = liveBrokerRacks().keySet();
        for (Map.Entry<TopicPartition, List<Integer>> e : targets.entrySet()) {
            TopicPartition tp = e.getKey();
            TopicAssignment assignment = readAssignment(tp.topic()).orElseThrow(() -> unknownTopic(tp.topic()));
            if (!assignment.partitions().containsKey(tp.partition())) {
                throw new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + tp + " does not exist");
            }
            validateReplicaList(tp, e.getValue(), live);
        }
        try {
            client.create().forPath(layout.reassignPartitionsPath(),
                    PartitionReassignment.CODEC.encode(PartitionReassignment.of(targets)));
        } catch (KeeperException.NodeExistsException pending) {
            throw new TributaryException(ErrorCode.REASSIGNMENT_IN_PROGRESS,
                    "a partition reassignment is already in progress (" + layout.reassignPartitionsPath() + ")");
        }
    }

    /** Requests leadership to move back to each partition's first replica where it is alive and in sync. */
    public void electPreferredLeaders(Collection<TopicPartition> partitions) throws Exception {
        for (TopicPartition tp : partitions) {
            TopicAssignment assignment = readAssignment(tp.topic()).orElseThrow(() -> unknownTopic(tp.topic()));
            if (!assignment.partitions().containsKey(tp.partition())) {
                throw new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + tp + " does not exist");
            }
        }
        try {
            client.create().forPath(layout.preferredReplicaElectionPath(),
                    PreferredReplicaElection.CODEC.encode(PreferredReplicaElection.of(partitions)));
        } catch (KeeperException.NodeExistsException pending) {
            throw new TributaryException(ErrorCode.POLICY_VIOLATION,
                    "a preferred leader election is already in progress (" + layout.preferredReplicaElectionPath() + ")");
        }
    }

    /**
     * Replaces the topic's config overrides (the whole map) and writes a change notification. Values are
     * validated by the broker's config table before this is called.
     */
    public void alterTopicConfig(String topic, Map<String, String> config) throws Exception {
        if (client.checkExists().forPath(layout.topicPath(topic)) == null) {
            throw unknownTopic(topic);
        }
        byte[] doc = EntityConfig.CODEC.encode(new EntityConfig(config));
        List<CuratorOp> ops = new ArrayList<>();
        if (client.checkExists().forPath(layout.topicConfigPath(topic)) == null) {
            ops.add(client.transactionOp().create().forPath(layout.topicConfigPath(topic), doc));
        } else {
            ops.add(client.transactionOp().setData().forPath(layout.topicConfigPath(topic), doc));
        }
        ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(layout.configChangePrefixPath(),
                        ConfigChangeNotification.CODEC.encode(new ConfigChangeNotification("topics/" + topic))));
        client.transaction().forOperations(ops);
    }

    private static void validateExplicitAssignment(SortedMap<Integer, List<Integer>> partitions, Set<Integer> live,
                                                   int firstPartition) {
        if (partitions.isEmpty()) {
            throw new TributaryException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "replica assignment is empty");
        }
        int expected = firstPartition;
        int rf = -1;
        for (Map.Entry<Integer, List<Integer>> e : partitions.entrySet()) {
            if (e.getKey() != expected++) {
                throw new TributaryException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                        "partitions must be numbered consecutively from " + firstPartition + ": " + partitions.keySet());
            }
            if (rf >= 0 && e.getValue().size() != rf) {
                throw new TributaryException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                        "all partitions must have the same number of replicas: " + partitions);
            }
            rf = e.getValue().size();
            validateReplicaList(new TopicPartition("_", e.getKey()), e.getValue(), live);
        }
    }

    private static void validateReplicaList(TopicPartition tp, List<Integer> replicas, Set<Integer> live) {
        if (replicas == null || replicas.isEmpty()) {
            throw new TributaryException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "partition " + tp.partition()
                    + " has no replicas");
        }
        if (new HashSet<>(replicas).size() != replicas.size()) {
            throw new TributaryException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "partition " + tp.partition()
                    + " lists a broker twice: " + replicas);
        }
        for (int broker : replicas) {
            if (!live.contains(broker)) {
                throw new TributaryException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "partition " + tp.partition()
                        + " names broker " + broker + ", which is not a live broker " + live);
            }
        }
    }

    private static TributaryException unknownTopic(String topic) {
        return new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic + "' does not exist");
    }
}
