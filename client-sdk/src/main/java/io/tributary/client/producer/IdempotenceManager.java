package io.tributary.client.producer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The idempotent producer's bookkeeping (SPEC §1, §6): its producer id and epoch, and per partition the next
 * sequence and the batches that carry a sequence but have no outcome yet ("outstanding": in flight or queued for a
 * retry), in sequence order.
 *
 * <p>The rules:
 * <ul>
 *   <li>A batch gets its sequence once, when it is first drained; every retry resends the same bytes, so a
 *       broker that wrote an earlier attempt recognises the repeat and answers with the original offset.</li>
 *   <li>At most {@code max.in.flight.requests.per.connection} (≤ 5, the broker's per-producer window) batches of a
 *       partition are outstanding, so any retry of a batch that was written is within the broker's last 5.</li>
 *   <li>A batch queued for a retry is sent again only when it is the partition's oldest outstanding batch: retries go
 *       one at a time, in sequence order, and nothing new of that partition overtakes them.</li>
 *   <li>OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID for a batch with an older outstanding batch of the same
 *       partition means that older batch was not written (yet): retry. For the oldest outstanding batch it is a real
 *       gap (the broker lost this producer's state, e.g. it expired): the batch and the partition's later outstanding
 *       batches fail with that error, the epoch is bumped (InitProducerId with the current id and epoch) and the
 *       partition restarts at sequence 0 in the new epoch. Nothing is silently re-sequenced.</li>
 *   <li>A sequenced batch that fails otherwise (retries or delivery.timeout.ms exhausted) may or may not have been
 *       written: the partition sends nothing new until its outstanding batches settle; if none after it was
 *       acknowledged, the epoch is bumped before the partition continues (at sequence 0), so the unknown batch can
 *       neither leave a gap nor be duplicated. One rejected by the broker with a non-retriable error on its only
 *       attempt was certainly not written; if it was the partition's newest, its sequence is simply reused.</li>
 *   <li>INVALID_PRODUCER_EPOCH is fatal: a newer epoch of this producer id is writing. Every unsettled and later
 *       send fails.</li>
 * </ul>
 *
 * <p>Thread confinement: used by the sender thread only, except {@link #fatalError()} (volatile).
 */
final class IdempotenceManager {
    private static final Logger log = LoggerFactory.getLogger(IdempotenceManager.class);

    private final int maxOutstandingPerPartition;
    private final long retryBackoffMs;
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short epoch = RecordBatch.NO_PRODUCER_EPOCH;
    private boolean bumpNeeded;
    private boolean initInFlight;
    private long nextInitAttemptMs;
    private volatile TributaryException fatalError;

    /** How a sequenced batch ended, for the bookkeeping. */
    enum Outcome {
        ACKNOWLEDGED,
        /** The broker rejected it with a non-retriable error: not written by that attempt. */
        REJECTED,
        /** Retries or time ran out, or the producer was closed: it may or may not have been written. */
        UNKNOWN,
        /** Failed by the gap rule; the epoch bump is already arranged. */
        GAP
    }

    /** What the sender does with a batch answered OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID or INVALID_PRODUCER_EPOCH. */
    enum Decision {
        RETRY,
        /** Fail {@link #takeAffected} batches: the answered one and its partition's later outstanding ones. */
        FAIL_PARTITION,
        FATAL
    }

    private static final class PartitionState {
        long producerId = RecordBatch.NO_PRODUCER_ID;
        short epoch = RecordBatch.NO_PRODUCER_EPOCH;
        int nextSequence;
        /** Sequenced batches without an outcome, in sequence order. */
        final ArrayDeque<ProducerBatch> outstanding = new ArrayDeque<>();
        /** Position (in sequence order) of the newest acknowledged batch of the current epoch; -1 none. */
        long lastAckedOrder = -1;
        /** Position of the newest batch that failed with an unknown outcome; -1 none. */
        long unresolvedOrder = -1;
        /** A gap or an unresolved batch was found: no new batch until the producer has a newer epoch. */
        boolean awaitingBump;
        long nextOrder;
        final Map<ProducerBatch, Long> orders = new HashMap<>();
    }

    IdempotenceManager(int maxOutstandingPerPartition, long retryBackoffMs) {
        this.maxOutstandingPerPartition = maxOutstandingPerPartition;
        this.retryBackoffMs = retryBackoffMs;
    }

    long producerId() {
        return producerId;
    }

    short epoch() {
        return epoch;
    }

    boolean hasProducerId() {
        return producerId != RecordBatch.NO_PRODUCER_ID;
    }

    /** Whether a first id or an epoch bump is due but not yet asked for (the sender polls sooner meanwhile). */
    boolean initWaiting() {
        return fatalError == null && !initInFlight && (!hasProducerId() || bumpNeeded);
    }

    TributaryException fatalError() {
        return fatalError;
    }

    /** @return the InitProducerId request to send now (a first id or an epoch bump), or null */
    InitProducerIdRequest initRequestDue(long nowMs, String clientId) {
        if (fatalError != null || initInFlight || nowMs < nextInitAttemptMs || (hasProducerId() && !bumpNeeded)) {
            return null;
        }
        InitProducerIdRequest.Builder b = InitProducerIdRequest.newBuilder().setClientId(clientId);
        if (hasProducerId()) {
            b.setProducerId(producerId).setProducerEpoch(epoch);
        }
        initInFlight = true;
        return b.build();
    }

    void onInitResponse(InitProducerIdResponse response) {
        initInFlight = false;
        long previousId = producerId;
        short previousEpoch = epoch;
        producerId = response.getProducerId();
        epoch = (short) response.getProducerEpoch();
        bumpNeeded = false;
        for (PartitionState p : partitions.values()) {
            p.awaitingBump = false;
        }
        if (previousId == RecordBatch.NO_PRODUCER_ID) {
            log.info("idempotent producer got producer id {} epoch {}", producerId, epoch);
        } else {
            log.info("idempotent producer bumped producer id {} epoch {} to id {} epoch {}", previousId, previousEpoch, producerId, epoch);
        }
    }

    /** A failed InitProducerId: retried after retry.backoff.ms, unless the error says it never will work. */
    void onInitFailure(TributaryException error, long nowMs) {
        initInFlight = false;
        switch (error.error()) {
            case CLUSTER_AUTHORIZATION_FAILED, UNSUPPORTED_VERSION, INVALID_REQUEST ->
                    fail(new TributaryException(error.error(), "the idempotent producer cannot get a producer id: " + error.getMessage(), error));
            default -> {
                log.warn("InitProducerId failed, retrying in {} ms: {}", retryBackoffMs, error.getMessage());
                nextInitAttemptMs = nowMs + retryBackoffMs;
            }
        }
    }

    void fail(TributaryException error) {
        if (fatalError == null) {
            log.error("idempotent producer failed fatally: {}", error.getMessage());
            fatalError = error;
        }
    }

    /**
     * Whether the first queued batch of its partition may be drained now. Runs under the partition queue's monitor
     * and does not change state.
     */
    boolean canSend(ProducerBatch head) {
        if (fatalError != null || !hasProducerId()) {
            return false;
        }
        PartitionState p = partitions.get(head.topicPartition());
        if (head.hasSequence()) {
            // A retry goes only as the partition's oldest outstanding batch: one at a time, in sequence order.
            return p != null && p.outstanding.peekFirst() == head;
        }
        if (p == null) {
            return true;
        }
        if (p.awaitingBump || p.unresolvedOrder >= 0 || p.outstanding.size() >= maxOutstandingPerPartition) {
            return false;
        }
        // A partition moves to a newer epoch (starting at sequence 0) only once nothing of the old one is outstanding.
        return matchesProducer(p) || p.outstanding.isEmpty();
    }

    private boolean matchesProducer(PartitionState p) {
        return p.producerId == producerId && p.epoch == epoch;
    }

    /** Gives a freshly drained batch its producer id, epoch and base sequence (once; retries keep them). */
    void assignSequence(ProducerBatch batch) {
        PartitionState p = partitions.computeIfAbsent(batch.topicPartition(), k -> new PartitionState());
        if (!matchesProducer(p)) {
            p.producerId = producerId;
            p.epoch = epoch;
            p.nextSequence = 0;
            p.lastAckedOrder = -1;
            p.unresolvedOrder = -1;
        }
        batch.setProducerState(producerId, epoch, p.nextSequence);
        int last = batch.lastSequence();
        p.nextSequence = last == Integer.MAX_VALUE ? 0 : last + 1;
        p.orders.put(batch, p.nextOrder++);
        p.outstanding.addLast(batch);
    }

    /**
     * Decides about a batch the broker answered with a sequencing error.
     *
     * @return null when {@code code} is not one of the idempotence errors (the usual retry rules apply)
     */
    Decision onSequenceError(ProducerBatch batch, ErrorCode code) {
        switch (code) {
            case INVALID_PRODUCER_EPOCH -> {
                fail(new TributaryException(ErrorCode.INVALID_PRODUCER_EPOCH, "producer id " + batch.producerId() + " epoch "
                        + batch.producerEpoch() + " was fenced by a newer epoch on " + batch.topicPartition()
                        + ": another producer instance uses this id; this producer can no longer send"));
                return Decision.FATAL;
            }
            case OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID -> {
                PartitionState p = partitions.get(batch.topicPartition());
                if (p == null || !p.outstanding.contains(batch)) {
                    return Decision.FAIL_PARTITION; // settled meanwhile; nothing to keep in order
                }
                if (p.outstanding.peekFirst() != batch) {
                    // An older batch of this partition has no outcome yet: it was not written (yet), hence the gap.
                    return Decision.RETRY;
                }
                // The oldest outstanding batch hits a gap: the broker lost this producer's state for the partition.
                if (batch.producerId() == producerId && batch.producerEpoch() == epoch) {
                    bumpNeeded = true;
                    p.awaitingBump = true;
                }
                log.warn("{} for {} (producer id {} epoch {} sequence {}) with no earlier batch outstanding: failing the "
                                + "partition's {} outstanding batch(es) and bumping the epoch", code, batch.topicPartition(),
                        batch.producerId(), batch.producerEpoch(), batch.baseSequence(), p.outstanding.size());
                return Decision.FAIL_PARTITION;
            }
            default -> {
                return null;
            }
        }
    }

    /** The batches a {@link Decision#FAIL_PARTITION} fails: {@code batch} and its partition's later outstanding ones. */
    List<ProducerBatch> takeAffected(ProducerBatch batch) {
        List<ProducerBatch> affected = new ArrayList<>();
        affected.add(batch);
        PartitionState p = partitions.get(batch.topicPartition());
        if (p != null) {
            Long from = p.orders.get(batch);
            for (ProducerBatch b : p.outstanding) {
                Long order = p.orders.get(b);
                if (b != batch && from != null && order != null && order > from) {
                    affected.add(b);
                }
            }
        }
        return affected;
    }

    /** Settles a sequenced batch's bookkeeping; called once per sequenced batch, whatever its outcome. */
    void onCompletion(ProducerBatch batch, Outcome outcome) {
        if (!batch.hasSequence()) {
            return;
        }
        PartitionState p = partitions.get(batch.topicPartition());
        if (p == null || !p.outstanding.remove(batch)) {
            return;
        }
        long order = p.orders.remove(batch);
        boolean currentEpoch = p.producerId == batch.producerId() && p.epoch == batch.producerEpoch();
        switch (outcome) {
            case ACKNOWLEDGED -> p.lastAckedOrder = Math.max(p.lastAckedOrder, order);
            case REJECTED -> {
                boolean newest = p.outstanding.stream().allMatch(b -> p.orders.get(b) < order);
                if (currentEpoch && newest && batch.attempts() <= 1 && p.unresolvedOrder < 0) {
                    p.nextSequence = batch.baseSequence(); // never written: its sequence is free again
                } else {
                    p.unresolvedOrder = Math.max(p.unresolvedOrder, order);
                }
            }
            case UNKNOWN -> p.unresolvedOrder = Math.max(p.unresolvedOrder, order);
            case GAP -> {
            }
        }
        if (p.outstanding.isEmpty() && p.unresolvedOrder >= 0) {
            if (p.lastAckedOrder > p.unresolvedOrder) {
                // A later batch was acknowledged, so the broker had the unknown one too: the sequence is intact.
                p.unresolvedOrder = -1;
            } else {
                p.unresolvedOrder = -1;
                if (matchesProducer(p) && fatalError == null) {
                    log.info("{}: a batch of producer id {} epoch {} has an unknown outcome and nothing after it was "
                            + "acknowledged; bumping the epoch before sending more", batch.topicPartition(), producerId, epoch);
                    bumpNeeded = true;
                    p.awaitingBump = true;
                }
            }
        }
    }

    int outstandingCount(TopicPartition tp) {
        PartitionState p = partitions.get(tp);
        return p == null ? 0 : p.outstanding.size();
    }

    /** The next base sequence a new batch of {@code tp} would get in the partition's current epoch (tests). */
    int nextSequence(TopicPartition tp) {
        PartitionState p = partitions.get(tp);
        return p == null ? 0 : p.nextSequence;
    }
}
