package io.tributary.client.consumer;

import com.google.protobuf.ByteString;
import io.tributary.api.ErrorCode;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionPosition;
import io.tributary.client.Cluster;
import io.tributary.client.Node;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ConsumerConfig.OffsetReset;
import io.tributary.client.consumer.SubscriptionState.PartitionState;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.MetadataManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;

/**
 * The consumer's fetch sessions, one per partition leader: which partition is fetched from where, opening and
 * reopening sessions as leaders move or streams fail (with {@code retry.backoff.ms} per broker), and what their
 * pushed data means: records into the {@link FetchBuffer}, partition errors into a reset, a metadata refresh or an
 * error for the application's next poll(). Each response's latency and size, and each partition's lag, go to the
 * consumer's metrics.
 *
 * <p>Not thread-safe: the consumer's thread only. gRPC's threads only put session events on the consumer's queue,
 * which the consumer hands to {@link #handle}.
 */
final class FetchSessionPool {
    private static final Logger log = LoggerFactory.getLogger(FetchSessionPool.class);

    private final ConsumerConfig config;
    private final String clientId;
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final SubscriptionState subscriptions;
    private final FetchBuffer buffer;
    private final BlockingQueue<Object> events;
    private final ConsumerMetrics metrics;
    private final int fetchCredits;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final Map<Integer, Long> sessionRetryAtMs = new HashMap<>();
    /** An error for the application, thrown by its next poll(). */
    private RuntimeException pendingError;

    FetchSessionPool(ConsumerConfig config, String clientId, ChannelPool channels, MetadataManager metadata,
                     SubscriptionState subscriptions, FetchBuffer buffer, BlockingQueue<Object> events, ConsumerMetrics metrics) {
        this.config = config;
        this.clientId = clientId;
        this.channels = channels;
        this.metadata = metadata;
        this.subscriptions = subscriptions;
        this.buffer = buffer;
        this.events = events;
        this.metrics = metrics;
        this.fetchCredits = config.fetchCredits();
    }

    /** The error the next poll() must throw, once; null when there is none. */
    RuntimeException takePendingError() {
        RuntimeException e = pendingError;
        pendingError = null;
        return e;
    }

    /**
     * A partition's position was set (seek, committed offset, reset): what was buffered is stale, and an
     * out-of-range error waiting for the old position no longer applies.
     */
    void positionSet(PartitionState st) {
        buffer.drop(st);
        if (pendingError instanceof OffsetOutOfRangeException) {
            pendingError = null;
        }
    }

    /** Tells the partition's session to continue from its new position. */
    void movePosition(TopicPartition tp, PartitionState st) {
        FetchSession s = sessions.get(st.sessionNodeId);
        if (s != null && s.contains(tp) && !st.paused) {
            s.setPositions(Map.of(tp, position(tp, st.nextFetchOffset)));
        }
    }

    private PartitionPosition position(TopicPartition tp, long offset) {
        return PartitionPosition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition()).setFetchOffset(offset)
                .setPartitionMaxBytes(config.maxPartitionFetchBytes()).build();
    }

    /** Takes {@code tp} out of its session (the session stays open for the others). */
    void stopFetching(TopicPartition tp) {
        PartitionState st = subscriptions.get(tp);
        if (st == null) {
            return;
        }
        FetchSession s = sessions.get(st.sessionNodeId);
        if (s != null) {
            s.remove(Set.of(tp));
        }
        st.sessionNodeId = -1;
    }

    /** Puts every fetchable partition into its leader's session at its position, opening sessions as needed. */
    void reconcile(long nowMs) {
        Cluster cluster = metadata.cluster();
        Map<Node, Map<TopicPartition, PartitionPosition>> additions = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionState> e : subscriptions.all().entrySet()) {
            TopicPartition tp = e.getKey();
            PartitionState st = e.getValue();
            if (!st.fetchable()) {
                continue;
            }
            Node leader = cluster.leaderFor(tp);
            if (leader == null) {
                metadata.requestUpdate();
                continue;
            }
            FetchSession current = sessions.get(st.sessionNodeId);
            if (st.sessionNodeId == leader.id() && current != null && current.contains(tp)) {
                continue;
            }
            if (current != null) {
                current.remove(Set.of(tp));
            }
            st.sessionNodeId = -1;
            if (nowMs < sessionRetryAtMs.getOrDefault(leader.id(), 0L)) {
                continue;
            }
            // A new session starts from what the application has consumed; anything buffered past it is refetched.
            buffer.drop(st);
            st.nextFetchOffset = st.position;
            additions.computeIfAbsent(leader, n -> new HashMap<>()).put(tp, position(tp, st.position));
        }
        for (Map.Entry<Node, Map<TopicPartition, PartitionPosition>> e : additions.entrySet()) {
            Node node = e.getKey();
            FetchSession s = sessions.get(node.id());
            if (s == null || s.failed()) {
                s = FetchSession.open(channels, node, events, io.tributary.api.v1.FetchSession.newBuilder()
                        .setClientId(clientId).setMaxWaitMs(config.fetchMaxWaitMs()).setMinBytes(config.fetchMinBytes())
                        .setMaxBytes(config.fetchMaxBytes()).setInitialCredits(fetchCredits).build(), e.getValue());
                sessions.put(node.id(), s);
            } else {
                s.setPositions(e.getValue());
            }
            for (TopicPartition tp : e.getValue().keySet()) {
                subscriptions.get(tp).sessionNodeId = node.id();
            }
        }
    }

    /** Reopens sessions that sent nothing, not even the broker's empty responses, for longer than they should. */
    void expireSilent(long nowMs) {
        long limitMs = (long) config.fetchMaxWaitMs() + config.requestTimeoutMs();
        for (FetchSession s : new ArrayList<>(sessions.values())) {
            if (s.overdue(nowMs, limitMs)) {
                log.warn("fetch session with broker {} sent nothing for over {} ms; reopening it", s.node(), limitMs);
                s.close();
                handle(new FetchSession.Failure(s, io.grpc.Status.DEADLINE_EXCEEDED
                        .withDescription("fetch session silent for " + limitMs + " ms").asRuntimeException()));
            }
        }
    }

    /** Grants every session credit for more responses, unless the buffers are full. */
    void grantCredits() {
        if (buffer.full()) {
            return; // let poll() drain the buffers first: this is what bounds the consumer's memory
        }
        for (FetchSession s : sessions.values()) {
            s.topUpCredits(fetchCredits);
        }
    }

    /** Applies a session event ({@link FetchSession.Data} or {@link FetchSession.Failure}); ignores anything else. */
    void handle(Object event) {
        if (event instanceof FetchSession.Failure f) {
            if (sessions.get(f.session().node().id()) != f.session()) {
                return; // a session this consumer already replaced or closed
            }
            TributaryException e = Errors.fromThrowable(f.error());
            log.debug("fetch session with {} failed: {}", f.session().node(), e.getMessage());
            sessions.remove(f.session().node().id());
            sessionRetryAtMs.put(f.session().node().id(), System.currentTimeMillis() + config.retryBackoffMs());
            for (TopicPartition tp : f.session().partitions()) {
                PartitionState st = subscriptions.get(tp);
                if (st != null) {
                    st.sessionNodeId = -1;
                }
            }
            metadata.requestUpdate();
        } else if (event instanceof FetchSession.Data d) {
            if (sessions.get(d.session().node().id()) != d.session()) {
                return;
            }
            long latencyNanos = d.session().onResponseReceived(d.receivedNanos());
            int bytes = 0;
            for (PartitionData pd : d.response().getPartitionsList()) {
                bytes += pd.getRecords().size();
                handlePartitionData(d.session(), pd);
            }
            metrics.fetchResponse(latencyNanos, bytes);
        }
    }

    private void handlePartitionData(FetchSession session, PartitionData pd) {
        TopicPartition tp = new TopicPartition(pd.getTopic(), pd.getPartition());
        PartitionState st = subscriptions.get(tp);
        if (st == null || st.paused || st.sessionNodeId != session.node().id() || pd.getFetchOffset() != st.nextFetchOffset) {
            return; // unassigned, paused, moved to another leader, or data for a position since left by a seek
        }
        if (Errors.isError(pd.getError())) {
            handlePartitionError(session, tp, st, pd);
            return;
        }
        st.highWatermark = pd.getHighWatermark();
        st.logStartOffset = pd.getLogStartOffset();
        st.logEndOffset = pd.getLogEndOffset();
        subscriptions.updateLag(tp, st);
        ByteString records = pd.getRecords();
        if (records.isEmpty()) {
            return;
        }
        try {
            st.nextFetchOffset = buffer.append(st, records, st.nextFetchOffset);
        } catch (TributaryException corrupt) {
            // Refetch from the position on the next poll; tell the application now, as Kafka does.
            stopFetching(tp);
            pendingError = new TributaryException(corrupt.error(), "fetched data of " + tp + " failed validation: "
                    + corrupt.getMessage(), corrupt);
        }
    }

    private void handlePartitionError(FetchSession session, TopicPartition tp, PartitionState st, PartitionData pd) {
        ErrorCode code = Errors.code(pd.getError());
        // The broker stops fetching a partition after an error until its position is set again.
        session.forget(tp);
        st.sessionNodeId = -1;
        if (code == ErrorCode.OFFSET_OUT_OF_RANGE) {
            OffsetReset strategy = config.autoOffsetReset();
            if (strategy == OffsetReset.NONE) {
                pendingError = new OffsetOutOfRangeException(tp.toString(), st.nextFetchOffset, pd.getLogStartOffset(), pd.getLogEndOffset());
            } else {
                log.info("fetch position {} of {} is out of range; resetting to {}", st.nextFetchOffset, tp, strategy);
                buffer.drop(st);
                st.position = null;
                st.resetStrategy = strategy;
            }
            return;
        }
        if (Errors.needsMetadataRefresh(code) || code.retriable()) {
            metadata.requestUpdate();
            return;
        }
        pendingError = Errors.toException(pd.getError(), "fetch of " + tp);
    }

    void close() {
        sessions.values().forEach(FetchSession::close);
        sessions.clear();
    }
}
