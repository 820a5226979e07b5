package io.tributary.broker.common;

/**
 * The broker's clock, injected so tests can move time (segment roll by age, retention) without sleeping.
 * Implementations are thread-safe.
 */
public interface Time {
    Time SYSTEM = new Time() {
        @Override
        public long milliseconds() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoseconds() {
            return System.nanoTime();
        }
    };

    /** Wall-clock milliseconds since the epoch. */
    long milliseconds();

    /** A monotonic clock for measuring intervals. */
    long nanoseconds();
}
