package io.tributary.broker.common;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test says so. Thread-safe. */
public final class MockTime implements Time {
    private final AtomicLong nowMs;
    private final AtomicLong nowNs = new AtomicLong(1_000_000_000L);

    public MockTime(long startMs) {
        this.nowMs = new AtomicLong(startMs);
    }

    public MockTime() {
        this(1_700_000_000_000L);
    }

    @Override
    public long milliseconds() {
        return nowMs.get();
    }

    @Override
    public long nanoseconds() {
        return nowNs.get();
    }

    public void sleep(long ms) {
        nowMs.addAndGet(ms);
        nowNs.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }
}
