package io.tributary.client.admin;

import io.grpc.ManagedChannel;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.AlterConfigsRequest;
import io.tributary.api.v1.CreatePartitionsRequest;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.DeleteTopicsRequest;
import io.tributary.api.v1.DescribeClusterRequest;
import io.tributary.api.v1.DescribeClusterResponse;
import io.tributary.api.v1.DescribeConfigsRequest;
import io.tributary.api.v1.DescribeTopicsRequest;
import io.tributary.api.v1.DescribeTopicsResponse;
import io.tributary.api.v1.ListTopicsRequest;
import io.tributary.api.v1.PartitionIncrease;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.PartitionOffsets;
import io.tributary.api.v1.ResourceAlteration;
import io.tributary.api.v1.ResourceConfigs;
import io.tributary.api.v1.ResourceType;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.api.v1.TopicResult;
import io.tributary.client.Node;
import io.tributary.client.TributaryTimeoutException;
import io.tributary.client.config.AdminConfig;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.ContactAttempt;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.GroupsClient;
import io.tributary.client.internal.HostPort;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.internal.OffsetsClient;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Cluster administration: topics, partitions, configs, cluster description, offsets, consumer groups (list,
 * describe, delete, committed offsets; {@link ConsumerGroupsAdmin}), ACLs and SCRAM credentials ({@link SecurityAdmin}).
 * Every method blocks until
 * the cluster answers or {@code default.api.timeout.ms} passes; each gRPC call has a deadline of
 * {@code request.timeout.ms}, and a broker that cannot be reached is skipped for the next one. Per-topic
 * outcomes are returned, not thrown, so a batch operation reports each topic.
 *
 * <p>Thread-safe.
 */
public final class TributaryAdmin implements AutoCloseable {
    private final AdminConfig config;
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final OffsetsClient offsets;
    private final ConsumerGroupsAdmin consumerGroups;
    private final SecurityAdmin security;
    private final List<HostPort> bootstrap;

    public TributaryAdmin(Properties props) {
        this(new AdminConfig(props));
    }

    public TributaryAdmin(Map<String, ?> props) {
        this(new AdminConfig(props));
    }

    public TributaryAdmin(AdminConfig config) {
        this.config = config;
        this.bootstrap = config.bootstrapServers();
        String clientId = config.clientId().isEmpty() ? "admin" : config.clientId();
        this.channels = new ChannelPool(64 * 1024 * 1024, clientId, config.tls(), config.sasl(), config.requestTimeoutMs());
        this.metadata = new MetadataManager(channels, bootstrap, config.requestTimeoutMs(), config.retryBackoffMs(),
                config.reconnectBackoff(), config.metadataMaxAgeMs(), false);
        this.offsets = new OffsetsClient(channels, metadata, config.requestTimeoutMs(), config.retryBackoffMs());
        GroupsClient groups = new GroupsClient(channels, metadata, bootstrap, config.requestTimeoutMs(), config.retryBackoffMs());
        this.consumerGroups = new ConsumerGroupsAdmin(groups, () -> describeCluster().brokers(), config.defaultApiTimeoutMs(),
                config.retryBackoffMs());
        this.security = new SecurityAdmin(this::securityCall);
    }

    public Map<String, TopicOutcome> createTopics(Collection<NewTopic> topics, boolean validateOnly) {
        CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder().setValidateOnly(validateOnly)
                .setTimeoutMs(config.requestTimeoutMs());
        for (NewTopic t : topics) {
            request.addTopics(io.tributary.api.v1.NewTopic.newBuilder().setName(t.name()).setNumPartitions(t.numPartitions())
                    .setReplicationFactor(t.replicationFactor()).putAllConfigs(t.configs()));
        }
        return outcomes(call(stub -> stub.createTopics(request.build())).getTopicsList(), "create topic");
    }

    /** Creates one topic; throws its error. */
    public void createTopic(NewTopic topic) {
        createTopics(List.of(topic), false).get(topic.name()).throwIfFailed();
    }

    public Map<String, TopicOutcome> deleteTopics(Collection<String> names) {
        DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder().addAllNames(names).setTimeoutMs(config.requestTimeoutMs()).build();
        return outcomes(call(stub -> stub.deleteTopics(request)).getTopicsList(), "delete topic");
    }

    public Set<String> listTopics(boolean includeInternal) {
        ListTopicsRequest request = ListTopicsRequest.newBuilder().setIncludeInternal(includeInternal).build();
        return Collections.unmodifiableSet(new TreeSet<>(call(stub -> stub.listTopics(request)).getNamesList()));
    }

    /** Describes the named topics (all when empty), each partition with its log offsets. */
    public Map<String, TopicDescription> describeTopics(Collection<String> names) {
        DescribeTopicsRequest request = DescribeTopicsRequest.newBuilder().addAllNames(names).build();
        DescribeTopicsResponse response = call(stub -> stub.describeTopics(request));
        Map<String, TopicDescription> out = new LinkedHashMap<>();
        for (io.tributary.api.v1.TopicDescription d : response.getTopicsList()) {
            var md = d.getMetadata();
            Map<Integer, PartitionOffsets> byPartition = new HashMap<>();
            d.getOffsetsList().forEach(o -> byPartition.put(o.getPartition(), o));
            List<PartitionDescription> partitions = new ArrayList<>();
            for (PartitionMetadata p : md.getPartitionsList()) {
                PartitionOffsets o = byPartition.get(p.getPartition());
                boolean known = o != null && !Errors.isError(o.getError());
                partitions.add(new PartitionDescription(p.getPartition(), p.getLeaderId(), p.getLeaderEpoch(), p.getReplicasList(),
                        p.getIsrList(), p.getOfflineReplicasList(), known ? o.getLogStartOffset() : -1,
                        known ? o.getLogEndOffset() : -1, known ? o.getHighWatermark() : -1));
            }
            partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            TributaryException error = Errors.isError(md.getError()) ? Errors.toException(md.getError(), "topic " + md.getName()) : null;
            out.put(md.getName(), new TopicDescription(md.getName(), md.getTopicId(), md.getInternal(), partitions, error));
        }
        return out;
    }

    /** Raises each topic's partition count to the given total. */
    public Map<String, TopicOutcome> createPartitions(Map<String, Integer> totalCounts) {
        CreatePartitionsRequest.Builder request = CreatePartitionsRequest.newBuilder().setTimeoutMs(config.requestTimeoutMs());
        totalCounts.forEach((t, n) -> request.addTopics(PartitionIncrease.newBuilder().setTopic(t).setTotalCount(n)));
        return outcomes(call(stub -> stub.createPartitions(request.build())).getTopicsList(), "increase partitions of");
    }

    public Map<ConfigResource, ResourceConfig> describeConfigs(Collection<ConfigResource> resources) {
        DescribeConfigsRequest.Builder request = DescribeConfigsRequest.newBuilder();
        resources.forEach(r -> request.addResources(toProto(r)));
        return configs(call(stub -> stub.describeConfigs(request.build())).getResourcesList());
    }

    public Map<ConfigResource, ResourceConfig> alterConfigs(Map<ConfigResource, ConfigAlteration> alterations, boolean validateOnly) {
        AlterConfigsRequest.Builder request = AlterConfigsRequest.newBuilder().setValidateOnly(validateOnly);
        alterations.forEach((r, a) -> request.addResources(ResourceAlteration.newBuilder().setResource(toProto(r))
                .putAllSet(a.set()).addAllDelete(a.delete())));
        return configs(call(stub -> stub.alterConfigs(request.build())).getResourcesList());
    }

    public ClusterDescription describeCluster() {
        DescribeClusterResponse response = call(stub -> stub.describeCluster(DescribeClusterRequest.getDefaultInstance()));
        List<Node> brokers = new ArrayList<>();
        response.getBrokersList().forEach(b -> brokers.add(Node.fromProto(b)));
        brokers.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return new ClusterDescription(response.getClusterId(), response.getControllerId(), brokers);
    }

    /** Offsets by spec, asked of each partition's leader. */
    public Map<TopicPartition, ListedOffset> listOffsets(Map<TopicPartition, OffsetSpec> specs) {
        Map<TopicPartition, Long> timestamps = new HashMap<>();
        specs.forEach((tp, s) -> timestamps.put(tp, s.timestamp()));
        Map<TopicPartition, ListedOffset> out = new HashMap<>();
        offsets.listOffsets(timestamps, config.defaultApiTimeoutMs()).forEach((tp, r) -> out.put(tp, new ListedOffset(r.getOffset(),
                r.getTimestamp(), r.getLeaderEpoch(), r.getLogStartOffset(), r.getLogEndOffset(), r.getHighWatermark())));
        return out;
    }

    /** Every consumer group of the cluster, sorted by id: each broker's ListGroups, merged. */
    public List<ConsumerGroupListing> listConsumerGroups() {
        return consumerGroups.list();
    }

    /**
     * Describes groups as their coordinators see them: state, assignor, generation, coordinator, members with their
     * assignments. A group that does not exist is returned with state "Dead" and a GROUP_ID_NOT_FOUND error.
     */
    public Map<String, ConsumerGroupDescription> describeConsumerGroups(Collection<String> groupIds) {
        return consumerGroups.describe(groupIds);
    }

    /** Deletes empty groups and their committed offsets; NON_EMPTY_GROUP or GROUP_ID_NOT_FOUND per group otherwise. */
    public Map<String, GroupOutcome> deleteConsumerGroups(Collection<String> groupIds) {
        return consumerGroups.delete(groupIds);
    }

    /** Every committed offset of a group (partitions without a commit are absent). */
    public Map<TopicPartition, OffsetAndMetadata> listConsumerGroupOffsets(String groupId) {
        return consumerGroups.listOffsets(groupId);
    }

    /**
     * Sets a group's committed offsets from outside the group (member "" and generation -1).
     *
     * @throws TributaryException NON_EMPTY_GROUP / UNKNOWN_MEMBER_ID while the group has members, or a partition's error
     */
    public void alterConsumerGroupOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        consumerGroups.alterOffsets(groupId, offsets);
    }

    /**
     * Creates ACLs (Kafka's {@code createAcls}); one outcome per binding, in order. A binding that already exists
     * succeeds. Needs Alter on the Cluster.
     *
     * @throws TributaryException CLUSTER_AUTHORIZATION_FAILED, or SECURITY_DISABLED when the brokers have no authorizer
     */
    public List<AclCreation> createAcls(Collection<AclBinding> bindings) {
        return security.createAcls(bindings);
    }

    /**
     * Deletes every ACL each filter matches (Kafka's {@code deleteAcls}); one result per filter, in order, with the
     * bindings it deleted. Needs Alter on the Cluster.
     *
     * @throws TributaryException CLUSTER_AUTHORIZATION_FAILED or SECURITY_DISABLED
     */
    public List<AclDeletion> deleteAcls(Collection<AclBindingFilter> filters) {
        return security.deleteAcls(filters);
    }

    /**
     * The ACLs a filter matches ({@link AclBindingFilter#ANY}: all). Needs Describe on the Cluster.
     *
     * @throws TributaryException CLUSTER_AUTHORIZATION_FAILED or SECURITY_DISABLED
     */
    public List<AclBinding> describeAcls(AclBindingFilter filter) {
        return security.describeAcls(filter);
    }

    /**
     * The SCRAM credentials of {@code users} (every user that has one when empty): mechanism and iteration count
     * only. A user without credentials comes back with RESOURCE_NOT_FOUND.
     */
    public Map<String, UserScramCredentialsDescription> describeUserScramCredentials(List<String> users) {
        return security.describeUserScramCredentials(users);
    }

    /**
     * Sets and deletes SCRAM credentials (Kafka's {@code alterUserScramCredentials}). For an upsertion this client
     * draws a 32-byte random salt and sends {@code Hi(password, salt, iterations)}, never the password. One outcome
     * per user named.
     */
    public Map<String, UserOutcome> alterUserScramCredentials(List<UserScramCredentialAlteration> alterations) {
        return security.alterUserScramCredentials(alterations);
    }

    @Override
    public void close() {
        channels.close(1_000);
    }

    /**
     * Runs a unary admin call against the first broker that answers, retrying the failures worth retrying (see
     * {@link #worthRetrying}) on the next broker, with backoff once all were tried, until default.api.timeout.ms.
     */
    private <T> T call(Function<AdminGrpc.AdminBlockingStub, T> rpc) {
        return callAnyBroker((channel, timeoutMs) -> rpc.apply(AdminGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)));
    }

    /** As {@link #call}, for the Security service. */
    private <T> T securityCall(Function<SecurityGrpc.SecurityBlockingStub, T> rpc) {
        return callAnyBroker((channel, timeoutMs) -> rpc.apply(SecurityGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)));
    }

    /** {@code rpc} gets a broker's channel and the deadline its call may have, in ms. */
    private <T> T callAnyBroker(BiFunction<ManagedChannel, Long, T> rpc) {
        long deadline = System.currentTimeMillis() + config.defaultApiTimeoutMs();
        TributaryException last = null;
        while (true) {
            ContactAttempt attempt = new ContactAttempt(channels);
            for (HostPort address : ContactAttempt.candidates(metadata.cluster(), bootstrap)) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                ManagedChannel channel = channels.channel(address);
                try {
                    T answer = rpc.apply(channel, Math.min(left, config.requestTimeoutMs()));
                    attempt.answered();
                    return answer;
                } catch (RuntimeException e) {
                    TributaryException mapped = Errors.fromThrowable(e);
                    if (!worthRetrying(mapped)) {
                        throw mapped;
                    }
                    attempt.failed(address, e);
                    last = mapped;
                }
            }
            attempt.throwIfNothingListens();
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new TributaryTimeoutException("admin request timed out after " + config.defaultApiTimeoutMs() + " ms"
                        + (last == null ? "" : ": " + last.getMessage()));
            }
            try {
                Thread.sleep(Math.min(left, config.retryBackoffMs()));
            } catch (InterruptedException e) {
                throw new io.tributary.client.InterruptException("interrupted during an admin request", e);
            }
        }
    }

    /**
     * Whether another broker, or the same one a moment later, may answer differently. Admin requests are served from
     * the broker's view of the cluster, so an answer about the data (an unknown topic, a bad config) is final even
     * when the catalogue calls the code retriable for producers and consumers (there it may mean stale metadata).
     * What is retried: a broker that cannot be reached or timed out, one that is not the controller or not ready.
     */
    static boolean worthRetrying(TributaryException e) {
        if (!e.retriable()) {
            return false;
        }
        return switch (e.error()) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, FENCED_LEADER_EPOCH,
                    UNKNOWN_LEADER_EPOCH, REBALANCE_IN_PROGRESS -> false;
            default -> true;
        };
    }

    private static Map<String, TopicOutcome> outcomes(List<TopicResult> results, String what) {
        Map<String, TopicOutcome> out = new LinkedHashMap<>();
        for (TopicResult r : results) {
            TributaryException e = Errors.isError(r.getError()) ? Errors.toException(r.getError(), what + " " + r.getName()) : null;
            out.put(r.getName(), new TopicOutcome(r.getName(), r.getTopicId(), e));
        }
        return out;
    }

    private static io.tributary.api.v1.ConfigResource toProto(ConfigResource r) {
        return io.tributary.api.v1.ConfigResource.newBuilder()
                .setType(r.type() == ConfigResource.Type.TOPIC ? ResourceType.RESOURCE_TYPE_TOPIC : ResourceType.RESOURCE_TYPE_BROKER)
                .setName(r.name()).build();
    }

    private static Map<ConfigResource, ResourceConfig> configs(List<ResourceConfigs> list) {
        Map<ConfigResource, ResourceConfig> out = new LinkedHashMap<>();
        for (ResourceConfigs rc : list) {
            ConfigResource resource = new ConfigResource(rc.getResource().getType() == ResourceType.RESOURCE_TYPE_BROKER
                    ? ConfigResource.Type.BROKER : ConfigResource.Type.TOPIC, rc.getResource().getName());
            List<ConfigEntry> entries = new ArrayList<>();
            rc.getEntriesList().forEach(e -> entries.add(new ConfigEntry(e.getName(), e.getValue(),
                    e.getSource().name().replace("CONFIG_SOURCE_", ""), e.getReadOnly(), e.getDocumentation())));
            TributaryException error = Errors.isError(rc.getError()) ? Errors.toException(rc.getError(), "config of " + resource.name()) : null;
            out.put(resource, new ResourceConfig(resource, entries, error));
        }
        return out;
    }
}
