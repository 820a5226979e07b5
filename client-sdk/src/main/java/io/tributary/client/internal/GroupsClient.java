package io.tributary.client.internal;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.CoordinatorResult;
import io.tributary.api.v1.FetchOffsetsRequest;
import io.tributary.api.v1.FetchOffsetsResponse;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.FindCoordinatorResponse;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.OffsetCommitResult;
import io.tributary.api.v1.TopicPartitions;
import io.tributary.client.Node;
import io.tributary.client.TributaryTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The unary calls of the {@code Groups} service, shared by the consumer and the admin client: finds each group's
 * coordinator (FindCoordinator on any broker, cached until a call says it moved) and runs calls on it, retrying
 * retriable failures (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, an unreachable
 * broker, a timed-out request) with a fresh lookup and {@code retry.backoff.ms} between rounds, until the caller's
 * deadline. Every call has a deadline of at most {@code request.timeout.ms}.
 *
 * <p>Thread-safe: the coordinator cache is a concurrent map; everything else is immutable.
 */
public final class GroupsClient {
    private static final Logger log = LoggerFactory.getLogger(GroupsClient.class);

    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final List<HostPort> bootstrap;
    private final long requestTimeoutMs;
    private final long retryBackoffMs;
    private final Map<String, Node> coordinators = new ConcurrentHashMap<>();

    public GroupsClient(ChannelPool channels, MetadataManager metadata, List<HostPort> bootstrap, long requestTimeoutMs,
                        long retryBackoffMs) {
        this.channels = channels;
        this.metadata = metadata;
        this.bootstrap = List.copyOf(bootstrap);
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
    }

    /**
     * The group's coordinator, from the cache or asked of any broker.
     *
     * @throws TributaryTimeoutException when no coordinator is known by {@code deadlineMs}
     * @throws TributaryException at once for a non-retriable error (e.g. INVALID_GROUP_ID)
     */
    public Node coordinator(String groupId, long deadlineMs) {
        Node cached = coordinators.get(groupId);
        if (cached != null) {
            return cached;
        }
        return coordinators(List.of(groupId), deadlineMs).get(groupId);
    }

    /** Coordinators of several groups with one FindCoordinator round per retry. */
    public Map<String, Node> coordinators(Collection<String> groupIds, long deadlineMs) {
        Map<String, Node> out = new LinkedHashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        for (String g : groupIds) {
            Node n = coordinators.get(g);
            if (n != null) {
                out.put(g, n);
            } else {
                missing.add(g);
            }
        }
        TributaryException last = null;
        while (!missing.isEmpty()) {
            try {
                FindCoordinatorResponse response = callAnyBroker(deadlineMs,
                        stub -> stub.findCoordinator(FindCoordinatorRequest.newBuilder().addAllGroupIds(missing).build()));
                for (CoordinatorResult r : response.getCoordinatorsList()) {
                    if (!missing.contains(r.getGroupId())) {
                        continue;
                    }
                    if (Errors.isError(r.getError())) {
                        TributaryException e = Errors.toException(r.getError(), "find coordinator of group " + r.getGroupId());
                        if (!e.retriable()) {
                            throw e;
                        }
                        last = e;
                        continue;
                    }
                    Node node = Node.fromProto(r.getNode());
                    coordinators.put(r.getGroupId(), node);
                    out.put(r.getGroupId(), node);
                    missing.remove(r.getGroupId());
                }
            } catch (TributaryException e) {
                if (!e.retriable() || e instanceof TributaryTimeoutException) {
                    throw e;
                }
                last = e;
            }
            if (!missing.isEmpty()) {
                backoff(deadlineMs, "finding the coordinator of " + missing, last);
            }
        }
        return out;
    }

    /** Forgets a group's coordinator after a call said it is not (or no longer) the coordinator. */
    public void invalidateCoordinator(String groupId) {
        if (coordinators.remove(groupId) != null) {
            log.debug("coordinator of group {} moved or is unavailable; will look it up again", groupId);
        }
    }

    /**
     * Runs {@code rpc} on the group's coordinator; a retriable whole-call failure invalidates the cached coordinator
     * and retries after the backoff, until {@code deadlineMs}.
     */
    public <T> T callCoordinator(String groupId, long deadlineMs, Function<GroupsGrpc.GroupsBlockingStub, T> rpc) {
        TributaryException last = null;
        while (true) {
            try {
                Node node = coordinator(groupId, deadlineMs);
                return callNode(node, deadlineMs, rpc);
            } catch (TributaryException e) {
                if (!e.retriable() || e instanceof TributaryTimeoutException) {
                    throw e;
                }
                invalidateCoordinator(groupId);
                last = e;
            }
            backoff(deadlineMs, "calling the coordinator of group " + groupId, last);
        }
    }

    /** One call to one broker with a deadline of min(request.timeout.ms, time left); failures mapped to the catalogue. */
    public <T> T callNode(Node node, long deadlineMs, Function<GroupsGrpc.GroupsBlockingStub, T> rpc) {
        long left = deadlineMs - System.currentTimeMillis();
        if (left <= 0) {
            throw new TributaryTimeoutException("no time left to call broker " + node);
        }
        try {
            return rpc.apply(GroupsGrpc.newBlockingStub(channels.channel(node))
                    .withDeadlineAfter(Math.min(left, requestTimeoutMs), TimeUnit.MILLISECONDS));
        } catch (RuntimeException e) {
            throw Errors.fromThrowable(e);
        }
    }

    /**
     * Committed offsets of a group (all of them when {@code partitions} is empty); partitions without a commit are
     * left out. Retries retriable errors until {@code deadlineMs}.
     */
    public Map<TopicPartition, CommittedOffset> fetchOffsets(String groupId, Collection<TopicPartition> partitions, long deadlineMs) {
        FetchOffsetsRequest request = FetchOffsetsRequest.newBuilder().setGroupId(groupId).addAllPartitions(byTopic(partitions)).build();
        TributaryException last = null;
        while (true) {
            FetchOffsetsResponse response = callCoordinator(groupId, deadlineMs, stub -> stub.fetchOffsets(request));
            Map<TopicPartition, CommittedOffset> out = new HashMap<>();
            boolean retry = false;
            for (CommittedOffset c : response.getOffsetsList()) {
                TopicPartition tp = new TopicPartition(c.getTopic(), c.getPartition());
                if (Errors.isError(c.getError())) {
                    TributaryException e = Errors.toException(c.getError(), "fetch committed offset of " + tp + " for group " + groupId);
                    if (!e.retriable()) {
                        throw e;
                    }
                    if (isCoordinatorError(e.error())) {
                        invalidateCoordinator(groupId);
                    }
                    last = e;
                    retry = true;
                } else if (c.getOffset() >= 0) {
                    out.put(tp, c);
                }
            }
            if (!retry) {
                return out;
            }
            backoff(deadlineMs, "fetching committed offsets of group " + groupId, last);
        }
    }

    /**
     * Commits offsets, resending partitions that failed retriably until {@code deadlineMs}.
     *
     * @return each partition's final error (null when committed); whole-call non-retriable
     *     failures are thrown
     */
    public Map<TopicPartition, TributaryException> commitOffsets(CommitOffsetsRequest request, long deadlineMs) {
        Map<TopicPartition, TributaryException> outcome = new TreeMap<>();
        Map<TopicPartition, OffsetCommit> pending = new LinkedHashMap<>();
        request.getOffsetsList().forEach(o -> pending.put(new TopicPartition(o.getTopic(), o.getPartition()), o));
        TributaryException last = null;
        while (true) {
            CommitOffsetsRequest attempt = request.toBuilder().clearOffsets().addAllOffsets(pending.values()).build();
            CommitOffsetsResponse response = callCoordinator(request.getGroupId(), deadlineMs, stub -> stub.commitOffsets(attempt));
            for (OffsetCommitResult r : response.getResultsList()) {
                TopicPartition tp = new TopicPartition(r.getTopic(), r.getPartition());
                if (!pending.containsKey(tp)) {
                    continue;
                }
                if (!Errors.isError(r.getError())) {
                    outcome.put(tp, null);
                    pending.remove(tp);
                    continue;
                }
                TributaryException e = Errors.toException(r.getError(), "commit offset of " + tp + " for group " + request.getGroupId());
                if (e.retriable() && System.currentTimeMillis() < deadlineMs) {
                    if (isCoordinatorError(e.error())) {
                        invalidateCoordinator(request.getGroupId());
                    }
                    last = e;
                } else {
                    outcome.put(tp, e);
                    pending.remove(tp);
                }
            }
            if (pending.isEmpty()) {
                return outcome;
            }
            if (response.getResultsCount() == 0) {
                // An answer that names no partition tells nothing about them: fail them rather than report success.
                pending.keySet().forEach(tp -> outcome.put(tp, new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "the coordinator returned no result for " + tp)));
                return outcome;
            }
            backoff(deadlineMs, "committing offsets of group " + request.getGroupId(), last);
        }
    }

    /** Runs a call on the first broker that answers: known brokers, then every bootstrap address. */
    public <T> T callAnyBroker(long deadlineMs, Function<GroupsGrpc.GroupsBlockingStub, T> rpc) {
        ContactAttempt attempt = new ContactAttempt(channels);
        TributaryException last = null;
        for (HostPort address : ContactAttempt.candidates(metadata.cluster(), bootstrap)) {
            long left = deadlineMs - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            try {
                T answer = rpc.apply(GroupsGrpc.newBlockingStub(channels.channel(address))
                        .withDeadlineAfter(Math.min(left, requestTimeoutMs), TimeUnit.MILLISECONDS));
                attempt.answered();
                return answer;
            } catch (RuntimeException e) {
                TributaryException mapped = Errors.fromThrowable(e);
                if (!mapped.retriable()) {
                    throw mapped;
                }
                attempt.failed(address, e);
                log.debug("groups request to {} failed: {}", address, mapped.getMessage());
                last = mapped;
            }
        }
        if (last == null) {
            throw new TributaryTimeoutException("no time left to ask a broker");
        }
        attempt.throwIfNothingListens();
        throw last;
    }

    /** Whether an error means the group's coordinator is elsewhere or not ready, so it must be looked up again. */
    public static boolean isCoordinatorError(ErrorCode code) {
        return code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE
                || code == ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code == ErrorCode.BROKER_NOT_AVAILABLE
                || code == ErrorCode.NETWORK_EXCEPTION || code == ErrorCode.REQUEST_TIMED_OUT;
    }

    /** Partitions grouped by topic, as the Groups messages carry them. */
    public static List<TopicPartitions> byTopic(Collection<TopicPartition> partitions) {
        Map<String, TopicPartitions.Builder> out = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            out.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition());
        }
        List<TopicPartitions> list = new ArrayList<>();
        out.values().forEach(b -> list.add(b.build()));
        return list;
    }

    public static Set<TopicPartition> fromTopics(List<TopicPartitions> list) {
        Set<TopicPartition> out = new LinkedHashSet<>();
        for (TopicPartitions t : list) {
            for (int p : t.getPartitionsList()) {
                out.add(new TopicPartition(t.getTopic(), p));
            }
        }
        return out;
    }

    private void backoff(long deadlineMs, String what, TributaryException last) {
        long left = deadlineMs - System.currentTimeMillis();
        if (left <= 0) {
            throw new TributaryTimeoutException(what + " timed out" + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
        }
        try {
            Thread.sleep(Math.min(left, retryBackoffMs));
        } catch (InterruptedException e) {
            throw new io.tributary.client.InterruptException("interrupted while " + what, e);
        }
    }
}
