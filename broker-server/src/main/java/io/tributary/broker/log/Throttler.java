package io.tributary.broker.log;

import io.tributary.broker.common.Time;

import java.util.concurrent.TimeUnit;

/**
 * Holds the log cleaners' disk traffic (reads plus writes, all threads together) to
 * {@code log.cleaner.io.max.bytes.per.second}: each caller reports the bytes it moved, and when the
 * window's traffic runs ahead of the limit the caller waits until it is back at it.
 *
 * <p>Thread-safe. The wait is not {@link Thread#sleep}: the cleaner's {@link Sleeper} wakes at once on shutdown, and
 * cleaner threads are never interrupted (an interrupt closes any {@code FileChannel} the thread is using, which
 * would close a segment of a live log).
 */
final class Throttler {
    /** Waits up to the given time; returns early when the owner shuts down. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long ms);
    }

    /** The longest window the rate is averaged over: a burst after idle time is allowed at most this much slack. */
    private static final long CHECK_PERIOD_MS = 100;

    private final double maxBytesPerSecond;
    private final Time time;
    private final Sleeper sleeper;
    private long periodStartNs;
    private long bytesInPeriod;

    Throttler(double maxBytesPerSecond, Time time, Sleeper sleeper) {
        this.maxBytesPerSecond = maxBytesPerSecond;
        this.time = time;
        this.sleeper = sleeper;
        this.periodStartNs = time.nanoseconds();
    }

    boolean unlimited() {
        return maxBytesPerSecond == Double.MAX_VALUE;
    }

    /**
     * Counts {@code bytes} moved and, if the traffic of the current window is ahead of the limit, waits until it
     * is not. The window restarts after a wait, and after {@value #CHECK_PERIOD_MS} ms without one, so idle time
     * never banks credit for more than one period's burst.
     */
    void maybeThrottle(long bytes) {
        if (unlimited() || bytes <= 0) {
            return;
        }
        long sleepMs;
        synchronized (this) {
            bytesInPeriod += bytes;
            long now = time.nanoseconds();
            long elapsedNs = now - periodStartNs;
            double neededNs = bytesInPeriod / maxBytesPerSecond * 1e9;
            sleepMs = neededNs > elapsedNs ? TimeUnit.NANOSECONDS.toMillis((long) (neededNs - elapsedNs)) : 0;
            if (sleepMs > 0 || elapsedNs >= TimeUnit.MILLISECONDS.toNanos(CHECK_PERIOD_MS)) {
                periodStartNs = now + TimeUnit.MILLISECONDS.toNanos(sleepMs);
                bytesInPeriod = 0;
            }
        }
        if (sleepMs > 0) {
            sleeper.sleep(sleepMs);
        }
    }
}
