package io.tributary.broker.fetch;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.partition.PartitionManager;

import java.io.Closeable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns the threads fetch sessions run on: a small pool for reads and sends, one timer for long-poll deadlines.
 * Thread-safe.
 */
public final class FetchSessions implements Closeable {
    private final PartitionManager partitions;
    private final BrokerConfig config;
    private final ExecutorService executor;
    private final ScheduledExecutorService timer;

    public FetchSessions(PartitionManager partitions, BrokerConfig config) {
        this.partitions = partitions;
        this.config = config;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(Math.max(2, config.numIoThreads() / 2), r -> {
            Thread t = new Thread(r, "fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fetch-timer");
            t.setDaemon(true);
            return t;
        });
    }

    public StreamObserver<FetchRequest> open(ServerCallStreamObserver<FetchResponse> out) {
        return new FetchSession(out, partitions, config, executor, timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
