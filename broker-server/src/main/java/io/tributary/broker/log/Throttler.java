package io.tributary.broker.log;

import io.tributary.broker.common.Time;

import java.util.concurrent.TimeUnit;

/**
 * Holds the log cleaners' disk traffic (reads plus writes, all threads together) to
 * {@code log.cleaner.io.max.bytes.per.second}: each caller reports the bytes it moved, and once a check period's
 * rate runs above the limit the caller waits until the average is back at it.
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

    /** Rates are measured over this period, so a burst of one big batch is smoothed rather than punished alone. */
    private static final long CHECK_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(100);

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

    void maybeThrottle(long bytes) {
        if (unlimited() || bytes <= 0) {
            return;
        }
        long sleepMs = 0;
        synchronized (this) {
            bytesInPeriod += bytes;
            long now = time.nanoseconds();
            long elapsedNs = now - periodStartNs;
            if (elapsedNs >= CHECK_PERIOD_NS) {
                double allowedNs = bytesInPeriod / maxBytesPerSecond * 1e9;
                if (allowedNs > elapsedNs) {
                    sleepMs = TimeUnit.NANOSECONDS.toMillis((long) (allowedNs - elapsedNs));
                }
                periodStartNs = now + TimeUnit.MILLISECONDS.toNanos(sleepMs);
                bytesInPeriod = 0;
            }
        }
        if (sleepMs > 0) {
            sleeper.sleep(sleepMs);
        }
    }
}
