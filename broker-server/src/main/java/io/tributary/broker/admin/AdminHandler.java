package io.tributary.broker.admin;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;
import io.tributary.api.v1.AlterConfigsRequest;
import io.tributary.api.v1.AlterConfigsResponse;
import io.tributary.api.v1.ConfigEntry;
import io.tributary.api.v1.ConfigResource;
import io.tributary.api.v1.ConfigSource;
import io.tributary.api.v1.CreatePartitionsRequest;
import io.tributary.api.v1.CreatePartitionsResponse;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.CreateTopicsResponse;
import io.tributary.api.v1.DeleteTopicsRequest;
import io.tributary.api.v1.DeleteTopicsResponse;
import io.tributary.api.v1.DescribeClusterResponse;
import io.tributary.api.v1.DescribeConfigsRequest;
import io.tributary.api.v1.DescribeConfigsResponse;
import io.tributary.api.v1.DescribeTopicsRequest;
import io.tributary.api.v1.DescribeTopicsResponse;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.ListTopicsRequest;
import io.tributary.api.v1.ListTopicsResponse;
import io.tributary.api.v1.NewTopic;
import io.tributary.api.v1.PartitionIncrease;
import io.tributary.api.v1.PartitionOffsets;
import io.tributary.api.v1.ResourceAlteration;
import io.tributary.api.v1.ResourceConfigs;
import io.tributary.api.v1.ResourceType;
import io.tributary.api.v1.TopicDescription;
import io.tributary.api.v1.TopicResult;
import io.tributary.broker.cluster.PeerClient;
import io.tributary.broker.cluster.MetadataViews;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;
import io.tributary.coordination.BrokerInfo;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.TopicAdmin;
import io.tributary.coordination.TopicAssignment;
import io.tributary.coordination.TopicMetadata;
import io.tributary.coordination.TopicNames;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Administrative operations, callable on any broker: they validate here and write their requests to ZooKeeper,
 * where the controller picks them up. Calls that can wait ({@code timeout_ms}) wait for the controller's result to
 * show in this broker's metadata cache. Thread-safe.
 */
public final class AdminHandler {
    private static final long WAIT_POLL_MS = 20;
    private static final long PEER_CALL_TIMEOUT_MS = 5_000;

    private final PartitionManager partitions;
    private final Supplier<TopicAdmin> topicAdmin;
    private final BrokerConfig config;
    private final MetadataHandler metadataHandler;
    private final PeerClient peers;
    private final Authorization authorization;

    /**
     * @param config the whole broker configuration, not a slice: DescribeConfigs shows every broker setting and the
     *     topic defaults, and CreateTopics applies those defaults
     */
    public AdminHandler(PartitionManager partitions, Supplier<TopicAdmin> topicAdmin, BrokerConfig config,
                        MetadataHandler metadataHandler, PeerClient peers, Authorization authorization) {
        this.authorization = authorization;
        this.partitions = partitions;
        this.topicAdmin = topicAdmin;
        this.config = config;
        this.metadataHandler = metadataHandler;
        this.peers = peers;
    }

    /** Each topic needs Create on the Cluster or on the topic (and DescribeConfigs is not needed for its configs). */
    public CreateTopicsResponse createTopics(RequestContext ctx, CreateTopicsRequest request) {
        CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
        List<String> created = new ArrayList<>();
        for (NewTopic t : request.getTopicsList()) {
            TopicResult.Builder r = TopicResult.newBuilder().setName(t.getName());
            try {
                if (!authorization.mayCreateTopic(ctx, t.getName())) {
                    throw Authorization.deniedTopic(ctx, AclOperation.CREATE, t.getName());
                }
                TopicAdmin.NewTopic spec = validateNewTopic(t);
                if (!request.getValidateOnly()) {
                    TopicAssignment a = topicAdmin.get().createTopic(spec);
                    r.setTopicId(a.topicId());
                    created.add(t.getName());
                }
            } catch (Exception e) {
                r.setError(ErrorProtos.toProto(domain(e)));
            }
            response.addTopics(r);
        }
        if (!created.isEmpty() && request.getTimeoutMs() > 0) {
            waitUntil(request.getTimeoutMs(), () -> created.stream().allMatch(this::allPartitionsHaveLeaders));
        }
        return response.build();
    }

    private TopicAdmin.NewTopic validateNewTopic(NewTopic t) {
        TopicNames.validate(t.getName());
        int partitionCount = t.getNumPartitions() == -1 ? config.numPartitions() : t.getNumPartitions();
        if (partitionCount < 1) {
            throw new TributaryException(ErrorCode.INVALID_PARTITIONS, "num_partitions must be >= 1 (or -1 for the broker default "
                    + config.numPartitions() + "), got " + t.getNumPartitions());
        }
        int rf = t.getReplicationFactor() == -1 ? config.defaultReplicationFactor() : t.getReplicationFactor();
        if (rf < 1) {
            throw new TributaryException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication_factor must be >= 1 (or -1 for the broker default "
                    + config.defaultReplicationFactor() + "), got " + t.getReplicationFactor());
        }
        ClusterMetadata md = partitions.metadata();
        if (md.topic(t.getName()).isPresent()) {
            throw new TributaryException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + t.getName() + "' already exists");
        }
        int live = md.liveBrokerIds().size();
        if (rf > live) {
            throw new TributaryException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor " + rf
                    + " is larger than the " + live + " live broker(s)");
        }
        validateTopicConfig(t.getConfigsMap());
        return new TopicAdmin.NewTopic(t.getName(), partitionCount, rf).withConfigs(Map.copyOf(t.getConfigsMap()));
    }

    private void validateTopicConfig(Map<String, String> overrides) {
        try {
            config.logConfigFor(overrides);
        } catch (ConfigException e) {
            throw new TributaryException(ErrorCode.INVALID_CONFIG, e.getMessage());
        }
    }

    private boolean allPartitionsHaveLeaders(String topic) {
        Optional<TopicMetadata> t = partitions.metadata().topic(topic);
        return t.isPresent() && !t.get().partitions().isEmpty()
                && t.get().partitions().size() == t.get().assignment().partitionCount()
                && t.get().partitions().values().stream().allMatch(p -> p.leader() >= 0);
    }

    /** Each topic needs Delete on it. */
    public DeleteTopicsResponse deleteTopics(RequestContext ctx, DeleteTopicsRequest request) {
        DeleteTopicsResponse.Builder response = DeleteTopicsResponse.newBuilder();
        List<String> deleting = new ArrayList<>();
        for (String name : request.getNamesList()) {
            TopicResult.Builder r = TopicResult.newBuilder().setName(name);
            try {
                TopicNames.validate(name);
                authorization.requireTopic(ctx, AclOperation.DELETE, name);
                topicAdmin.get().deleteTopic(name);
                deleting.add(name);
            } catch (Exception e) {
                r.setError(ErrorProtos.toProto(domain(e)));
            }
            response.addTopics(r);
        }
        if (!deleting.isEmpty() && request.getTimeoutMs() > 0) {
            waitUntil(request.getTimeoutMs(), () -> deleting.stream().allMatch(n -> partitions.metadata().topic(n).isEmpty()));
        }
        return response.build();
    }

    /** Only topics the caller may Describe. */
    public ListTopicsResponse listTopics(RequestContext ctx, ListTopicsRequest request) {
        ListTopicsResponse.Builder r = ListTopicsResponse.newBuilder();
        for (TopicMetadata t : partitions.metadata().topics().values()) {
            if (!t.pendingDeletion() && (request.getIncludeInternal() || !MetadataViews.isInternal(t.name()))
                    && authorization.topic(ctx, AclOperation.DESCRIBE, t.name())) {
                r.addNames(t.name());
            }
        }
        return r.build();
    }

    /** All topics: those the caller may Describe; a named one it may not fails the call, whether or not it exists. */
    public DescribeTopicsResponse describeTopics(RequestContext ctx, DescribeTopicsRequest request) {
        ClusterMetadata md = partitions.metadata();
        List<TopicMetadata> topics = new ArrayList<>();
        if (request.getNamesCount() == 0) {
            for (TopicMetadata t : md.topics().values()) {
                if (!t.pendingDeletion() && (request.getIncludeInternal() || !MetadataViews.isInternal(t.name()))
                        && authorization.topic(ctx, AclOperation.DESCRIBE, t.name())) {
                    topics.add(t);
                }
            }
        } else {
            for (String name : request.getNamesList()) {
                authorization.requireTopic(ctx, AclOperation.DESCRIBE, name);
                TopicMetadata t = md.topic(name).filter(x -> !x.pendingDeletion()).orElseThrow(() ->
                        new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist"));
                topics.add(t);
            }
        }
        Map<String, PartitionOffsets> offsets = offsetsOf(md, topics);
        DescribeTopicsResponse.Builder response = DescribeTopicsResponse.newBuilder();
        for (TopicMetadata t : topics) {
            TopicDescription.Builder d = TopicDescription.newBuilder().setMetadata(MetadataViews.topic(md, t));
            for (int p : t.partitions().keySet()) {
                PartitionOffsets o = offsets.get(t.name() + "-" + p);
                d.addOffsets(o != null ? o : PartitionOffsets.newBuilder().setPartition(p).setLogStartOffset(-1)
                        .setLogEndOffset(-1).setHighWatermark(-1)
                        .setError(ErrorProtos.toProto(ErrorCode.LEADER_NOT_AVAILABLE, "no live leader to ask")).build());
            }
            response.addTopics(d);
        }
        return response.build();
    }

    /** Asks each partition's leader (itself, or a peer over gRPC) for the partition's log offsets. */
    private Map<String, PartitionOffsets> offsetsOf(ClusterMetadata md, List<TopicMetadata> topics) {
        Map<Integer, List<ListOffsetsPartition>> byLeader = new HashMap<>();
        for (TopicMetadata t : topics) {
            t.partitions().forEach((p, pm) -> {
                if (pm.leader() >= 0) {
                    byLeader.computeIfAbsent(pm.leader(), k -> new ArrayList<>()).add(ListOffsetsPartition.newBuilder()
                            .setTopic(t.name()).setPartition(p).setTimestamp(MetadataHandler.LATEST_TIMESTAMP).build());
                }
            });
        }
        Map<String, PartitionOffsets> result = new HashMap<>();
        for (Map.Entry<Integer, List<ListOffsetsPartition>> e : byLeader.entrySet()) {
            List<ListOffsetsResult> answers;
            if (e.getKey() == partitions.brokerId()) {
                answers = metadataHandler.localOffsets(e.getValue());
            } else {
                BrokerInfo peer = md.brokers().get(e.getKey());
                if (peer == null) {
                    continue;
                }
                try {
                    answers = peers.listOffsets(peer, ListOffsetsRequest.newBuilder().addAllPartitions(e.getValue()).build(),
                            PEER_CALL_TIMEOUT_MS).getPartitionsList();
                } catch (TributaryException unreachable) {
                    continue;
                }
            }
            for (ListOffsetsResult r : answers) {
                PartitionOffsets.Builder o = PartitionOffsets.newBuilder().setPartition(r.getPartition())
                        .setLogStartOffset(r.getLogStartOffset()).setLogEndOffset(r.getLogEndOffset()).setHighWatermark(r.getHighWatermark());
                if (r.hasError() && !r.getError().getCode().isEmpty()) {
                    o.setError(r.getError());
                }
                result.put(r.getTopic() + "-" + r.getPartition(), o.build());
            }
        }
        return result;
    }

    /** Each topic needs Alter on it. */
    public CreatePartitionsResponse createPartitions(RequestContext ctx, CreatePartitionsRequest request) {
        CreatePartitionsResponse.Builder response = CreatePartitionsResponse.newBuilder();
        List<PartitionIncrease> done = new ArrayList<>();
        for (PartitionIncrease inc : request.getTopicsList()) {
            TopicResult.Builder r = TopicResult.newBuilder().setName(inc.getTopic());
            try {
                authorization.requireTopic(ctx, AclOperation.ALTER, inc.getTopic());
                TopicMetadata t = partitions.metadata().topic(inc.getTopic()).orElseThrow(() ->
                        new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + inc.getTopic() + "' does not exist"));
                if (inc.getTotalCount() <= t.assignment().partitionCount()) {
                    throw new TributaryException(ErrorCode.INVALID_PARTITIONS, "topic '" + inc.getTopic() + "' has "
                            + t.assignment().partitionCount() + " partitions; the new count must be larger, got " + inc.getTotalCount());
                }
                if (!request.getValidateOnly()) {
                    topicAdmin.get().createPartitions(inc.getTopic(), inc.getTotalCount());
                    done.add(inc);
                }
            } catch (Exception e) {
                r.setError(ErrorProtos.toProto(domain(e)));
            }
            response.addTopics(r);
        }
        if (!done.isEmpty() && request.getTimeoutMs() > 0) {
            waitUntil(request.getTimeoutMs(), () -> done.stream().allMatch(inc -> allPartitionsHaveLeaders(inc.getTopic())
                    && partitions.metadata().topic(inc.getTopic()).get().partitions().size() >= inc.getTotalCount()));
        }
        return response.build();
    }

    /** DescribeConfigs on the topic, or on the Cluster for a broker's settings. */
    public DescribeConfigsResponse describeConfigs(RequestContext ctx, DescribeConfigsRequest request) {
        DescribeConfigsResponse.Builder response = DescribeConfigsResponse.newBuilder();
        for (ConfigResource resource : request.getResourcesList()) {
            ResourceConfigs.Builder rc = ResourceConfigs.newBuilder().setResource(resource);
            try {
                requireConfigs(ctx, AclOperation.DESCRIBE_CONFIGS, resource);
                rc.addAllEntries(describe(resource));
            } catch (RuntimeException e) {
                rc.setError(ErrorProtos.toProto(e));
            }
            response.addResources(rc);
        }
        return response.build();
    }

    private List<ConfigEntry> describe(ConfigResource resource) {
        List<ConfigEntry> entries = new ArrayList<>();
        if (resource.getType() == ResourceType.RESOURCE_TYPE_TOPIC) {
            TopicMetadata t = partitions.metadata().topic(resource.getName()).orElseThrow(() ->
                    new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + resource.getName() + "' does not exist"));
            Map<String, Object> defaults = config.topicDefaults();
            Map<String, String> brokerKeyFor = brokerKeysOfTopicDefaults();
            for (ConfigDef.Key key : LogConfig.DEFINITION.keys()) {
                String override = t.config().get(key.name());
                ConfigSource source;
                String value;
                if (override != null) {
                    source = ConfigSource.CONFIG_SOURCE_DYNAMIC;
                    value = override;
                } else {
                    String brokerKey = brokerKeyFor.get(key.name());
                    source = brokerKey != null && config.originals().containsKey(brokerKey)
                            ? ConfigSource.CONFIG_SOURCE_STATIC_BROKER : ConfigSource.CONFIG_SOURCE_DEFAULT;
                    value = String.valueOf(defaults.getOrDefault(key.name(), key.defaultValue()));
                }
                entries.add(ConfigEntry.newBuilder().setName(key.name()).setValue(value).setSource(source)
                        .setDocumentation(key.doc()).build());
            }
        } else if (resource.getType() == ResourceType.RESOURCE_TYPE_BROKER) {
            int id = parseBrokerId(resource.getName());
            if (id != partitions.brokerId()) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "broker configs are described by the broker itself: ask broker "
                        + id + " (this is broker " + partitions.brokerId() + ")");
            }
            for (ConfigDef.Key key : BrokerConfig.DEFINITION.keys()) {
                Object v = config.values().get(key.name());
                boolean sensitive = key.type() == ConfigDef.Type.PASSWORD;
                entries.add(ConfigEntry.newBuilder().setName(key.name()).setValue(v == null || sensitive ? "" : String.valueOf(v))
                        .setSensitive(sensitive)
                        .setSource(config.originals().containsKey(key.name()) ? ConfigSource.CONFIG_SOURCE_STATIC_BROKER
                                : ConfigSource.CONFIG_SOURCE_DEFAULT)
                        .setReadOnly(true).setDocumentation(key.doc()).build());
            }
        } else {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "resource type must be TOPIC or BROKER");
        }
        return entries;
    }

    /** Which server.properties key supplies each topic-level default, to tell STATIC_BROKER from DEFAULT. */
    private static Map<String, String> brokerKeysOfTopicDefaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(LogConfig.SEGMENT_BYTES, BrokerConfig.LOG_SEGMENT_BYTES);
        m.put(LogConfig.RETENTION_BYTES, BrokerConfig.LOG_RETENTION_BYTES);
        m.put(LogConfig.INDEX_INTERVAL_BYTES, BrokerConfig.LOG_INDEX_INTERVAL_BYTES);
        m.put(LogConfig.SEGMENT_INDEX_BYTES, BrokerConfig.LOG_INDEX_SIZE_MAX_BYTES);
        m.put(LogConfig.FLUSH_MESSAGES, BrokerConfig.LOG_FLUSH_INTERVAL_MESSAGES);
        m.put(LogConfig.FLUSH_MS, BrokerConfig.LOG_FLUSH_INTERVAL_MS);
        m.put(LogConfig.MAX_MESSAGE_BYTES, BrokerConfig.MESSAGE_MAX_BYTES);
        m.put(LogConfig.MESSAGE_TIMESTAMP_TYPE, BrokerConfig.LOG_MESSAGE_TIMESTAMP_TYPE);
        m.put(LogConfig.MIN_IN_SYNC_REPLICAS, BrokerConfig.MIN_INSYNC_REPLICAS);
        m.put(LogConfig.UNCLEAN_LEADER_ELECTION_ENABLE, BrokerConfig.UNCLEAN_LEADER_ELECTION_ENABLE);
        m.put(LogConfig.FILE_DELETE_DELAY_MS, BrokerConfig.LOG_SEGMENT_DELETE_DELAY_MS);
        m.put(LogConfig.RETENTION_MS, BrokerConfig.LOG_RETENTION_HOURS);
        m.put(LogConfig.SEGMENT_MS, BrokerConfig.LOG_ROLL_HOURS);
        m.put(LogConfig.PRODUCER_ID_EXPIRATION_MS, BrokerConfig.PRODUCER_ID_EXPIRATION_MS);
        m.put(LogConfig.CLEANUP_POLICY, BrokerConfig.LOG_CLEANUP_POLICY);
        m.put(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, BrokerConfig.LOG_CLEANER_MIN_CLEANABLE_RATIO);
        m.put(LogConfig.DELETE_RETENTION_MS, BrokerConfig.LOG_CLEANER_DELETE_RETENTION_MS);
        m.put(LogConfig.MIN_COMPACTION_LAG_MS, BrokerConfig.LOG_CLEANER_MIN_COMPACTION_LAG_MS);
        m.put(LogConfig.MAX_COMPACTION_LAG_MS, BrokerConfig.LOG_CLEANER_MAX_COMPACTION_LAG_MS);
        return m;
    }

    private static int parseBrokerId(String name) {
        try {
            return Integer.parseInt(name.trim());
        } catch (NumberFormatException e) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "broker resource name must be a broker id, got '" + name + "'");
        }
    }

    /** AlterConfigs on the topic (or the Cluster for a broker, whose settings are static here). */
    public AlterConfigsResponse alterConfigs(RequestContext ctx, AlterConfigsRequest request) {
        AlterConfigsResponse.Builder response = AlterConfigsResponse.newBuilder();
        for (ResourceAlteration alteration : request.getResourcesList()) {
            ResourceConfigs.Builder rc = ResourceConfigs.newBuilder().setResource(alteration.getResource());
            try {
                ConfigResource resource = alteration.getResource();
                requireConfigs(ctx, AclOperation.ALTER_CONFIGS, resource);
                if (resource.getType() != ResourceType.RESOURCE_TYPE_TOPIC) {
                    throw new TributaryException(ErrorCode.INVALID_REQUEST, "only topic configs can be altered at run time; "
                            + "broker settings come from server.properties");
                }
                TopicMetadata t = partitions.metadata().topic(resource.getName()).orElseThrow(() ->
                        new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + resource.getName() + "' does not exist"));
                Map<String, String> next = new LinkedHashMap<>(t.config());
                next.putAll(alteration.getSetMap());
                for (String key : alteration.getDeleteList()) {
                    next.remove(key);
                }
                validateTopicConfig(next);
                if (!request.getValidateOnly()) {
                    topicAdmin.get().alterTopicConfig(resource.getName(), next);
                }
            } catch (Exception e) {
                rc.setError(ErrorProtos.toProto(domain(e)));
            }
            response.addResources(rc);
        }
        return response.build();
    }

    private void requireConfigs(RequestContext ctx, AclOperation op, ConfigResource resource) {
        if (resource.getType() == ResourceType.RESOURCE_TYPE_BROKER) {
            authorization.requireCluster(ctx, op);
        } else {
            authorization.requireTopic(ctx, op, resource.getName());
        }
    }

    /**
     * Open to every caller, as Kafka's DescribeCluster is; brokers are described by their addresses on the listener
     * the request came in on.
     */
    public DescribeClusterResponse describeCluster(RequestContext ctx) {
        String listener = ctx.listener();
        ClusterMetadata md = partitions.metadata();
        return DescribeClusterResponse.newBuilder().setClusterId(md.clusterId() == null ? "" : md.clusterId())
                .setControllerId(md.controllerId()).addAllBrokers(MetadataViews.brokers(md, listener)).build();
    }

    private static void waitUntil(long timeoutMs, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(WAIT_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** ZooKeeper calls throw checked exceptions; keep domain errors, wrap the rest. */
    private static RuntimeException domain(Exception e) {
        if (e instanceof RuntimeException re) {
            return re;
        }
        if (e instanceof org.apache.zookeeper.KeeperException.ConnectionLossException
                || e instanceof org.apache.zookeeper.KeeperException.SessionExpiredException) {
            return new TributaryException(ErrorCode.BROKER_NOT_AVAILABLE, "ZooKeeper is unreachable from this broker; retry: " + e.getMessage(), e);
        }
        return new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "ZooKeeper operation failed: " + e, e);
    }
}
