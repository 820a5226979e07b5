package io.tributary.client.consumer;

import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.tributary.api.TopicPartition;
import io.tributary.client.config.ConsumerConfig.OffsetReset;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The partitions a consumer reads (assigned manually or by its group) and, per partition, where it stands: the
 * position the application has consumed to, how a missing position is found, which fetch session serves it, and the
 * records buffered for it. Iteration order is the order poll() serves partitions in, rotated after every poll.
 *
 * <p>Not thread-safe: the consumer's thread only.
 */
final class SubscriptionState {
    /** What the consumer knows of one assigned partition. */
    static final class PartitionState {
        Long position;
        /** Leader epoch of the record before {@link #position} (-1 unknown): committed with the position. */
        int positionEpoch = -1;
        OffsetReset resetStrategy;
        /** Newly owned with a group: the position comes from the committed offset, looked up before any reset. */
        boolean awaitingCommitted;
        /** Where the broker's session continues: data starting anywhere else is stale. */
        long nextFetchOffset;
        int sessionNodeId = -1;
        boolean paused;
        long highWatermark = -1;
        long logStartOffset = -1;
        long logEndOffset = -1;
        /** High watermark minus position as last computed; -1 until both were known. */
        long lag = -1;
        /** The partition's records-lag series, created with its first known lag (an unknown lag is no series). */
        GaugeDataPoint lagGauge;
        final Deque<FetchBuffer.BufferedRecord> buffer = new ArrayDeque<>();

        /** A position set by a seek, a committed offset or a reset; whatever was buffered for the old one is stale. */
        void seek(long offset) {
            position = offset;
            positionEpoch = -1;
            awaitingCommitted = false;
            resetStrategy = null;
            nextFetchOffset = offset;
        }

        /** Whether poll() can be served from this partition. */
        boolean fetchable() {
            return !paused && position != null;
        }
    }

    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    /** With a group, a new partition's position is looked up among the committed offsets first. */
    private final boolean withGroup;
    private final ConsumerMetrics metrics;

    SubscriptionState(boolean withGroup, ConsumerMetrics metrics) {
        this.withGroup = withGroup;
        this.metrics = metrics;
    }

    boolean isEmpty() {
        return assigned.isEmpty();
    }

    /** The state of {@code tp}, or null when it is not assigned. */
    PartitionState get(TopicPartition tp) {
        return assigned.get(tp);
    }

    /** @throws IllegalStateException when {@code tp} is not assigned */
    PartitionState require(TopicPartition tp) {
        PartitionState st = assigned.get(tp);
        if (st == null) {
            throw new IllegalStateException("partition " + tp + " is not assigned to this consumer");
        }
        return st;
    }

    /** Every assigned partition in serving order; a read-only view. */
    Map<TopicPartition, PartitionState> all() {
        return Collections.unmodifiableMap(assigned);
    }

    Set<TopicPartition> partitions() {
        return Set.copyOf(assigned.keySet());
    }

    /** Assigns {@code tp} if it is not yet, with no position. */
    void add(TopicPartition tp) {
        assigned.computeIfAbsent(tp, k -> {
            PartitionState st = new PartitionState();
            st.awaitingCommitted = withGroup;
            return st;
        });
        metrics.assignedPartitions(assigned.size());
    }

    /** @return the state {@code tp} had, or null */
    PartitionState remove(TopicPartition tp) {
        PartitionState st = assigned.remove(tp);
        if (st != null && st.lagGauge != null) {
            metrics.forgetLag(tp);
        }
        metrics.assignedPartitions(assigned.size());
        return st;
    }

    /** Recomputes {@code tp}'s records lag from its high watermark and position, when both are known. */
    void updateLag(TopicPartition tp, PartitionState st) {
        if (st.position == null || st.highWatermark < 0) {
            return;
        }
        st.lag = Math.max(0, st.highWatermark - st.position);
        if (st.lagGauge == null) {
            st.lagGauge = metrics.lagOf(tp);
        }
        st.lagGauge.set(st.lag);
    }

    /** Publishes the largest known lag over the assigned partitions (NaN when none is known). */
    void updateLagMax() {
        long max = -1;
        for (PartitionState st : assigned.values()) {
            max = Math.max(max, st.lag);
        }
        metrics.lagMax(max < 0 ? Double.NaN : max);
    }

    Set<TopicPartition> paused() {
        Set<TopicPartition> out = new HashSet<>();
        assigned.forEach((tp, st) -> {
            if (st.paused) {
                out.add(tp);
            }
        });
        return out;
    }

    /** Positions to commit: every partition that has one, with the epoch of the record before it. */
    Map<TopicPartition, OffsetAndMetadata> consumedPositions() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        assigned.forEach((tp, st) -> {
            if (st.position != null) {
                out.put(tp, new OffsetAndMetadata(st.position, st.positionEpoch >= 0 ? Optional.of(st.positionEpoch)
                        : Optional.empty(), ""));
            }
        });
        return out;
    }

    /** Whether some unpaused partition still lacks a position or a session: poll() then retries after a backoff. */
    boolean needsRetry() {
        for (PartitionState st : assigned.values()) {
            if (!st.paused && (st.position == null || st.sessionNodeId < 0)) {
                return true;
            }
        }
        return false;
    }

    /** Moves the first partition to the back so one busy partition cannot starve the others across polls. */
    void rotate() {
        if (assigned.size() > 1) {
            TopicPartition first = assigned.keySet().iterator().next();
            PartitionState st = assigned.remove(first);
            assigned.put(first, st);
        }
    }
}
