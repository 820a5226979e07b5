package io.tributary.broker.replication;

import com.google.protobuf.UnsafeByteOperations;
import io.tributary.api.ErrorCode;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.v1.EpochEndOffset;
import io.tributary.api.v1.EpochQuery;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.OffsetForLeaderEpochResponse;
import io.tributary.api.v1.ReplicaFetchPartition;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicaPartitionData;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.log.LeaderEpochCache;
import io.tributary.broker.log.LogReadInfo;
import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.partition.PartitionWatchers;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;
import io.tributary.coordination.BrokerInfo;
import io.tributary.coordination.ClusterMetadata;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The leader's side of replication: answers followers' fetches (recording each follower's position, which is what
 * moves the high watermark and the ISR) and their leader-epoch queries. A fetch that finds no new data waits, up to
 * its {@code max_wait_ms}, for the next append to one of its partitions.
 *
 * <p>Thread-safe.
 */
public final class ReplicaFetchHandler {
    private static final int MAX_WAIT_MS_LIMIT = 30_000;

    private final PartitionManager partitions;
    private final IsrManager isrManager;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final RequestMetrics.Type stats;
    private final Authorization authorization;

    public ReplicaFetchHandler(PartitionManager partitions, IsrManager isrManager, Executor executor, ScheduledExecutorService timer,
                               RequestMetrics requests, Authorization authorization) {
        this.authorization = authorization;
        this.partitions = partitions;
        this.isrManager = isrManager;
        this.executor = executor;
        this.timer = timer;
        this.stats = requests.type(RequestMetrics.FETCH_FOLLOWER);
    }

    /**
     * Only a broker may replicate: the caller needs ClusterAction on the Cluster (with an authorizer, the brokers'
     * mutual-TLS principal is a super user or holds it), and the replica id it claims must be a registered broker in
     * its current incarnation (checked against ZooKeeper), so a client with topic rights can neither read as a
     * follower nor move a high watermark.
     */
    public void authorize(RequestContext ctx, int replicaId, long brokerEpoch) {
        authorization.requireCluster(ctx, AclOperation.CLUSTER_ACTION);
        ClusterMetadata md = partitions.metadata();
        BrokerInfo broker = md.brokers().get(replicaId);
        if (broker == null || replicaId == partitions.brokerId()) {
            throw new TributaryException(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "replica " + replicaId
                    + " is not a live broker of this cluster; only brokers may call the Replication service");
        }
        if (brokerEpoch != broker.brokerEpoch()) {
            throw new TributaryException(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "broker " + replicaId + " sent broker epoch "
                    + brokerEpoch + " but is registered with " + broker.brokerEpoch() + " (a stale incarnation)");
        }
    }

    /** A follower's fetch; counted as one FetchFollower request, its time including the long-poll wait (as Kafka's). */
    public CompletableFuture<ReplicaFetchResponse> fetch(RequestContext ctx, ReplicaFetchRequest request) {
        long startNanos = System.nanoTime();
        CompletableFuture<ReplicaFetchResponse> response;
        try {
            response = answer(ctx, request);
        } catch (RuntimeException e) {
            stats.error(ErrorProtos.codeOf(e));
            stats.completed(startNanos);
            throw e;
        }
        return response.whenComplete((r, failure) -> {
            if (failure != null) {
                stats.error(ErrorProtos.codeOf(failure instanceof CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure));
            } else {
                for (ReplicaPartitionData d : r.getPartitionsList()) {
                    stats.error(ErrorProtos.codeOf(d.getError()));
                }
            }
            stats.completed(startNanos);
        });
    }

    private CompletableFuture<ReplicaFetchResponse> answer(RequestContext ctx, ReplicaFetchRequest request) {
        authorize(ctx, request.getReplicaId(), request.getBrokerEpoch());
        long now = System.currentTimeMillis();
        for (ReplicaFetchPartition p : request.getPartitionsList()) {
            partitions.partition(new TopicPartition(p.getTopic(), p.getPartition())).ifPresent(partition -> {
                if (partition.isLeader() && partition.state().leaderEpoch() == p.getCurrentLeaderEpoch()) {
                    partition.updateFollowerFetchState(request.getReplicaId(), p.getFetchOffset(), now);
                    isrManager.maybeExpand(partition);
                }
            });
        }
        ReplicaFetchResponse first = read(request);
        int maxWaitMs = Math.min(Math.max(0, request.getMaxWaitMs()), MAX_WAIT_MS_LIMIT);
        if (hasDataOrError(first, request.getMinBytes()) || maxWaitMs == 0) {
            return CompletableFuture.completedFuture(first);
        }
        return new DelayedFetch(request, maxWaitMs).start();
    }

    private static boolean hasDataOrError(ReplicaFetchResponse r, int minBytes) {
        long bytes = 0;
        for (ReplicaPartitionData d : r.getPartitionsList()) {
            if (!d.getError().getCode().isEmpty()) {
                return true;
            }
            bytes += d.getRecords().size();
        }
        return bytes > 0 && bytes >= Math.max(1, minBytes);
    }

    private ReplicaFetchResponse read(ReplicaFetchRequest request) {
        ReplicaFetchResponse.Builder response = ReplicaFetchResponse.newBuilder().setCorrelationId(request.getCorrelationId());
        int budget = request.getMaxBytes() <= 0 ? Integer.MAX_VALUE : request.getMaxBytes();
        boolean first = true;
        for (ReplicaFetchPartition p : request.getPartitionsList()) {
            TopicPartition tp = new TopicPartition(p.getTopic(), p.getPartition());
            ReplicaPartitionData.Builder d = ReplicaPartitionData.newBuilder().setTopic(tp.topic()).setPartition(tp.partition());
            try {
                Partition partition = partitions.leaderPartition(tp, OptionalInt.of(p.getCurrentLeaderEpoch()));
                int max = Math.min(budget, p.getPartitionMaxBytes() <= 0 ? Integer.MAX_VALUE : p.getPartitionMaxBytes());
                LogReadInfo info = partition.readForFollower(p.getFetchOffset(), Math.max(0, max), first);
                d.setHighWatermark(info.highWatermark()).setLogStartOffset(info.logStartOffset()).setLogEndOffset(info.logEndOffset());
                if (info.records().hasRemaining()) {
                    int size = info.records().remaining();
                    d.setRecords(UnsafeByteOperations.unsafeWrap(info.records()));
                    budget -= size;
                    first = false;
                }
            } catch (TributaryException e) {
                d.setError(ErrorProtos.toProto(e));
                if (e instanceof OffsetOutOfRangeException oor) {
                    d.setLogStartOffset(oor.logStartOffset()).setLogEndOffset(oor.logEndOffset());
                }
            }
            response.addPartitions(d);
        }
        return response.build();
    }

    public OffsetForLeaderEpochResponse offsetForLeaderEpoch(RequestContext ctx, OffsetForLeaderEpochRequest request) {
        authorization.requireCluster(ctx, AclOperation.CLUSTER_ACTION);
        OffsetForLeaderEpochResponse.Builder response = OffsetForLeaderEpochResponse.newBuilder();
        for (EpochQuery q : request.getPartitionsList()) {
            TopicPartition tp = new TopicPartition(q.getTopic(), q.getPartition());
            EpochEndOffset.Builder r = EpochEndOffset.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                    .setLeaderEpoch(LeaderEpochCache.UNDEFINED_EPOCH).setEndOffset(LeaderEpochCache.UNDEFINED_OFFSET);
            try {
                Partition partition = partitions.leaderPartition(tp, OptionalInt.of(q.getCurrentLeaderEpoch()));
                LeaderEpochCache.EpochEndOffset end = partition.log().leaderEpochCache()
                        .endOffsetFor(q.getLeaderEpoch(), partition.log().logEndOffset());
                r.setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
            } catch (TributaryException e) {
                r.setError(ErrorProtos.toProto(e));
            }
            response.addPartitions(r);
        }
        return response.build();
    }

    /** A fetch parked until one of its partitions gets an append, or its wait runs out. */
    private final class DelayedFetch implements PartitionWatchers.Watcher {
        private final ReplicaFetchRequest request;
        private final int maxWaitMs;
        private final CompletableFuture<ReplicaFetchResponse> result = new CompletableFuture<>();
        private final AtomicBoolean done = new AtomicBoolean();

        DelayedFetch(ReplicaFetchRequest request, int maxWaitMs) {
            this.request = request;
            this.maxWaitMs = maxWaitMs;
        }

        CompletableFuture<ReplicaFetchResponse> start() {
            for (ReplicaFetchPartition p : request.getPartitionsList()) {
                partitions.appendWatchers().watch(new TopicPartition(p.getTopic(), p.getPartition()), this);
            }
            // An append between the first read and the registration would otherwise wait out the timer.
            executor.execute(() -> tryComplete(false));
            timer.schedule(() -> executor.execute(() -> tryComplete(true)), maxWaitMs, TimeUnit.MILLISECONDS);
            return result;
        }

        @Override
        public void onDataAvailable(TopicPartition tp) {
            executor.execute(() -> tryComplete(false));
        }

        private void tryComplete(boolean expired) {
            if (done.get()) {
                return;
            }
            ReplicaFetchResponse r;
            try {
                r = read(request);
            } catch (RuntimeException e) {
                if (done.compareAndSet(false, true)) {
                    unwatch();
                    result.completeExceptionally(e);
                }
                return;
            }
            if ((expired || hasDataOrError(r, request.getMinBytes())) && done.compareAndSet(false, true)) {
                unwatch();
                result.complete(r);
            } else if (!expired) {
                for (ReplicaFetchPartition p : request.getPartitionsList()) {
                    partitions.appendWatchers().watch(new TopicPartition(p.getTopic(), p.getPartition()), this);
                }
            }
        }

        private void unwatch() {
            for (ReplicaFetchPartition p : request.getPartitionsList()) {
                partitions.appendWatchers().unwatch(new TopicPartition(p.getTopic(), p.getPartition()), this);
            }
        }
    }
}
