package io.tributary.broker.fetch;

import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.broker.common.StreamHandler;
import io.tributary.broker.common.StreamSink;
import io.tributary.broker.metrics.TopicTraffic;
import io.tributary.broker.partition.PartitionManager;

import java.io.Closeable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Owns the threads fetch sessions run on: a small pool for reads and sends, one timer for long-poll deadlines.
 * Thread-safe.
 */
public final class FetchSessions implements Closeable {
    private final PartitionManager partitions;
    private final FetchSessionConfig config;
    private final ExecutorService executor;
    private final ScheduledExecutorService timer;
    private final TopicTraffic traffic;

    public FetchSessions(PartitionManager partitions, FetchSessionConfig config, TopicTraffic traffic) {
        this.partitions = partitions;
        this.config = config;
        this.traffic = traffic;
        this.executor = Executors.newFixedThreadPool(config.threads(), DaemonThreads.numbered("fetch"));
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fetch-timer"));
    }

    /** A new consumer fetch session answering through {@code out}; the caller feeds it the consumer's requests. */
    public StreamHandler<FetchRequest> open(StreamSink<FetchResponse> out) {
        return new FetchSession(out, partitions, config, executor, timer, traffic);
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
