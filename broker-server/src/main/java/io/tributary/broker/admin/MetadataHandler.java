package io.tributary.broker.admin;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourceType;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.TopicMetadata;
import io.tributary.broker.cluster.MetadataViews;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.log.TimestampAndOffset;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.TopicNames;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Answers metadata and offset lookups from the broker's cluster cache and its own logs. Thread-safe. */
public final class MetadataHandler {
    public static final long LATEST_TIMESTAMP = -1L;
    public static final long EARLIEST_TIMESTAMP = -2L;

    private final PartitionManager partitions;
    private final TopicAutoCreator autoCreator;
    private final Authorization authorization;

    public MetadataHandler(PartitionManager partitions, TopicAutoCreator autoCreator, Authorization authorization) {
        this.partitions = partitions;
        this.autoCreator = autoCreator;
        this.authorization = authorization;
    }

    /**
     * Brokers are described by their addresses on the listener the request came in on. Only topics the caller may
     * Describe are listed; a named topic it may not is TOPIC_AUTHORIZATION_FAILED whether or not it exists (so
     * names do not leak), and auto-creation also needs Create on the Cluster or the topic.
     */
    public MetadataResponse metadata(RequestContext ctx, MetadataRequest request) {
        String listener = ctx.listener();
        ClusterMetadata md = partitions.metadata();
        MetadataResponse.Builder response = MetadataResponse.newBuilder()
                .setClusterId(md.clusterId() == null ? "" : md.clusterId())
                .setControllerId(md.controllerId())
                .addAllBrokers(MetadataViews.brokers(md, listener));
        if (request.getTopicsCount() == 0) {
            for (io.tributary.coordination.TopicMetadata t : md.topics().values()) {
                if (!t.pendingDeletion() && (request.getIncludeInternal() || !MetadataViews.isInternal(t.name()))
                        && authorization.topic(ctx, AclOperation.DESCRIBE, t.name())) {
                    response.addTopics(MetadataViews.topic(md, t));
                }
            }
            return response.build();
        }
        for (String name : request.getTopicsList()) {
            TopicMetadata.Builder missing = TopicMetadata.newBuilder().setName(name);
            try {
                TopicNames.validate(name);
                if (!authorization.topic(ctx, AclOperation.DESCRIBE, name)) {
                    throw Authorization.denied(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
                }
                Optional<io.tributary.coordination.TopicMetadata> t = md.topic(name).filter(x -> !x.pendingDeletion());
                if (t.isPresent()) {
                    response.addTopics(MetadataViews.topic(md, t.get()));
                    continue;
                }
                if (request.getAllowAutoTopicCreation()
                        && (authorization.cluster(ctx, AclOperation.CREATE) || authorization.topic(ctx, AclOperation.CREATE, name))
                        && autoCreator.maybeCreate(name)) {
                    missing.setError(ErrorProtos.toProto(ErrorCode.LEADER_NOT_AVAILABLE, "topic '" + name
                            + "' is being created (auto.create.topics.enable); retry shortly"));
                } else {
                    missing.setError(ErrorProtos.toProto(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist"));
                }
            } catch (TributaryException e) {
                missing.setError(ErrorProtos.toProto(e));
            }
            response.addTopics(missing);
        }
        return response.build();
    }

    /** Needs Describe on each partition's topic. */
    public ListOffsetsResponse listOffsets(RequestContext ctx, ListOffsetsRequest request) {
        ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder();
        for (ListOffsetsPartition p : request.getPartitionsList()) {
            if (!authorization.topic(ctx, AclOperation.DESCRIBE, p.getTopic())) {
                response.addPartitions(ListOffsetsResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition())
                        .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1).setLogStartOffset(-1).setLogEndOffset(-1)
                        .setHighWatermark(-1).setError(ErrorProtos.toProto(
                                Authorization.denied(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, p.getTopic()))));
                continue;
            }
            response.addPartitions(listOffset(p));
        }
        return response.build();
    }

    private ListOffsetsResult listOffset(ListOffsetsPartition p) {
        ListOffsetsResult.Builder r = ListOffsetsResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition())
                .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1).setLogStartOffset(-1).setLogEndOffset(-1).setHighWatermark(-1);
        try {
            if (p.getPartition() < 0) {
                throw new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + p.getPartition() + " does not exist");
            }
            TopicPartition tp = new TopicPartition(p.getTopic(), p.getPartition());
            OptionalInt epoch = p.hasCurrentLeaderEpoch() ? OptionalInt.of(p.getCurrentLeaderEpoch()) : OptionalInt.empty();
            Partition partition = partitions.leaderPartition(tp, epoch);
            PartitionLog log = partition.log();
            long hw = log.highWatermark();
            r.setLeaderEpoch(partition.state().leaderEpoch()).setLogStartOffset(log.logStartOffset())
                    .setLogEndOffset(log.logEndOffset()).setHighWatermark(hw);
            long ts = p.getTimestamp();
            if (ts == LATEST_TIMESTAMP) {
                r.setOffset(hw);
            } else if (ts == EARLIEST_TIMESTAMP) {
                r.setOffset(log.logStartOffset());
            } else if (ts < 0) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "timestamp must be -1 (latest), -2 (earliest) or >= 0, got " + ts);
            } else {
                Optional<TimestampAndOffset> found = log.offsetForTimestamp(ts).filter(f -> f.offset() < hw);
                found.ifPresent(f -> r.setOffset(f.offset()).setTimestamp(f.timestamp()));
            }
        } catch (TributaryException e) {
            r.setError(ErrorProtos.toProto(e));
        }
        return r.build();
    }

    /** Offsets of many partitions of this broker: used by DescribeTopics for the partitions led here. */
    List<ListOffsetsResult> localOffsets(List<ListOffsetsPartition> partitionsToAsk) {
        return partitionsToAsk.stream().map(this::listOffset).toList();
    }
}
