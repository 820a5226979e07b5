package io.tributary.client.internal;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.TopicMetadata;
import io.tributary.client.Cluster;
import io.tributary.client.Node;
import io.tributary.client.PartitionInfo;
import io.tributary.client.TributaryTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the client's {@link Cluster} snapshot: asks any reachable broker for metadata, trying the brokers it
 * knows and then every bootstrap address in turn, so one broker being down never stops the client. Refreshes
 * happen on demand (a topic not yet known, a leader change) and when the snapshot is older than
 * {@code metadata.max.age.ms}.
 *
 * <p>Thread-safe: the snapshot is an immutable value in an {@link AtomicReference}; refreshes are serialized
 * by the object's monitor so concurrent callers share one round trip's worth of waiting.
 */
public final class MetadataManager implements MetadataSource {
    private static final Logger log = LoggerFactory.getLogger(MetadataManager.class);
    static final long FAILURE_SUMMARY_INTERVAL_MS = 30_000;

    private final ChannelPool channels;
    private final List<HostPort> bootstrap;
    private final long requestTimeoutMs;
    private final long retryBackoffMs;
    private final long metadataMaxAgeMs;
    private final boolean allowAutoTopicCreation;
    private final AtomicReference<Cluster> current = new AtomicReference<>(Cluster.empty());
    private final Set<String> topicsOfInterest = ConcurrentHashMap.newKeySet();
    /**
     * The broker's message of each topic's last error (Cluster keeps only the code): a refusal then names the
     * operation and principal, as in "User:alice is not authorized to Describe Topic 'orders'".
     */
    private final Map<String, String> topicErrorMessages = new ConcurrentHashMap<>();
    private final ExponentialBackoff reconnectBackoff;
    private volatile boolean updateRequested;
    private volatile long lastRefreshAttemptMs;
    private volatile long lastSuccessfulRefreshMs;
    // Failures in a row and what to say about them; guarded by this object's monitor (written in refresh()).
    private int failuresInRow;
    private long firstFailureMs;
    private long lastSummaryMs;
    private volatile long nextAttemptMs;

    public MetadataManager(ChannelPool channels, List<HostPort> bootstrap, long requestTimeoutMs, long retryBackoffMs,
                           ExponentialBackoff reconnectBackoff, long metadataMaxAgeMs, boolean allowAutoTopicCreation) {
        this.channels = channels;
        this.bootstrap = List.copyOf(bootstrap);
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
        this.reconnectBackoff = reconnectBackoff;
        this.metadataMaxAgeMs = metadataMaxAgeMs;
        this.allowAutoTopicCreation = allowAutoTopicCreation;
    }

    @Override
    public Cluster cluster() {
        return current.get();
    }

    /** Asks the next refresh to happen as soon as the backoff allows (after a leader change or a dead broker). */
    @Override
    public void requestUpdate() {
        updateRequested = true;
    }

    public void addTopics(Collection<String> topics) {
        topicsOfInterest.addAll(topics);
    }

    public Set<String> topicsOfInterest() {
        return Collections.unmodifiableSet(topicsOfInterest);
    }

    /**
     * Refreshes if one was requested or the snapshot is stale, and the backoff since the last attempt has passed:
     * retry.backoff.ms after a success, and after failures in a row the growing reconnect backoff, so a client whose
     * brokers are all down neither spins nor floods its log (the first failure is a WARN, the rest DEBUG with a WARN
     * summary every {@value #FAILURE_SUMMARY_INTERVAL_MS} ms, and the recovery is an INFO). Never throws.
     */
    @Override
    public void maybeRefresh(long nowMs) {
        boolean stale = nowMs - lastSuccessfulRefreshMs >= metadataMaxAgeMs;
        if ((updateRequested || stale) && nowMs - lastRefreshAttemptMs >= retryBackoffMs && nowMs >= nextAttemptMs
                && !topicsOfInterest.isEmpty()) {
            try {
                refresh(topicsOfInterest);
            } catch (TributaryException e) {
                logBackgroundFailure(e);
            }
        }
    }

    private synchronized void logBackgroundFailure(TributaryException e) {
        long now = System.currentTimeMillis();
        if (failuresInRow == 1) {
            lastSummaryMs = now;
            log.warn("metadata refresh failed, retrying with backoff up to {} ms (further failures are logged at DEBUG"
                    + " with a summary every {} s): {}", reconnectBackoff.maxMs(), FAILURE_SUMMARY_INTERVAL_MS / 1000,
                    e.getMessage());
        } else if (now - lastSummaryMs >= FAILURE_SUMMARY_INTERVAL_MS) {
            lastSummaryMs = now;
            log.warn("metadata refresh still failing: {} attempts in a row over {} s; last error: {}", failuresInRow,
                    (now - firstFailureMs) / 1000, e.getMessage());
        } else {
            log.debug("metadata refresh failed ({} in a row): {}", failuresInRow, e.getMessage());
        }
    }

    /** Fetches metadata for {@code topics} (empty = all topics) from the first broker that answers and merges it in. */
    public synchronized Cluster refresh(Collection<String> topics) {
        long startMs = System.currentTimeMillis();
        lastRefreshAttemptMs = startMs;
        MetadataRequest request = MetadataRequest.newBuilder().addAllTopics(topics)
                .setAllowAutoTopicCreation(allowAutoTopicCreation && !topics.isEmpty()).build();
        MetadataResponse response;
        try {
            response = callAnyBroker(request);
        } catch (TributaryException e) {
            if (failuresInRow++ == 0) {
                firstFailureMs = startMs;
            }
            nextAttemptMs = System.currentTimeMillis() + reconnectBackoff.backoffMs(failuresInRow);
            throw e;
        }
        if (failuresInRow > 0) {
            log.info("metadata refresh succeeded after {} failed attempts over {} s", failuresInRow,
                    (System.currentTimeMillis() - firstFailureMs) / 1000);
            failuresInRow = 0;
            nextAttemptMs = 0;
        }
        Cluster fresh = toCluster(response);
        for (TopicMetadata t : response.getTopicsList()) {
            if (Errors.isError(t.getError()) && !t.getError().getMessage().isEmpty()) {
                topicErrorMessages.put(t.getName(), t.getError().getMessage());
            } else {
                topicErrorMessages.remove(t.getName());
            }
        }
        Cluster merged = topics.isEmpty() ? fresh : current.get().mergedWith(fresh);
        current.set(merged);
        updateRequested = false;
        lastSuccessfulRefreshMs = System.currentTimeMillis();
        return merged;
    }

    /** Every topic, fetched now (used by admin listing); does not replace the cached per-topic view. */
    public Cluster fetchAll(boolean includeInternal) {
        MetadataRequest request = MetadataRequest.newBuilder().setIncludeInternal(includeInternal).build();
        return toCluster(callAnyBroker(request));
    }

    /**
     * The current metadata if it already knows {@code topic}, else null; never waits or calls a broker. Either way
     * the topic is kept in later refreshes.
     */
    public Cluster cachedWithTopic(String topic) {
        topicsOfInterest.add(topic);
        Cluster cluster = current.get();
        return cluster.partitionCountForTopic(topic) != null ? cluster : null;
    }

    /**
     * Waits until the topic's partitions are known, refreshing as needed.
     *
     * @throws TributaryTimeoutException when the topic is still unknown after {@code maxWaitMs}
     * @throws TributaryException at once for a non-retriable topic error (e.g. an invalid name)
     */
    public Cluster awaitTopic(String topic, long maxWaitMs) {
        Cluster cluster = cachedWithTopic(topic);
        if (cluster != null) {
            return cluster;
        }
        long deadline = System.currentTimeMillis() + maxWaitMs;
        TributaryException last = null;
        while (true) {
            try {
                cluster = refresh(List.of(topic));
                ErrorCode error = cluster.topicError(topic);
                if (cluster.partitionCountForTopic(topic) != null && error == ErrorCode.NONE) {
                    return cluster;
                }
                String detail = topicErrorMessages.getOrDefault(topic, error.description());
                if (error != ErrorCode.NONE && !error.retriable()) {
                    throw new TributaryException(error, "topic " + topic + ": " + error.name() + ": " + detail);
                }
                last = error == ErrorCode.NONE ? null : new TributaryException(error, "topic " + topic + ": " + detail);
            } catch (TributaryException e) {
                if (!e.retriable()) {
                    throw e;
                }
                last = e;
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                String why = last == null ? "" : " (last error: " + last.getMessage() + ")";
                throw new TributaryTimeoutException("topic " + topic + " not present in metadata after " + maxWaitMs + " ms" + why);
            }
            sleep(Math.min(left, retryBackoffMs));
        }
    }

    private MetadataResponse callAnyBroker(MetadataRequest request) {
        ContactAttempt attempt = new ContactAttempt(channels);
        StringBuilder failures = new StringBuilder();
        for (HostPort address : ContactAttempt.candidates(current.get(), bootstrap)) {
            try {
                MetadataResponse response = MetadataGrpc.newBlockingStub(channels.channel(address))
                        .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS)
                        .getMetadata(request);
                attempt.answered();
                return response;
            } catch (RuntimeException e) {
                attempt.failed(address, e);
                TributaryException mapped = Errors.fromThrowable(e);
                log.debug("metadata request to {} failed: {}", address, mapped.getMessage());
                if (failures.length() > 0) {
                    failures.append("; ");
                }
                failures.append(address).append(": ").append(mapped.error().name());
            }
        }
        attempt.throwIfNothingListens();
        throw new TributaryException(ErrorCode.BROKER_NOT_AVAILABLE,
                "no broker answered a metadata request (" + failures + ")");
    }

    static Cluster toCluster(MetadataResponse response) {
        Map<Integer, Node> nodes = new HashMap<>();
        response.getBrokersList().forEach(b -> nodes.put(b.getId(), Node.fromProto(b)));
        Map<String, List<PartitionInfo>> partitions = new HashMap<>();
        Map<String, ErrorCode> errors = new HashMap<>();
        for (TopicMetadata t : response.getTopicsList()) {
            ErrorCode error = Errors.code(t.getError());
            if (error != ErrorCode.NONE || t.getPartitionsCount() == 0) {
                errors.put(t.getName(), error == ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : error);
                continue;
            }
            List<PartitionInfo> list = new ArrayList<>();
            for (PartitionMetadata p : t.getPartitionsList()) {
                int leader = Errors.isError(p.getError()) ? -1 : p.getLeaderId();
                list.add(new PartitionInfo(t.getName(), p.getPartition(), leader, p.getLeaderEpoch(),
                        p.getReplicasList(), p.getIsrList(), p.getOfflineReplicasList()));
            }
            partitions.put(t.getName(), list);
        }
        return new Cluster(response.getClusterId(), response.getControllerId(), nodes, partitions, errors);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TributaryException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for metadata");
        }
    }
}
