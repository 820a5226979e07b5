package io.tributary.client.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The wait before the next try after {@code n} failures in a row: {@code initialMs * 2^(n-1)}, capped at
 * {@code maxMs}, spread by ±{@code jitter} so that many clients that lost the same broker do not come back in step
 * (Kafka's {@code reconnect.backoff.ms} / {@code reconnect.backoff.max.ms}). Immutable and thread-safe.
 */
public final class ExponentialBackoff {
    private final long initialMs;
    private final long maxMs;
    private final double jitter;

    public ExponentialBackoff(long initialMs, long maxMs, double jitter) {
        if (initialMs < 0 || maxMs < 0 || jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("backoff needs initialMs >= 0, maxMs >= 0 and 0 <= jitter < 1, got "
                    + initialMs + ", " + maxMs + ", " + jitter);
        }
        this.initialMs = initialMs;
        // A max below the initial wait means "no growth", as in Kafka.
        this.maxMs = Math.max(initialMs, maxMs);
        this.jitter = jitter;
    }

    /** The wait after {@code failures} failures in a row; 0 when there were none. */
    public long backoffMs(int failures) {
        if (failures <= 0 || initialMs == 0) {
            return 0;
        }
        int doublings = Math.min(failures - 1, 62 - (63 - Long.numberOfLeadingZeros(initialMs)));
        long base = Math.min(maxMs, initialMs << Math.max(0, doublings));
        if (jitter == 0) {
            return base;
        }
        double spread = 1 - jitter + 2 * jitter * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, Math.round(base * spread));
    }

    public long maxMs() {
        return maxMs;
    }
}
