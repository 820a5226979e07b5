package io.tributary.broker.fetch;

import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.broker.common.BusyTimeThreadPool;
import io.tributary.broker.common.StreamHandler;
import io.tributary.broker.common.StreamSink;
import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.metrics.TopicTraffic;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;

import java.io.Closeable;
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
    private final FetchSessionConfig config;
    private final BusyTimeThreadPool executor;
    private final ScheduledExecutorService timer;
    private final TopicTraffic traffic;
    private final RequestMetrics.Type stats;
    private final AtomicInteger open = new AtomicInteger();
    private final Runnable closed = open::decrementAndGet;

    private final Authorization authorization;

    public FetchSessions(PartitionManager partitions, FetchSessionConfig config, TopicTraffic traffic, RequestMetrics requests,
                         Authorization authorization) {
        this.partitions = partitions;
        this.authorization = authorization;
        this.config = config;
        this.traffic = traffic;
        this.stats = requests.type(RequestMetrics.FETCH_CONSUMER);
        this.executor = new BusyTimeThreadPool(config.threads(), "fetch");
        this.timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fetch-timer"));
    }

    /**
     * A new consumer fetch session of {@code ctx} (its partitions need Read on their topics) answering through
     * {@code out}; the caller feeds it the consumer's requests.
     */
    public StreamHandler<FetchRequest> open(RequestContext ctx, StreamSink<FetchResponse> out) {
        open.incrementAndGet();
        return new FetchSession(out, partitions, config, executor, timer, traffic, stats, closed, ctx, authorization);
    }

    /** The threads sessions read and send on, for the metrics. */
    public BusyTimeThreadPool executor() {
        return executor;
    }

    /** Sessions open now (Kafka: FetchSessionCache NumIncrementalFetchSessions). */
    public int openSessions() {
        return open.get();
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
