package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.util.DaemonThreads;
import io.tributary.broker.common.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The log cleaner: {@code log.cleaner.threads} threads that compact logs with {@code cleanup.policy} compact (or
 * compact,delete). Each round a free thread takes the dirtiest log whose dirty ratio reached its
 * {@code min.cleanable.dirty.ratio} (or whose oldest dirty segment passed {@code max.compaction.lag.ms}), compacts it
 * with its own {@link Cleaner}, and persists the new cleaner checkpoint; with nothing to do it waits
 * {@code log.cleaner.backoff.ms}.
 *
 * <ul>
 *   <li><b>Bounded.</b> The key maps share {@code log.cleaner.dedupe.buffer.size}, the I/O buffers
 *       {@code log.cleaner.io.buffer.size}, and one {@link Throttler} holds all threads to
 *       {@code log.cleaner.io.max.bytes.per.second}.</li>
 *   <li><b>Failures stay local.</b> A cleaning that fails marks that log uncleanable (logged with the cause) until the
 *       log is deleted or the broker restarts; the thread goes on with other logs and the log keeps serving.</li>
 *   <li><b>Prompt, bounded shutdown.</b> Threads are never interrupted (an interrupt closes the {@code FileChannel}
 *       in use, which may be a live segment's): a pass checks a flag before every batch and the idle wait is a
 *       latch, so {@link #shutdown} returns within about one batch's work, and gives up waiting after
 *       {@value #SHUTDOWN_TIMEOUT_MS} ms.</li>
 * </ul>
 *
 * <p>Lifecycle {@code LATENT → STARTED → CLOSED}. Thread-safe. Lock order: {@link #stateLock}, then a
 * {@link PartitionLog}'s lock (taken while choosing a log); nothing takes {@link #stateLock} under a log's lock.
 */
public final class LogCleaner {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    static final long SHUTDOWN_TIMEOUT_MS = 10_000L;
    /** Longest a throttled pass sleeps without looking for an abort request. */
    private static final long THROTTLE_SLICE_MS = 100L;

    /**
     * The broker's {@code log.cleaner.*} settings.
     *
     * @param enable                 run cleaner threads at all
     * @param threads                cleaner threads; each compacts one log at a time
     * @param dedupeBufferSizeBytes  heap for the key maps of all threads together
     * @param ioBufferSizeBytes      read plus write buffers of all threads together
     * @param ioMaxBytesPerSecond    disk traffic of all threads together; {@link Double#MAX_VALUE} for no limit
     * @param backoffMs              idle wait between looks for a dirty log
     */
    public record Config(boolean enable, int threads, long dedupeBufferSizeBytes, int ioBufferSizeBytes,
                         double ioMaxBytesPerSecond, long backoffMs) {
        public Config {
            if (threads < 1) {
                throw new IllegalArgumentException("log.cleaner.threads must be at least 1");
            }
            if (dedupeBufferSizeBytes / threads < OffsetMap.SLOT_BYTES * 2L) {
                throw new IllegalArgumentException("log.cleaner.dedupe.buffer.size " + dedupeBufferSizeBytes + " is too small for "
                        + threads + " thread(s)");
            }
            if (ioBufferSizeBytes / threads < 2 * RecordBatch.HEADER_SIZE) {
                throw new IllegalArgumentException("log.cleaner.io.buffer.size " + ioBufferSizeBytes + " is too small for "
                        + threads + " thread(s)");
            }
            if (!(ioMaxBytesPerSecond > 0) || backoffMs < 0) {
                throw new IllegalArgumentException("log.cleaner.io.max.bytes.per.second must be positive and log.cleaner.backoff.ms not negative");
            }
        }

        /** Kafka's defaults, except a 32 MiB key map (see {@code log.cleaner.dedupe.buffer.size} in BrokerConfig). */
        public static Config defaults() {
            return new Config(true, 1, 32L * 1024 * 1024, 512 * 1024, Double.MAX_VALUE, 15_000L);
        }

        /** One thread's map; a Java array holds at most 2 GiB. */
        int offsetMapBytesPerThread() {
            return (int) Math.min(Integer.MAX_VALUE - 64, dedupeBufferSizeBytes / threads);
        }

        int ioBufferBytesPerThread() {
            return ioBufferSizeBytes / threads;
        }
    }

    /** Persists the cleaner checkpoints of one log directory (the owner serialises writes). */
    @FunctionalInterface
    public interface CheckpointWriter {
        void write(Path logDir);
    }

    private enum State { LATENT, STARTED, CLOSED }

    private final Config config;
    private final Supplier<Collection<PartitionLog>> logs;
    private final CheckpointWriter checkpoints;
    private final Time time;
    private final Throttler throttler;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final CountDownLatch shutdownLatch = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();

    private final Object stateLock = new Object();
    /** Logs being compacted, each by exactly one thread. Guarded by {@link #stateLock}. */
    private final Map<TopicPartition, PartitionLog> inProgress = new HashMap<>();
    /** Logs no cleaner may pick (being deleted). Guarded by {@link #stateLock}. */
    private final Set<TopicPartition> paused = new HashSet<>();
    /** Logs whose cleaning failed; skipped until deleted or the broker restarts. Guarded by {@link #stateLock}. */
    private final Set<TopicPartition> uncleanable = new HashSet<>();
    /** Logs whose running pass must stop at its next batch; read by cleaner threads without the lock. */
    private final Set<TopicPartition> abortRequested = ConcurrentHashMap.newKeySet();
    /** Runs {@link #cleanOnce()} for callers outside the threads (tests, tools); created on first use. */
    private Cleaner callerCleaner;

    /**
     * @param logs        the logs to consider, asked afresh every round
     * @param checkpoints called after every completed pass with the cleaned log's directory parent (its log dir)
     */
    public LogCleaner(Config config, Supplier<Collection<PartitionLog>> logs, CheckpointWriter checkpoints, Time time) {
        this.config = config;
        this.logs = logs;
        this.checkpoints = checkpoints;
        this.time = time;
        this.throttler = new Throttler(config.ioMaxBytesPerSecond(), time, this::throttleSleep);
    }

    public Config config() {
        return config;
    }

    /** Starts the threads when {@code log.cleaner.enable}; without it, {@link #cleanOnce()} still works. */
    public void startup() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("log cleaner already started or closed");
        }
        if (!config.enable()) {
            log.info("log cleaner disabled (log.cleaner.enable=false): compacted topics are not compacted");
            return;
        }
        for (int i = 0; i < config.threads(); i++) {
            Cleaner cleaner = newCleaner();
            Thread t = DaemonThreads.named("log-cleaner-" + i).newThread(() -> runThread(cleaner));
            threads.add(t);
            t.start();
        }
        log.info("log cleaner started: {} thread(s), {} bytes of key map each", config.threads(), config.offsetMapBytesPerThread());
    }

    private Cleaner newCleaner() {
        return new Cleaner(config.offsetMapBytesPerThread(), config.ioBufferBytesPerThread(), throttler, time, this::checkNotAborted);
    }

    private void runThread(Cleaner cleaner) {
        while (state.get() == State.STARTED) {
            boolean worked = false;
            try {
                worked = cleanDirtiestLog(cleaner);
            } catch (Throwable t) {
                // Not one log's failure (those are handled inside): keep the thread, and the broker, alive.
                log.error("log cleaner round failed", t);
            }
            if (!worked) {
                sleepUnlessShutdown(config.backoffMs());
            }
        }
    }

    private void sleepUnlessShutdown(long ms) {
        try {
            shutdownLatch.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A throttled pass waits here: in slices of at most {@value #THROTTLE_SLICE_MS} ms, leaving early once any pass is
     * asked to abort (the aborting pass then stops at its next batch; another one merely throttles less once) or
     * the cleaner shuts down.
     */
    private void throttleSleep(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (state.get() != State.CLOSED && abortRequested.isEmpty()) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMs <= 0) {
                return;
            }
            sleepUnlessShutdown(Math.min(leftMs, THROTTLE_SLICE_MS));
        }
    }

    private void checkNotAborted(TopicPartition tp) {
        if (state.get() == State.CLOSED || abortRequested.contains(tp)) {
            throw new Cleaner.CleaningAbortedException(tp);
        }
    }

    /**
     * Runs one round on the calling thread: picks the dirtiest log that is due and compacts it.
     *
     * @return the pass's result, or null when no log was due
     */
    Cleaner.Result cleanOnce() {
        synchronized (this) {
            if (callerCleaner == null) {
                callerCleaner = newCleaner();
            }
            Cleaner.Result[] result = {null};
            cleanDirtiestLog(callerCleaner, result);
            return result[0];
        }
    }

    private boolean cleanDirtiestLog(Cleaner cleaner) {
        return cleanDirtiestLog(cleaner, new Cleaner.Result[1]);
    }

    private boolean cleanDirtiestLog(Cleaner cleaner, Cleaner.Result[] result) {
        PartitionLog plog = grabDirtiestLog();
        if (plog == null) {
            return false;
        }
        TopicPartition tp = plog.topicPartition();
        try {
            result[0] = cleaner.clean(plog);
            if (result[0].completed()) {
                checkpoints.write(plog.dir().getParent());
            }
        } catch (Cleaner.CleaningAbortedException e) {
            log.info("{}: compaction stopped ({})", tp, state.get() == State.CLOSED ? "shutting down" : "log being deleted");
        } catch (Exception e) {
            if (e instanceof ClosedChannelException || plog.isClosed()) {
                // The log was closed, or retention or truncation removed a segment under the pass: not a failure.
                log.info("{}: compaction stopped: the log changed under it ({})", tp, e.toString());
            } else {
                markUncleanable(tp, e);
            }
        } finally {
            doneCleaning(tp);
        }
        return true;
    }

    private void markUncleanable(TopicPartition tp, Exception cause) {
        synchronized (stateLock) {
            uncleanable.add(tp);
        }
        log.error("{}: compaction failed; this log is marked uncleanable and will not be compacted again until it is "
                + "deleted or the broker restarts (it keeps serving reads and writes)", tp, cause);
    }

    /** Chooses the log to compact and marks it in progress; null when none is due. */
    private PartitionLog grabDirtiestLog() {
        if (state.get() == State.CLOSED) {
            return null;
        }
        long now = time.milliseconds();
        synchronized (stateLock) {
            PartitionLog best = null;
            double bestRatio = -1;
            for (PartitionLog plog : logs.get()) {
                TopicPartition tp = plog.topicPartition();
                LogConfig cfg = plog.config();
                if (!cfg.compact() || inProgress.containsKey(tp) || paused.contains(tp) || uncleanable.contains(tp)) {
                    continue;
                }
                CleaningSnapshot snap;
                try {
                    snap = plog.snapshotForCleaning(now);
                } catch (TributaryException closed) {
                    continue;
                }
                double ratio = snap.dirtyRatio();
                boolean due = snap.dirtyBytes() > 0
                        && (ratio >= cfg.minCleanableDirtyRatio() || snap.compactionLagExceeded(now));
                if (due && ratio > bestRatio) {
                    best = plog;
                    bestRatio = ratio;
                }
            }
            if (best != null) {
                inProgress.put(best.topicPartition(), best);
            }
            return best;
        }
    }

    private void doneCleaning(TopicPartition tp) {
        synchronized (stateLock) {
            inProgress.remove(tp);
            abortRequested.remove(tp);
            stateLock.notifyAll();
        }
    }

    /**
     * Stops any pass over {@code tp} at its next batch, waits (at most {@code timeoutMs}) until it has, and keeps the
     * log from being picked again until {@link #resume} or {@link #forget}. For a log about to be closed and deleted.
     *
     * @return true when no pass runs over the log any more
     */
    public boolean abortAndPause(TopicPartition tp, long timeoutMs) {
        synchronized (stateLock) {
            paused.add(tp);
            if (inProgress.containsKey(tp)) {
                abortRequested.add(tp);
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (inProgress.containsKey(tp)) {
                long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (remainingMs <= 0) {
                    log.warn("{}: compaction did not stop within {} ms", tp, timeoutMs);
                    return false;
                }
                try {
                    stateLock.wait(remainingMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    public void resume(TopicPartition tp) {
        synchronized (stateLock) {
            paused.remove(tp);
        }
    }

    /** Drops everything known about {@code tp} (its log was deleted; a new one starts afresh). */
    public void forget(TopicPartition tp) {
        synchronized (stateLock) {
            paused.remove(tp);
            uncleanable.remove(tp);
        }
    }

    /** Whether a pass over {@code tp} is running now. */
    public boolean isCleaning(TopicPartition tp) {
        synchronized (stateLock) {
            return inProgress.containsKey(tp);
        }
    }

    public boolean isUncleanable(TopicPartition tp) {
        synchronized (stateLock) {
            return uncleanable.contains(tp);
        }
    }

    /**
     * Stops the threads: a running pass stops at its next batch, leaving its log as it was before the group it was
     * writing. Waits at most {@value #SHUTDOWN_TIMEOUT_MS} ms in all.
     */
    public void shutdown() {
        if (state.getAndSet(State.CLOSED) == State.CLOSED) {
            return;
        }
        shutdownLatch.countDown();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_TIMEOUT_MS);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.error("{} did not stop within {} ms; closing the logs anyway", t.getName(), SHUTDOWN_TIMEOUT_MS);
            }
        }
    }
}
