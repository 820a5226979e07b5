package io.tributary.client.producer;

import com.google.protobuf.UnsafeByteOperations;
import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProduceResponse;
import io.tributary.client.Cluster;
import io.tributary.client.Node;
import io.tributary.client.TributaryTimeoutException;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.MetadataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The producer's one background thread: takes ready batches from the {@link RecordAccumulator}, groups them
 * into one request per leader (at most {@code max.in.flight.requests.per.connection} outstanding per broker),
 * sends them, and settles each batch when its answer comes back: complete, retry after
 * {@code retry.backoff.ms} with a metadata refresh, or fail once retries or {@code delivery.timeout.ms} run out.
 *
 * <p>With idempotence it also fetches the producer id (and later epoch bumps) with InitProducerId, stamps each batch's
 * sequence when it is first drained, and lets {@link IdempotenceManager} decide which batches may go and what a
 * sequencing error means.
 *
 * <p>It keeps the producer's {@link ProducerMetrics} too: records sent, retried and failed per batch, and per request
 * its record count, latency and the requests in flight.
 *
 * <p>Thread confinement: all state here except {@link #events} belongs to the sender thread. Transport callbacks
 * only enqueue events; {@link #runOnce(long)} handles them, so it can be driven step by step in tests.
 */
public final class Sender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);
    private static final Object WAKEUP = new Object();
    /** Longest the loop sleeps with nothing to do: bounds the delay in noticing metadata age and timeouts. */
    private static final long MAX_POLL_MS = 1_000;

    private final RecordAccumulator accumulator;
    private final MetadataSource metadata;
    private final ProducerTransport transport;
    private final int acks;
    private final int retries;
    private final int maxInFlightPerNode;
    private final int maxRequestSizeBytes;
    private final int requestTimeoutMs;
    private final String clientId;
    /** Null unless enable.idempotence is in effect. */
    private final IdempotenceManager idempotence;
    private final ProducerMetrics metrics;
    private final LinkedBlockingDeque<Object> events = new LinkedBlockingDeque<>();
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private final Map<Integer, Integer> inFlightByNode = new HashMap<>();
    /**
     * With max.in.flight.requests.per.connection=1 order must hold even across a leader change: a partition
     * with a batch in flight sends nothing else, anywhere, until that batch is settled (Kafka mutes the same way).
     */
    private final boolean guaranteeOrder;
    private final Set<TopicPartition> muted = new java.util.HashSet<>();
    private long nextCorrelationId;
    private int initAttempts;
    private volatile boolean running = true;
    private volatile boolean forceClose;
    /** At most one WAKEUP sits in the queue however many sends ask for one. */
    private final java.util.concurrent.atomic.AtomicBoolean wakeupPending = new java.util.concurrent.atomic.AtomicBoolean();

    /** {@code sentNanos}: {@link System#nanoTime()} when handed to the transport, for the request latency. */
    private record InFlight(long correlationId, Node node, List<ProducerBatch> batches, long sentMs, long sentNanos) {
    }

    /** {@code receivedNanos}: when the transport delivered the answer, before it waited in the event queue. */
    private record Outcome(long correlationId, ProduceResponse response, Throwable error, long receivedNanos) {
    }

    private record InitOutcome(InitProducerIdResponse response, Throwable error) {
    }

    /** A sender without idempotence (batches carry producer id -1), with metrics of its own. */
    public Sender(RecordAccumulator accumulator, MetadataSource metadata, ProducerTransport transport, int acks, int retries,
                  int maxInFlightPerNode, int maxRequestSizeBytes, int requestTimeoutMs, String clientId) {
        this(accumulator, metadata, transport, acks, retries, maxInFlightPerNode, maxRequestSizeBytes, requestTimeoutMs, clientId, null,
                new ProducerMetrics(clientId, accumulator.memory()));
    }

    /**
     * @param idempotence the idempotent producer's state, or null for a producer without idempotence
     * @param metrics the producer's metrics, updated here once per batch or request
     */
    Sender(RecordAccumulator accumulator, MetadataSource metadata, ProducerTransport transport, int acks, int retries,
           int maxInFlightPerNode, int maxRequestSizeBytes, int requestTimeoutMs, String clientId, IdempotenceManager idempotence,
           ProducerMetrics metrics) {
        this.idempotence = idempotence;
        this.metrics = metrics;
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.transport = transport;
        this.acks = acks;
        this.retries = retries;
        this.maxInFlightPerNode = maxInFlightPerNode;
        this.guaranteeOrder = maxInFlightPerNode == 1;
        this.maxRequestSizeBytes = maxRequestSizeBytes;
        this.requestTimeoutMs = requestTimeoutMs;
        this.clientId = clientId;
    }

    @Override
    public void run() {
        while (running) {
            runSafely();
        }
        // Closing: keep sending until everything queued or in flight is settled, unless forced.
        while (!forceClose && (accumulator.hasUndrained() || !inFlight.isEmpty() || accumulator.appendsInProgress())) {
            runSafely();
        }
        if (forceClose) {
            failEverything(new TributaryException(ErrorCode.BROKER_NOT_AVAILABLE,
                    "producer closed forcefully before the record was acknowledged"));
        }
        transport.close();
    }

    private void runSafely() {
        try {
            long pollMs = runOnce(System.currentTimeMillis());
            awaitEvent(pollMs);
        } catch (RuntimeException e) {
            // The sender must survive anything one iteration throws, or every later send would hang.
            log.error("unexpected error in the producer's sender thread", e);
            awaitEvent(100);
        }
    }

    /**
     * One iteration: settle answered requests, expire overdue ones, refresh metadata if due, send what is
     * ready.
     *
     * @return how long the caller may wait for an event before the next iteration
     */
    public long runOnce(long nowMs) {
        handleOutcomes(nowMs);
        expireInFlight(nowMs);
        for (ProducerBatch b : accumulator.expiredBatches(nowMs)) {
            finish(b, new TributaryTimeoutException("expiring " + b.recordCount() + " record(s) for " + b.topicPartition()
                    + ": " + (nowMs - b.createdMs()) + " ms has passed since batch creation (delivery.timeout.ms)"));
        }
        metadata.maybeRefresh(nowMs);
        Cluster cluster = metadata.cluster();
        if (idempotence != null) {
            TributaryException fatal = idempotence.fatalError();
            if (fatal != null) {
                for (ProducerBatch b : accumulator.drainAll()) {
                    finish(b, fatal);
                }
            } else {
                maybeInitProducerId(cluster, nowMs);
            }
        }
        Predicate<ProducerBatch> canSend = b -> !muted.contains(b.topicPartition()) && (idempotence == null || idempotence.canSend(b));
        RecordAccumulator.ReadyCheckResult ready = accumulator.ready(cluster, nowMs, canSend);
        if (ready.unknownLeadersExist()) {
            metadata.requestUpdate();
        }
        Set<Node> sendable = new java.util.HashSet<>();
        for (Node n : ready.readyNodes()) {
            if (inFlightByNode.getOrDefault(n.id(), 0) < maxInFlightPerNode) {
                sendable.add(n);
            }
        }
        Map<Integer, List<ProducerBatch>> drained = accumulator.drain(cluster, sendable, maxRequestSizeBytes, nowMs, canSend);
        for (Map.Entry<Integer, List<ProducerBatch>> e : drained.entrySet()) {
            if (idempotence != null) {
                // At most one batch per partition per drain, so each partition's sequences are handed out in order.
                for (ProducerBatch b : e.getValue()) {
                    if (!b.hasSequence()) {
                        idempotence.assignSequence(b);
                    }
                }
            }
            sendRequest(cluster.node(e.getKey()), e.getValue(), nowMs);
        }
        long pollMs = Math.min(MAX_POLL_MS, ready.nextReadyCheckDelayMs());
        if (ready.unknownLeadersExist() || (idempotence != null && idempotence.initWaiting())) {
            pollMs = Math.min(pollMs, 50);
        }
        return Math.max(0, pollMs);
    }

    /** Asks any broker for a producer id (first) or a newer epoch (after a gap), when one is due. */
    private void maybeInitProducerId(Cluster cluster, long nowMs) {
        if (cluster.nodes().isEmpty()) {
            return; // asked again once metadata names a broker
        }
        InitProducerIdRequest request = idempotence.initRequestDue(nowMs, clientId);
        if (request == null) {
            return;
        }
        List<Node> nodes = new ArrayList<>(cluster.nodes().values());
        nodes.sort(java.util.Comparator.comparingInt((Node n) -> inFlightByNode.getOrDefault(n.id(), 0)).thenComparingInt(Node::id));
        Node node = nodes.get(Math.floorMod(initAttempts++, Math.min(nodes.size(), 2)));
        log.debug("InitProducerId {} to broker {}", request, node);
        ProducerTransport.InitProducerIdListener listener = new ProducerTransport.InitProducerIdListener() {
            @Override
            public void onResponse(InitProducerIdResponse response) {
                events.add(new InitOutcome(response, null));
            }

            @Override
            public void onFailure(Throwable error) {
                events.add(new InitOutcome(null, error));
            }
        };
        try {
            transport.initProducerId(node, request, requestTimeoutMs, listener);
        } catch (RuntimeException e) {
            listener.onFailure(e);
        }
    }

    private void sendRequest(Node node, List<ProducerBatch> batches, long nowMs) {
        long correlationId = nextCorrelationId++;
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setCorrelationId(correlationId).setAcks(acks)
                .setTimeoutMs(requestTimeoutMs).setClientId(clientId);
        int records = 0;
        for (ProducerBatch b : batches) {
            boolean firstSend = b.attempts() == 0;
            b.onSend(nowMs);
            if (guaranteeOrder && acks != 0) {
                muted.add(b.topicPartition());
            }
            request.addPartitions(PartitionProduceData.newBuilder()
                    .setTopic(b.topicPartition().topic())
                    .setPartition(b.topicPartition().partition())
                    // current_leader_epoch left unset: no fencing on the epoch; a broker that no longer leads
                    // answers NOT_LEADER_OR_FOLLOWER anyway, and the retry goes to the new leader.
                    // No copy: a closed batch's bytes never change again (the producer fields are stamped once,
                    // before the first send), so the request may share them, retries included.
                    .setRecords(UnsafeByteOperations.unsafeWrap(b.close())));
            if (firstSend) {
                metrics.batchFirstSent(b.recordCount(), b.estimatedSizeBytes());
            }
            records += b.recordCount();
        }
        metrics.requestSent(records);
        if (acks == 0) {
            try {
                transport.send(node, request.build(), null);
            } catch (RuntimeException e) {
                // Nothing will ever answer an acks=0 request: a failure to hand it over is its outcome.
                TributaryException notSent = new TributaryException(ErrorCode.BROKER_NOT_AVAILABLE,
                        "could not send to broker " + node + ": " + e.getMessage(), e);
                batches.forEach(b -> failOrRetry(b, notSent, nowMs));
                return;
            }
            for (ProducerBatch b : batches) {
                finish(b, -1L, -1L);
            }
            return;
        }
        inFlight.put(correlationId, new InFlight(correlationId, node, batches, nowMs, System.nanoTime()));
        inFlightByNode.merge(node.id(), 1, Integer::sum);
        metrics.inFlight(inFlight.size());
        ProducerTransport.Listener listener = new ProducerTransport.Listener() {
            @Override
            public void onResponse(ProduceResponse response) {
                events.add(new Outcome(correlationId, response, null, System.nanoTime()));
            }

            @Override
            public void onFailure(Throwable error) {
                events.add(new Outcome(correlationId, null, error, 0));
            }
        };
        try {
            transport.send(node, request.build(), listener);
        } catch (RuntimeException e) {
            // The batches are drained already: route the failure through the normal outcome path so they are
            // retried or failed, never lost. Not reaching the wire is a connection problem, so retriable.
            listener.onFailure(io.grpc.Status.UNAVAILABLE.withDescription("could not send to broker " + node + ": " + e)
                    .withCause(e).asRuntimeException());
        }
    }

    private void handleOutcomes(long nowMs) {
        Object event;
        while ((event = events.poll()) != null) {
            if (event == WAKEUP) {
                wakeupPending.set(false);
            } else if (event instanceof InitOutcome init) {
                if (init.error() != null) {
                    idempotence.onInitFailure(Errors.fromThrowable(init.error()), nowMs);
                } else if (Errors.isError(init.response().getError())) {
                    idempotence.onInitFailure(Errors.toException(init.response().getError(), "InitProducerId"), nowMs);
                } else {
                    idempotence.onInitResponse(init.response());
                }
            } else if (event instanceof Outcome outcome) {
                InFlight request = removeInFlight(outcome.correlationId());
                if (request == null) {
                    continue; // already expired and settled
                }
                if (outcome.error() != null) {
                    TributaryException e = Errors.fromThrowable(outcome.error());
                    log.debug("produce request {} to {} failed: {}", request.correlationId(), request.node(), e.getMessage());
                    metadata.requestUpdate();
                    request.batches().forEach(b -> failOrRetry(b, e, nowMs));
                } else {
                    metrics.responseReceived(request.sentNanos(), outcome.receivedNanos());
                    handleResponse(request, outcome.response(), nowMs);
                }
            }
        }
    }

    private void handleResponse(InFlight request, ProduceResponse response, long nowMs) {
        Map<TopicPartition, PartitionProduceResult> results = new HashMap<>();
        for (PartitionProduceResult r : response.getPartitionsList()) {
            results.put(new TopicPartition(r.getTopic(), r.getPartition()), r);
        }
        for (ProducerBatch b : request.batches()) {
            PartitionProduceResult r = results.get(b.topicPartition());
            if (r == null) {
                failOrRetry(b, new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "the broker's response had no result for " + b.topicPartition()), nowMs);
            } else if (Errors.isError(r.getError())) {
                TributaryException e = Errors.toException(r.getError(), "produce to " + b.topicPartition());
                if (Errors.needsMetadataRefresh(e.error())) {
                    metadata.requestUpdate();
                }
                IdempotenceManager.Decision decision = idempotence != null && b.hasSequence()
                        ? idempotence.onSequenceError(b, e.error()) : null;
                if (decision != null) {
                    onSequenceError(b, e, decision, nowMs);
                } else {
                    failOrRetry(b, e, nowMs, true);
                }
            } else {
                finish(b, r.getBaseOffset(), r.getLogAppendTimeMs());
            }
        }
    }

    private InFlight removeInFlight(long correlationId) {
        InFlight request = inFlight.remove(correlationId);
        if (request != null) {
            inFlightByNode.merge(request.node().id(), -1, Integer::sum);
            metrics.inFlight(inFlight.size());
            // Unmuting before settling is safe: a retried batch goes back to the front of its queue.
            request.batches().forEach(b -> muted.remove(b.topicPartition()));
        }
        return request;
    }

    private void expireInFlight(long nowMs) {
        Iterator<InFlight> it = new ArrayList<>(inFlight.values()).iterator();
        while (it.hasNext()) {
            InFlight request = it.next();
            if (nowMs - request.sentMs() >= requestTimeoutMs) {
                removeInFlight(request.correlationId());
                transport.reset(request.node());
                metadata.requestUpdate();
                TributaryException e = new TributaryException(ErrorCode.REQUEST_TIMED_OUT, "produce request to broker "
                        + request.node() + " got no answer within request.timeout.ms " + requestTimeoutMs + " ms");
                request.batches().forEach(b -> failOrRetry(b, e, nowMs));
            }
        }
    }

    /** An idempotence error on a sequenced batch: retry it in order, fail its partition's affected batches, or stop. */
    private void onSequenceError(ProducerBatch batch, TributaryException error, IdempotenceManager.Decision decision, long nowMs) {
        switch (decision) {
            case RETRY -> {
                // An older batch of the partition was not written yet; this one goes again after it, same bytes.
                if (!forceClose && nowMs + 1 < batch.deliveryDeadlineMs()) {
                    log.debug("retrying {} after {} (an older batch of the partition is outstanding)", batch, error.error());
                    metrics.retried(batch.recordCount());
                    accumulator.reenqueue(batch, nowMs);
                } else {
                    finish(batch, error, IdempotenceManager.Outcome.UNKNOWN);
                }
            }
            case FAIL_PARTITION -> {
                TributaryException gap = new TributaryException(error.error(), "produce to " + batch.topicPartition() + ": "
                        + error.error() + ": the partition leader has no record of the earlier batches of producer id "
                        + batch.producerId() + " epoch " + batch.producerEpoch() + " (its state was lost or expired), so these "
                        + "records were not written; the producer bumps its epoch and later sends start again at sequence 0 ("
                        + error.getMessage() + ")", error);
                for (ProducerBatch b : idempotence.takeAffected(batch)) {
                    // Later batches still in flight fail the same way when their answers come back.
                    if (b == batch || accumulator.remove(b)) {
                        finish(b, gap, IdempotenceManager.Outcome.GAP);
                    }
                }
            }
            case FATAL -> finish(batch, idempotence.fatalError(), IdempotenceManager.Outcome.UNKNOWN);
        }
    }

    private void failOrRetry(ProducerBatch batch, TributaryException error, long nowMs) {
        failOrRetry(batch, error, nowMs, false);
    }

    /** @param answeredByBroker the error is the broker's per-partition answer (so a non-retriable one means not written) */
    private void failOrRetry(ProducerBatch batch, TributaryException error, long nowMs, boolean answeredByBroker) {
        if (idempotence != null && idempotence.fatalError() != null) {
            finish(batch, idempotence.fatalError(), IdempotenceManager.Outcome.UNKNOWN);
            return;
        }
        boolean canRetry = error.retriable() && !forceClose && batch.attempts() <= retries
                && nowMs + 1 < batch.deliveryDeadlineMs();
        if (canRetry) {
            log.debug("retrying {} after {}", batch, error.getMessage());
            metrics.retried(batch.recordCount());
            accumulator.reenqueue(batch, nowMs);
        } else {
            finish(batch, error, answeredByBroker && !error.retriable()
                    ? IdempotenceManager.Outcome.REJECTED : IdempotenceManager.Outcome.UNKNOWN);
        }
    }

    private void finish(ProducerBatch batch, long baseOffset, long logAppendTimeMs) {
        try {
            if (idempotence != null) {
                idempotence.onCompletion(batch, IdempotenceManager.Outcome.ACKNOWLEDGED);
            }
            batch.complete(baseOffset, logAppendTimeMs);
        } finally {
            accumulator.deallocate(batch);
        }
    }

    private void finish(ProducerBatch batch, RuntimeException error) {
        finish(batch, error, IdempotenceManager.Outcome.UNKNOWN);
    }

    private void finish(ProducerBatch batch, RuntimeException error, IdempotenceManager.Outcome outcome) {
        metrics.failed(batch.recordCount());
        try {
            if (idempotence != null) {
                idempotence.onCompletion(batch, outcome);
            }
            batch.fail(error);
        } finally {
            accumulator.deallocate(batch);
        }
    }

    private void failEverything(RuntimeException error) {
        for (InFlight request : new ArrayList<>(inFlight.values())) {
            removeInFlight(request.correlationId());
            request.batches().forEach(b -> finish(b, error));
        }
        for (ProducerBatch b : accumulator.drainAll()) {
            finish(b, error);
        }
    }

    private void awaitEvent(long timeoutMs) {
        try {
            Object e = events.pollFirst(timeoutMs, TimeUnit.MILLISECONDS);
            if (e == WAKEUP) {
                wakeupPending.set(false);
            } else if (e != null) {
                events.offerFirst(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Makes the sender look at the accumulator now instead of at the end of its current wait. */
    public void wakeup() {
        if (wakeupPending.compareAndSet(false, true)) {
            events.offer(WAKEUP);
        }
    }

    /** Stops accepting work: the loop settles everything queued and in flight, then exits. */
    public void initiateClose() {
        running = false;
        wakeup();
    }

    /** Stops now: everything not yet acknowledged fails. */
    public void forceClose() {
        forceClose = true;
        running = false;
        wakeup();
    }

    public int inFlightRequestCount() {
        return inFlight.size();
    }

    /** The idempotent producer's fatal error (e.g. fenced by a newer epoch), or null. */
    TributaryException idempotenceFatalError() {
        return idempotence == null ? null : idempotence.fatalError();
    }

    /** The producer's metrics (its façade hands out their view; tests read them). */
    ProducerMetrics metrics() {
        return metrics;
    }

    /** The idempotence bookkeeping (tests), or null. */
    IdempotenceManager idempotence() {
        return idempotence;
    }
}
