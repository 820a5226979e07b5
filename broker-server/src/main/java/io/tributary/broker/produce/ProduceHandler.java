package io.tributary.broker.produce;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourceType;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.TimestampType;
import io.tributary.api.v1.BatchData;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProduceResponse;
import io.tributary.broker.admin.TopicAutoCreator;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.group.OffsetsTopic;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.metrics.TopicTraffic;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;
import io.tributary.coordination.TopicNames;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Handles produce requests: validates them, appends to the partitions this broker leads, and completes once the
 * requested acknowledgement holds (acks=1: appended; acks=all: every in-sync replica has it, bounded by the
 * request's timeout; plus fsync first when {@code log.flush.before.ack.enable}). Partitions fail independently;
 * nothing is appended for a partition whose data fails validation.
 *
 * <p>Thread-safe; called concurrently by request threads.
 */
public final class ProduceHandler {
    private final PartitionManager partitions;
    private final LogManager logManager;
    private final long defaultTimeoutMs;
    private final TopicAutoCreator autoCreator;
    private final TopicTraffic traffic;
    private final RequestMetrics.Type stats;
    private final Authorization authorization;

    /**
     * @param defaultTimeoutMs how long acks=all waits when a request names no timeout ({@code request.timeout.ms})
     */
    public ProduceHandler(PartitionManager partitions, LogManager logManager, long defaultTimeoutMs, TopicAutoCreator autoCreator,
                          TopicTraffic traffic, RequestMetrics requests, Authorization authorization) {
        this.partitions = partitions;
        this.logManager = logManager;
        this.defaultTimeoutMs = defaultTimeoutMs;
        this.autoCreator = autoCreator;
        this.traffic = traffic;
        this.stats = requests.type(RequestMetrics.PRODUCE);
        this.authorization = authorization;
    }

    /**
     * Validates the request as a whole; a failure here fails the call (INVALID_REQUIRED_ACKS, INVALID_REQUEST).
     */
    public static void validateRequest(ProduceRequest request) {
        int acks = request.getAcks();
        if (acks != 0 && acks != 1 && acks != -1) {
            throw new TributaryException(ErrorCode.INVALID_REQUIRED_ACKS, "acks=" + acks + " is not valid: use 0, 1 or -1 (all)");
        }
        if (request.getTimeoutMs() < 0) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "timeout_ms must be >= 0, got " + request.getTimeoutMs());
        }
        if (request.getPartitionsCount() == 0) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "a produce request needs at least one partition");
        }
    }

    /**
     * Validates the request, then appends every partition's data the caller may Write; the future completes with
     * one result per partition, in request order (TOPIC_AUTHORIZATION_FAILED for the others, nothing appended).
     *
     * @throws TributaryException at once when the request as a whole is invalid ({@link #validateRequest})
     */
    public CompletableFuture<ProduceResponse> produce(RequestContext ctx, ProduceRequest request) {
        long startNanos = System.nanoTime();
        try {
            validateRequest(request);
        } catch (TributaryException e) {
            stats.error(e.error());
            stats.completed(startNanos);
            throw e;
        }
        int acks = request.getAcks();
        long timeoutMs = request.getTimeoutMs() == 0 ? defaultTimeoutMs : request.getTimeoutMs();
        List<CompletableFuture<PartitionProduceResult>> results = new ArrayList<>(request.getPartitionsCount());
        for (PartitionProduceData data : request.getPartitionsList()) {
            results.add(produceOne(ctx, data, acks, timeoutMs));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            ProduceResponse.Builder response = ProduceResponse.newBuilder().setCorrelationId(request.getCorrelationId());
            for (CompletableFuture<PartitionProduceResult> r : results) {
                PartitionProduceResult result = r.join();
                stats.error(ErrorProtos.codeOf(result.getError()));
                response.addPartitions(result);
            }
            stats.completed(startNanos);
            return response.build();
        });
    }

    private CompletableFuture<PartitionProduceResult> produceOne(RequestContext ctx, PartitionProduceData data, int acks, long timeoutMs) {
        String topic = data.getTopic();
        PartitionProduceResult.Builder result = PartitionProduceResult.newBuilder().setTopic(topic)
                .setPartition(data.getPartition()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
        TopicPartition tp;
        Partition partition;
        LogAppendInfo info;
        try {
            TopicNames.validate(topic);
            if (!authorization.topic(ctx, AclOperation.WRITE, topic)) {
                throw Authorization.denied(ctx, AclOperation.WRITE, ResourceType.TOPIC, topic);
            }
            if (topic.equals(OffsetsTopic.NAME)) {
                throw new TributaryException(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "topic '" + topic + "' is internal: "
                        + "only group coordinators write it; commit offsets with Groups/CommitOffsets");
            }
            if (data.getPartition() < 0) {
                throw new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + data.getPartition() + " does not exist");
            }
            tp = new TopicPartition(topic, data.getPartition());
            ByteBuffer records = recordsOf(data);
            OptionalInt epoch = data.hasCurrentLeaderEpoch() ? OptionalInt.of(data.getCurrentLeaderEpoch()) : OptionalInt.empty();
            partition = servingOrAutoCreate(ctx, tp);
            // Leadership and the client's epoch are checked once, by the append, under the partition's lock.
            info = partition.appendAsLeader(records, epoch, acks == -1);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(result.setError(ErrorProtos.toProto(e)).build());
        }
        if (!info.duplicate()) {
            traffic.appended(topic, info.recordCount(), info.sizeInBytes());
        }
        result.setBaseOffset(info.firstOffset()).setLogAppendTimeMs(info.logAppendTimeMs()).setLogStartOffset(info.logStartOffset());
        long nextOffset = info.lastOffset() + 1;
        CompletableFuture<Void> acknowledged = CompletableFuture.completedFuture(null);
        if (acks == -1) {
            acknowledged = partition.awaitHighWatermark(nextOffset).copy();
        }
        if (logManager.flushBeforeAck()) {
            CompletableFuture<Void> durable = logManager.awaitDurable(partition.log(), nextOffset);
            acknowledged = acknowledged.thenCombine(durable, (a, b) -> null);
        }
        if (acknowledged.isDone() && !acknowledged.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(result.build());
        }
        long waitStartNanos = System.nanoTime();
        return acknowledged.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).handle((ok, failure) -> {
            stats.remote(System.nanoTime() - waitStartNanos);
            if (failure == null) {
                return result.build();
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof TimeoutException) {
                cause = new TributaryException(ErrorCode.REQUEST_TIMED_OUT, "appended at offset " + info.firstOffset()
                        + " but not acknowledged by every in-sync replica of " + tp + " within " + timeoutMs + " ms");
            }
            return result.setError(ErrorProtos.toProto(cause)).build();
        });
    }

    private Partition servingOrAutoCreate(RequestContext ctx, TopicPartition tp) {
        try {
            return partitions.servingPartition(tp);
        } catch (TributaryException e) {
            if (e.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && partitions.metadata().topic(tp.topic()).isEmpty()
                    && mayCreate(authorization, ctx, tp.topic()) && autoCreator.maybeCreate(tp.topic())) {
                throw new TributaryException(ErrorCode.LEADER_NOT_AVAILABLE, "topic '" + tp.topic()
                        + "' was just created (auto.create.topics.enable); its leaders are being elected, retry shortly");
            }
            throw e;
        }
    }

    /** Creating a topic takes Create on the Cluster or on the topic, as in Kafka. */
    static boolean mayCreate(Authorization authorization, RequestContext ctx, String topic) {
        return authorization.cluster(ctx, AclOperation.CREATE) || authorization.topic(ctx, AclOperation.CREATE, topic);
    }

    /** The request's batches as a writable buffer the log may stamp offsets into. */
    static ByteBuffer recordsOf(PartitionProduceData data) {
        switch (data.getDataCase()) {
            case RECORDS -> {
                ByteBuffer copy = ByteBuffer.allocate(data.getRecords().size());
                data.getRecords().copyTo(copy);
                return copy.flip();
            }
            case BATCH -> {
                return assemble(data.getBatch());
            }
            default -> throw new TributaryException(ErrorCode.INVALID_RECORD, "partition " + data.getTopic() + "-"
                    + data.getPartition() + " carries neither records nor batch");
        }
    }

    static ByteBuffer assemble(BatchData b) {
        Compression compression = Compression.forId(b.getCompressionValue());
        if (compression == null) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "unknown compression " + b.getCompressionValue());
        }
        if (b.getRecordCount() < 1) {
            throw new TributaryException(ErrorCode.INVALID_RECORD, "record_count must be >= 1, got " + b.getRecordCount());
        }
        if (b.getMaxTimestamp() < b.getFirstTimestamp()) {
            throw new TributaryException(ErrorCode.INVALID_TIMESTAMP, "max_timestamp " + b.getMaxTimestamp()
                    + " is before first_timestamp " + b.getFirstTimestamp());
        }
        long producerId = RecordBatch.NO_PRODUCER_ID;
        short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
        int baseSequence = RecordBatch.NO_SEQUENCE;
        if (b.hasProducer()) {
            producerId = b.getProducer().getProducerId();
            producerEpoch = (short) b.getProducer().getProducerEpoch();
            baseSequence = b.getProducer().getBaseSequence();
        }
        return RecordBatch.assemble(compression, TimestampType.CREATE_TIME, b.getRecordCount(), b.getFirstTimestamp(),
                b.getMaxTimestamp(), producerId, producerEpoch, baseSequence, b.getRecordsBody().asReadOnlyByteBuffer());
    }
}
