package io.tributary.client.producer;

import io.tributary.client.InterruptException;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Accounts for {@code buffer.memory}: every record reserves its estimated size before it enters the
 * accumulator and gives it back when its batch completes. send() blocks here (up to {@code max.block.ms}) when
 * the producer holds as many bytes as it may; that is the producer's back-pressure.
 *
 * <p>Thread-safe: one lock guards the counters; waiters are woken on every release.
 */
public final class MemoryPool {
    private final long totalBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition released = lock.newCondition();
    private long availableBytes;
    private int waiters;

    public MemoryPool(long totalBytes) {
        this.totalBytes = totalBytes;
        this.availableBytes = totalBytes;
    }

    /**
     * Takes {@code bytes}, waiting at most {@code maxWaitMs} for them to be released by completed batches.
     *
     * @throws BufferExhaustedException when they are not free in time
     */
    public void reserve(long bytes, long maxWaitMs) {
        if (bytes > totalBytes) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes of a " + totalBytes + "-byte buffer.memory");
        }
        lock.lock();
        try {
            if (availableBytes >= bytes) {
                availableBytes -= bytes;
                return;
            }
            long leftNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
            waiters++;
            try {
                while (availableBytes < bytes) {
                    if (leftNanos <= 0) {
                        throw new BufferExhaustedException("failed to allocate " + bytes + " bytes within the configured max blocking time "
                                + maxWaitMs + " ms (buffer.memory " + totalBytes + " bytes, " + availableBytes + " free)");
                    }
                    leftNanos = released.awaitNanos(leftNanos);
                }
                availableBytes -= bytes;
            } finally {
                waiters--;
            }
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while waiting for buffer.memory", e);
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code bytes} only if they are free now; never blocks. */
    public boolean tryReserve(long bytes) {
        lock.lock();
        try {
            if (availableBytes >= bytes && waiters == 0) {
                availableBytes -= bytes;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    public void release(long bytes) {
        if (bytes <= 0) {
            return;
        }
        lock.lock();
        try {
            availableBytes = Math.min(totalBytes, availableBytes + bytes);
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a send() is blocked waiting for memory: then batches go out without lingering, to free it. */
    public boolean hasWaiters() {
        lock.lock();
        try {
            return waiters > 0;
        } finally {
            lock.unlock();
        }
    }

    /** How many send() calls are blocked waiting for memory now. */
    public int waiterCount() {
        lock.lock();
        try {
            return waiters;
        } finally {
            lock.unlock();
        }
    }

    public long availableBytes() {
        lock.lock();
        try {
            return availableBytes;
        } finally {
            lock.unlock();
        }
    }

    public long totalBytes() {
        return totalBytes;
    }
}
