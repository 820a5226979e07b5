package io.tributary.broker.common;

import io.tributary.api.util.DaemonThreads;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed thread pool that adds up how long its threads spend running tasks, so that its saturation can be read as
 * a rate: {@code 1 - d(busyNanos)/dt / threads} is the idle ratio Kafka reports as RequestHandlerAvgIdlePercent.
 * Measuring per task costs two {@link System#nanoTime()} calls and one add.
 *
 * <p>Thread-safe.
 */
public final class BusyTimeThreadPool extends ThreadPoolExecutor {
    private final LongAdder busyNanos = new LongAdder();
    /** When the current task on this thread started; a holder per worker thread, so no allocation per task. */
    private final ThreadLocal<long[]> taskStart = ThreadLocal.withInitial(() -> new long[1]);

    public BusyTimeThreadPool(int threads, String threadNamePrefix) {
        // The queue is unbounded as in Executors.newFixedThreadPool: what bounds it is upstream (gRPC flow control,
        // per-stream in-flight limits), and rejecting here would fail calls that were already admitted.
        super(threads, threads, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), DaemonThreads.numbered(threadNamePrefix));
    }

    @Override
    protected void beforeExecute(Thread t, Runnable r) {
        taskStart.get()[0] = System.nanoTime();
    }

    @Override
    protected void afterExecute(Runnable r, Throwable t) {
        busyNanos.add(System.nanoTime() - taskStart.get()[0]);
    }

    /** Total time the threads spent running tasks so far (finished tasks only). */
    public long busyNanos() {
        return busyNanos.sum();
    }

    /** Tasks waiting for a thread. */
    public int queuedTasks() {
        return getQueue().size();
    }
}
