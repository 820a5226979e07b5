package io.tributary.client.consumer;

import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.client.config.ConsumerConfig.OffsetReset;
import io.tributary.client.consumer.SubscriptionState.PartitionState;
import io.tributary.client.internal.OffsetsClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds positions for partitions that have none: first the group's committed offset (with a group), then the
 * partition's reset strategy (a seekToBeginning/End, else {@code auto.offset.reset}) through ListOffsets. A retriable
 * failure leaves the partition without a position for the next poll() to try again.
 *
 * <p>Not thread-safe: the consumer's thread only.
 */
final class OffsetResolver {
    private static final Logger log = LoggerFactory.getLogger(OffsetResolver.class);

    private final SubscriptionState subscriptions;
    private final OffsetsClient offsets;
    /** Null without group.id. */
    private final ConsumerCoordinator coordinator;
    private final OffsetReset defaultReset;
    private final FetchSessionPool fetcher;

    OffsetResolver(SubscriptionState subscriptions, OffsetsClient offsets, ConsumerCoordinator coordinator,
                   OffsetReset defaultReset, FetchSessionPool fetcher) {
        this.subscriptions = subscriptions;
        this.offsets = offsets;
        this.coordinator = coordinator;
        this.defaultReset = defaultReset;
        this.fetcher = fetcher;
    }

    /** Sets a partition's position, discarding what was fetched for the old one. */
    void seek(PartitionState st, long offset) {
        fetcher.positionSet(st);
        st.seek(offset);
    }

    /** Both steps, within {@code timeoutMs} each. */
    void resolve(long timeoutMs) {
        initFromCommitted(timeoutMs);
        reset(timeoutMs);
    }

    /** New partitions with a group start at their committed offsets; looked up before auto.offset.reset applies. */
    private void initFromCommitted(long timeoutMs) {
        if (coordinator == null) {
            return;
        }
        List<TopicPartition> need = new ArrayList<>();
        subscriptions.all().forEach((tp, st) -> {
            if (st.awaitingCommitted && st.position == null) {
                need.add(tp);
            }
        });
        if (need.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = coordinator.fetchCommitted(need, timeoutMs);
        } catch (TributaryException e) {
            if (!e.retriable()) {
                throw e;
            }
            log.debug("fetching committed offsets failed, will retry: {}", e.getMessage());
            return;
        }
        for (TopicPartition tp : need) {
            PartitionState st = subscriptions.get(tp);
            if (st == null || !st.awaitingCommitted) {
                continue; // revoked or sought meanwhile
            }
            st.awaitingCommitted = false;
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                seek(st, o.offset());
                st.positionEpoch = o.leaderEpoch().orElse(-1);
                log.debug("{} starts at committed offset {}", tp, o.offset());
            }
        }
    }

    /**
     * Partitions still without a position ask their leader for the offset their strategy names.
     *
     * @throws NoOffsetForPartitionException for partitions whose strategy is {@code none}
     */
    private void reset(long timeoutMs) {
        Map<TopicPartition, Long> request = new HashMap<>();
        Set<TopicPartition> noPolicy = new HashSet<>();
        for (Map.Entry<TopicPartition, PartitionState> e : subscriptions.all().entrySet()) {
            PartitionState st = e.getValue();
            if (st.position != null || st.awaitingCommitted) {
                continue;
            }
            OffsetReset strategy = st.resetStrategy != null ? st.resetStrategy : defaultReset;
            if (strategy == OffsetReset.NONE) {
                noPolicy.add(e.getKey());
            } else {
                request.put(e.getKey(), strategy == OffsetReset.EARLIEST ? OffsetsClient.EARLIEST : OffsetsClient.LATEST);
            }
        }
        if (!noPolicy.isEmpty()) {
            throw new NoOffsetForPartitionException(noPolicy);
        }
        if (request.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult> results;
        try {
            results = offsets.listOffsets(request, timeoutMs);
        } catch (TributaryException e) {
            if (!e.retriable()) {
                throw e;
            }
            log.debug("resetting positions failed, will retry: {}", e.getMessage());
            return;
        }
        results.forEach((tp, r) -> {
            PartitionState st = subscriptions.get(tp);
            if (st != null && st.position == null) {
                seek(st, r.getOffset());
            }
        });
    }
}
