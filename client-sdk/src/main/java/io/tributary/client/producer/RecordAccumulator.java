package io.tributary.client.producer;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.Header;
import io.tributary.client.Cluster;
import io.tributary.client.InterruptException;
import io.tributary.client.Node;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Queues records per partition in batches until the sender takes them: a batch is ready when it is full
 * ({@code batch.size}), has waited {@code linger.ms}, a flush or close is under way, or a send() is blocked on
 * {@code buffer.memory}. Memory is bounded by a {@link MemoryPool}; batches waiting longer than
 * {@code delivery.timeout.ms} are expired.
 *
 * <p>Thread-safe. Each partition's queue is guarded by its own monitor ({@code synchronized (deque)}), held
 * only for short non-blocking work; the memory reservation, which may block, happens before taking it. The
 * sender thread alone calls {@link #ready}, {@link #drain}, {@link #reenqueue} and {@link #expiredBatches}.
 */
public final class RecordAccumulator {
    /** Per-record framing estimate (protobuf tags, lengths, varints) on top of key, value and headers. */
    static final int RECORD_OVERHEAD_BYTES = 24;

    private final int batchSizeBytes;
    private final long lingerMs;
    private final long retryBackoffMs;
    private final long deliveryTimeoutMs;
    private final Compression compression;
    private final MemoryPool memory;
    private final ConcurrentMap<TopicPartition, Deque<ProducerBatch>> batches = new ConcurrentHashMap<>();
    private final Set<ProducerBatch> incomplete = ConcurrentHashMap.newKeySet();
    private final AtomicLong nextBatchSequence = new AtomicLong();
    private final AtomicInteger flushesInProgress = new AtomicInteger();
    private final AtomicInteger appendsInProgress = new AtomicInteger();
    private volatile boolean closed;
    private int drainIndex;

    /** Outcome of one append: the record's future, and what the caller should tell the sender or partitioner. */
    public record AppendResult(Future<RecordMetadata> future, boolean batchIsFull, boolean newBatchCreated,
                               boolean abortedForNewBatch) {
    }

    /** Which leaders have data to send now, when to look again, and which topics lack a known leader. */
    public record ReadyCheckResult(Set<Node> readyNodes, long nextReadyCheckDelayMs, boolean unknownLeadersExist) {
    }

    public RecordAccumulator(int batchSizeBytes, long bufferMemoryBytes, long lingerMs, long retryBackoffMs,
                             long deliveryTimeoutMs, Compression compression) {
        this.batchSizeBytes = batchSizeBytes;
        this.lingerMs = lingerMs;
        this.retryBackoffMs = retryBackoffMs;
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        this.compression = compression;
        this.memory = new MemoryPool(bufferMemoryBytes);
    }

    /** The bytes a record is charged against buffer.memory and batch.size. */
    public static int estimateRecordSizeBytes(byte[] key, byte[] value, List<Header> headers) {
        int size = RECORD_OVERHEAD_BYTES + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        if (headers != null) {
            for (Header h : headers) {
                size += 8 + h.key().length() * 3 + (h.value() == null ? 0 : h.value().length);
            }
        }
        return size;
    }

    /**
     * Adds a record to the partition's open batch, or a new batch. Blocks up to {@code maxBlockMs} for memory.
     *
     * @param abortOnNewBatch when the record does not fit the open batch, return {@code abortedForNewBatch}
     *     instead of starting a new one, so a sticky partitioner may pick another partition first
     * @throws BufferExhaustedException when memory does not free up in time
     */
    public AppendResult append(TopicPartition tp, long timestampMs, byte[] key, byte[] value, List<Header> headers,
                               Callback callback, long maxBlockMs, boolean abortOnNewBatch, long nowMs) {
        appendsInProgress.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("cannot send after the producer is closed");
            }
            int size = estimateRecordSizeBytes(key, value, headers);
            Deque<ProducerBatch> deque = batches.computeIfAbsent(tp, k -> new ArrayDeque<>());
            synchronized (deque) {
                AppendResult r = tryAppendLast(deque, timestampMs, key, value, headers, callback, size, false);
                if (r != null) {
                    return r;
                }
                if (abortOnNewBatch) {
                    return new AppendResult(null, false, false, true);
                }
            }
            memory.reserve(size, maxBlockMs);
            boolean handedOver = false;
            try {
                synchronized (deque) {
                    if (closed) {
                        throw new IllegalStateException("cannot send after the producer is closed");
                    }
                    AppendResult r = tryAppendLast(deque, timestampMs, key, value, headers, callback, size, true);
                    if (r != null) {
                        // Another thread opened a batch while this one waited for memory; the reservation was taken
                        // per record, so it simply becomes that batch's.
                        handedOver = true;
                        return r;
                    }
                    // A batch still queued means the partition fills batches faster than they leave: size the new
                    // one for batch.size at once rather than regrow it from 1 KiB (each regrowth copies the body).
                    // Quiet partitions start small so thousands of them do not hold batch.size each.
                    int capacityBytes = deque.isEmpty() ? Math.min(batchSizeBytes, Math.max(size, 1024)) : Math.max(batchSizeBytes, size);
                    ProducerBatch batch = new ProducerBatch(tp, nextBatchSequence.getAndIncrement(), compression, nowMs,
                            deliveryTimeoutMs, capacityBytes, size);
                    FutureRecordMetadata future = batch.tryAppend(timestampMs, key, value, headers, callback, size, batchSizeBytes);
                    deque.addLast(batch);
                    incomplete.add(batch);
                    handedOver = true;
                    return new AppendResult(future, deque.size() > 1 || batch.isFull(batchSizeBytes), true, false);
                }
            } finally {
                if (!handedOver) {
                    memory.release(size);
                }
            }
        } finally {
            appendsInProgress.decrementAndGet();
        }
    }

    /**
     * Appends to the partition's open batch; callers hold the deque's monitor. Without {@code reserved}, the
     * record's memory is taken here only if free right now, since blocking would hold the partition's monitor.
     */
    private AppendResult tryAppendLast(Deque<ProducerBatch> deque, long timestampMs, byte[] key, byte[] value, List<Header> headers,
                                       Callback callback, int size, boolean reserved) {
        ProducerBatch last = deque.peekLast();
        if (last == null || (!reserved && !memory.tryReserve(size))) {
            return null;
        }
        FutureRecordMetadata future = last.tryAppend(timestampMs, key, value, headers, callback, size, batchSizeBytes);
        if (future == null) {
            if (!reserved) {
                memory.release(size);
            }
            return null;
        }
        return new AppendResult(future, deque.size() > 1 || last.isFull(batchSizeBytes), false, false);
    }

    public ReadyCheckResult ready(Cluster cluster, long nowMs) {
        return ready(cluster, nowMs, Set.of());
    }

    /** As {@link #ready(Cluster, long)}, ignoring {@code muted} partitions (those with a batch in flight when order must hold). */
    public ReadyCheckResult ready(Cluster cluster, long nowMs, Set<TopicPartition> muted) {
        return ready(cluster, nowMs, b -> !muted.contains(b.topicPartition()));
    }

    /**
     * As {@link #ready(Cluster, long)}, ignoring partitions whose first queued batch {@code canSend} refuses (muted
     * partitions; an idempotent producer's sequencing rules). {@code canSend} runs under the partition's monitor.
     */
    public ReadyCheckResult ready(Cluster cluster, long nowMs, Predicate<ProducerBatch> canSend) {
        Set<Node> ready = new HashSet<>();
        long nextDelayMs = Long.MAX_VALUE;
        boolean unknownLeaders = false;
        boolean exhausted = memory.hasWaiters();
        boolean flushing = flushesInProgress.get() > 0 || closed;
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> e : batches.entrySet()) {
            synchronized (e.getValue()) {
                ProducerBatch first = e.getValue().peekFirst();
                if (first == null || !canSend.test(first)) {
                    continue;
                }
                Node leader = cluster.leaderFor(e.getKey());
                if (leader == null) {
                    unknownLeaders = true;
                    continue;
                }
                if (ready.contains(leader)) {
                    continue;
                }
                boolean backingOff = first.attempts() > 0 && nowMs < first.retryAtMs();
                long waitedMs = nowMs - (first.attempts() > 0 ? first.lastAttemptMs() : first.createdMs());
                long timeToWaitMs = first.attempts() > 0 ? retryBackoffMs : lingerMs;
                boolean full = e.getValue().size() > 1 || first.isFull(batchSizeBytes);
                boolean sendable = full || waitedMs >= timeToWaitMs || exhausted || flushing;
                if (sendable && !backingOff) {
                    ready.add(leader);
                } else {
                    long left = backingOff ? first.retryAtMs() - nowMs : timeToWaitMs - waitedMs;
                    nextDelayMs = Math.min(nextDelayMs, Math.max(left, 0));
                }
            }
        }
        return new ReadyCheckResult(ready, nextDelayMs, unknownLeaders);
    }

    /**
     * Takes, for each node, the first batch of each partition it leads, up to {@code maxRequestSizeBytes} per node
     * (a single larger batch still goes alone). Drained batches are closed to appends and encoded.
     */
    public Map<Integer, List<ProducerBatch>> drain(Cluster cluster, Set<Node> nodes, int maxRequestSizeBytes, long nowMs) {
        return drain(cluster, nodes, maxRequestSizeBytes, nowMs, Set.of());
    }

    /** As {@link #drain(Cluster, Set, int, long)}, leaving {@code muted} partitions' batches queued. */
    public Map<Integer, List<ProducerBatch>> drain(Cluster cluster, Set<Node> nodes, int maxRequestSizeBytes, long nowMs,
                                                   Set<TopicPartition> muted) {
        return drain(cluster, nodes, maxRequestSizeBytes, nowMs, b -> !muted.contains(b.topicPartition()));
    }

    /** As {@link #drain(Cluster, Set, int, long)}, leaving a partition queued when {@code canSend} refuses its first batch. */
    public Map<Integer, List<ProducerBatch>> drain(Cluster cluster, Set<Node> nodes, int maxRequestSizeBytes, long nowMs,
                                                   Predicate<ProducerBatch> canSend) {
        Map<Integer, List<ProducerBatch>> out = new HashMap<>();
        Set<Integer> nodeIds = new HashSet<>();
        nodes.forEach(n -> nodeIds.add(n.id()));
        List<Map.Entry<TopicPartition, Deque<ProducerBatch>>> entries = new ArrayList<>(batches.entrySet());
        if (entries.isEmpty()) {
            return out;
        }
        // Start where the last drain stopped so no partition is always last in line for request space.
        int start = Math.floorMod(drainIndex++, entries.size());
        Map<Integer, Integer> sizeByNode = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            Map.Entry<TopicPartition, Deque<ProducerBatch>> e = entries.get((start + i) % entries.size());
            Node leader = cluster.leaderFor(e.getKey());
            if (leader == null || !nodeIds.contains(leader.id())) {
                continue;
            }
            synchronized (e.getValue()) {
                ProducerBatch first = e.getValue().peekFirst();
                if (first == null || (first.attempts() > 0 && nowMs < first.retryAtMs()) || !canSend.test(first)) {
                    continue;
                }
                int used = sizeByNode.getOrDefault(leader.id(), 0);
                int size = first.estimatedSizeBytes();
                if (used > 0 && used + size > maxRequestSizeBytes) {
                    continue;
                }
                e.getValue().pollFirst();
                first.close();
                sizeByNode.put(leader.id(), used + first.estimatedSizeBytes());
                out.computeIfAbsent(leader.id(), k -> new ArrayList<>()).add(first);
            }
        }
        return out;
    }

    /**
     * Puts a batch that failed with a retriable error back at the front of its partition's queue, ordered by
     * creation among other retried batches so a retry does not overtake an older batch.
     */
    public void reenqueue(ProducerBatch batch, long nowMs) {
        batch.backOffUntil(nowMs + retryBackoffMs);
        Deque<ProducerBatch> deque = batches.computeIfAbsent(batch.topicPartition(), k -> new ArrayDeque<>());
        synchronized (deque) {
            Deque<ProducerBatch> older = new ArrayDeque<>();
            while (!deque.isEmpty() && deque.peekFirst().sequenceNumber() < batch.sequenceNumber()) {
                older.addLast(deque.pollFirst());
            }
            deque.addFirst(batch);
            while (!older.isEmpty()) {
                deque.addFirst(older.pollLast());
            }
        }
    }

    /** Takes a queued batch out of its partition's queue (to fail it); false if it was not queued. */
    public boolean remove(ProducerBatch batch) {
        Deque<ProducerBatch> deque = batches.get(batch.topicPartition());
        if (deque == null) {
            return false;
        }
        synchronized (deque) {
            return deque.remove(batch);
        }
    }

    /** Removes and returns queued batches whose delivery.timeout.ms has passed. */
    public List<ProducerBatch> expiredBatches(long nowMs) {
        List<ProducerBatch> expired = new ArrayList<>();
        for (Deque<ProducerBatch> deque : batches.values()) {
            synchronized (deque) {
                Iterator<ProducerBatch> it = deque.iterator();
                while (it.hasNext()) {
                    ProducerBatch b = it.next();
                    if (nowMs >= b.deliveryDeadlineMs()) {
                        it.remove();
                        b.close();
                        expired.add(b);
                    }
                }
            }
        }
        return expired;
    }

    /** Removes every queued batch (on a forced close). */
    public List<ProducerBatch> drainAll() {
        List<ProducerBatch> all = new ArrayList<>();
        for (Deque<ProducerBatch> deque : batches.values()) {
            synchronized (deque) {
                all.addAll(deque);
                deque.clear();
            }
        }
        return all;
    }

    /** Gives a finished batch's memory back; called once per batch after its outcome is delivered. */
    public void deallocate(ProducerBatch batch) {
        incomplete.remove(batch);
        memory.release(batch.reservedBytes());
    }

    public boolean hasUndrained() {
        for (Deque<ProducerBatch> deque : batches.values()) {
            synchronized (deque) {
                if (!deque.isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    public boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    public void beginFlush() {
        flushesInProgress.incrementAndGet();
    }

    /** Waits until every batch that existed when called has completed, then ends the flush. */
    public void awaitFlushCompletion() {
        try {
            for (ProducerBatch b : new ArrayList<>(incomplete)) {
                try {
                    b.doneFuture().get();
                } catch (ExecutionException impossible) {
                    // doneFuture only ever completes normally; failures are on the records' futures.
                }
            }
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted during flush", e);
        } finally {
            flushesInProgress.decrementAndGet();
        }
    }

    /** Waits up to {@code timeoutMs} for every batch to complete; returns whether they did. */
    public boolean awaitAllComplete(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (ProducerBatch b : new ArrayList<>(incomplete)) {
            long left = deadline - System.nanoTime();
            try {
                b.doneFuture().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                throw new InterruptException("interrupted while closing", e);
            } catch (ExecutionException impossible) {
                // see awaitFlushCompletion
            }
        }
        return incomplete.isEmpty();
    }

    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Whether a send() is between its closed-check and its enqueue; close waits for these. */
    public boolean appendsInProgress() {
        return appendsInProgress.get() > 0;
    }

    public MemoryPool memory() {
        return memory;
    }

    public int batchSizeBytes() {
        return batchSizeBytes;
    }
}
