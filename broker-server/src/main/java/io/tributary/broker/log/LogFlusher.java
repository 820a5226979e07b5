package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.util.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Group commit for fsync-before-ack: appenders ask for "durable up to offset N" and get a future; one thread takes
 * every request waiting, fsyncs each log once up to the highest offset asked of it, and completes them all. While it
 * syncs, new requests queue up and share the next sync, so many acks cost one fsync.
 *
 * <p>Thread-safe. The queue is bounded ({@code maxQueuedRequests}); when it is full a request fails at once with a
 * retriable THROTTLING_QUOTA_EXCEEDED rather than blocking a request thread.
 */
final class LogFlusher implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);

    private record Request(PartitionLog partitionLog, long offset, CompletableFuture<Void> done) {
    }

    private final BlockingQueue<Request> queue;
    private final Thread thread;
    private volatile boolean running = true;

    LogFlusher(int maxQueuedRequests) {
        this.queue = new ArrayBlockingQueue<>(maxQueuedRequests);
        this.thread = DaemonThreads.named("log-flusher").newThread(this::run);
        this.thread.start();
    }

    /** Completes once every record of {@code partitionLog} below {@code offset} is fsynced. */
    CompletableFuture<Void> flushAsync(PartitionLog partitionLog, long offset) {
        if (partitionLog.recoveryPoint() >= offset) {
            return CompletableFuture.completedFuture(null);
        }
        Request request = new Request(partitionLog, offset, new CompletableFuture<>());
        if (!running) {
            request.done.completeExceptionally(new TributaryException(ErrorCode.STORAGE_ERROR, "the log flusher is shut down"));
        } else if (!queue.offer(request)) {
            request.done.completeExceptionally(new TributaryException(ErrorCode.THROTTLING_QUOTA_EXCEEDED,
                    "too many appends are waiting for fsync (" + queue.size() + "); retry shortly"));
        }
        return request.done;
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch);
                syncAll(batch);
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Request left;
        while ((left = queue.poll()) != null) {
            left.done.completeExceptionally(new TributaryException(ErrorCode.STORAGE_ERROR, "the log flusher is shut down"));
        }
    }

    private static void syncAll(List<Request> batch) {
        Map<PartitionLog, Long> highest = new HashMap<>();
        for (Request r : batch) {
            highest.merge(r.partitionLog, r.offset, Math::max);
        }
        Map<PartitionLog, Throwable> failures = new HashMap<>();
        for (Map.Entry<PartitionLog, Long> e : highest.entrySet()) {
            try {
                e.getKey().flush(e.getValue());
            } catch (RuntimeException ex) {
                log.error("fsync of {} failed", e.getKey().topicPartition(), ex);
                failures.put(e.getKey(), ex);
            }
        }
        for (Request r : batch) {
            Throwable failure = failures.get(r.partitionLog);
            if (failure != null) {
                r.done.completeExceptionally(failure);
            } else {
                r.done.complete(null);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
