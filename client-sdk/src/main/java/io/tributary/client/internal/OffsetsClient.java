package io.tributary.client.internal;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.client.Cluster;
import io.tributary.client.Node;
import io.tributary.client.TributaryTimeoutException;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * ListOffsets by partition leader: groups the partitions by their leader, asks each leader once, and retries
 * partitions whose leader moved (after a metadata refresh) until the time budget runs out.
 *
 * <p>Thread-safe (stateless beyond the shared, thread-safe metadata and channels).
 */
public final class OffsetsClient {
    public static final long LATEST = -1L;
    public static final long EARLIEST = -2L;

    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final long requestTimeoutMs;
    private final long retryBackoffMs;

    public OffsetsClient(ChannelPool channels, MetadataManager metadata, long requestTimeoutMs, long retryBackoffMs) {
        this.channels = channels;
        this.metadata = metadata;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
    }

    /**
     * @param timestamps per partition: {@link #LATEST}, {@link #EARLIEST}, or a time in ms since the epoch
     * @throws TributaryException for a non-retriable partition error; {@link TributaryTimeoutException} when retriable
     *     failures outlast {@code timeoutMs}
     */
    public Map<TopicPartition, ListOffsetsResult> listOffsets(Map<TopicPartition, Long> timestamps, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Map<TopicPartition, ListOffsetsResult> done = new HashMap<>();
        Set<String> topics = new HashSet<>();
        timestamps.keySet().forEach(tp -> topics.add(tp.topic()));
        for (String t : topics) {
            metadata.awaitTopic(t, Math.max(1, deadline - System.currentTimeMillis()));
        }
        TributaryException lastError = null;
        while (done.size() < timestamps.size()) {
            Cluster cluster = metadata.cluster();
            Map<Node, ListOffsetsRequest.Builder> byLeader = new HashMap<>();
            boolean missingLeader = false;
            for (Map.Entry<TopicPartition, Long> e : timestamps.entrySet()) {
                if (done.containsKey(e.getKey())) {
                    continue;
                }
                if (cluster.partition(e.getKey()) == null && cluster.partitionCountForTopic(e.getKey().topic()) != null) {
                    throw new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + e.getKey() + " does not exist");
                }
                Node leader = cluster.leaderFor(e.getKey());
                if (leader == null) {
                    missingLeader = true;
                    continue;
                }
                byLeader.computeIfAbsent(leader, n -> ListOffsetsRequest.newBuilder()).addPartitions(ListOffsetsPartition.newBuilder()
                        .setTopic(e.getKey().topic()).setPartition(e.getKey().partition()).setTimestamp(e.getValue()));
            }
            boolean retry = missingLeader;
            for (Map.Entry<Node, ListOffsetsRequest.Builder> e : byLeader.entrySet()) {
                long left = deadline - System.currentTimeMillis();
                try {
                    ListOffsetsResponse response = MetadataGrpc.newBlockingStub(channels.channel(e.getKey()))
                            .withDeadlineAfter(Math.max(1, Math.min(requestTimeoutMs, left)), TimeUnit.MILLISECONDS)
                            .listOffsets(e.getValue().build());
                    for (ListOffsetsResult r : response.getPartitionsList()) {
                        TopicPartition tp = new TopicPartition(r.getTopic(), r.getPartition());
                        if (!Errors.isError(r.getError())) {
                            done.put(tp, r);
                            continue;
                        }
                        TributaryException ex = Errors.toException(r.getError(), "list offsets of " + tp);
                        if (!ex.retriable()) {
                            throw ex;
                        }
                        lastError = ex;
                        retry = true;
                    }
                } catch (RuntimeException callFailure) {
                    TributaryException ex = Errors.fromThrowable(callFailure);
                    if (!ex.retriable()) {
                        throw ex;
                    }
                    lastError = ex;
                    retry = true;
                }
            }
            if (retry && done.size() < timestamps.size()) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new TributaryTimeoutException("listing offsets timed out after " + timeoutMs + " ms"
                            + (lastError == null ? " (no leader known)" : " (last error: " + lastError.getMessage() + ")"));
                }
                sleep(Math.min(left, retryBackoffMs));
                try {
                    metadata.refresh(List.copyOf(topics));
                } catch (TributaryException refreshFailed) {
                    lastError = refreshFailed;
                }
            }
        }
        return done;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new io.tributary.client.InterruptException("interrupted while listing offsets", e);
        }
    }
}
