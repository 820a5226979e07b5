package io.tributary.broker.partition;

import java.util.concurrent.atomic.LongAdder;

/**
 * ISR changes seen by this broker as the leader of a partition, whoever made them: its own ISR manager (a follower
 * fell behind or caught up) or the controller (a follower's broker went away). Kafka counts only the leader's own
 * changes; counting both makes "a follower died" visible whichever side noticed first.
 *
 * <p>Thread-safe.
 */
public final class IsrChangeStats {
    private final LongAdder shrinks = new LongAdder();
    private final LongAdder expands = new LongAdder();

    void record(int oldSize, int newSize) {
        if (newSize < oldSize) {
            shrinks.increment();
        } else if (newSize > oldSize) {
            expands.increment();
        }
    }

    /** Times a led partition's ISR lost members (Kafka: ReplicaManager IsrShrinksPerSec). */
    public long shrinks() {
        return shrinks.sum();
    }

    /** Times a led partition's ISR gained members (Kafka: ReplicaManager IsrExpandsPerSec). */
    public long expands() {
        return expands.sum();
    }
}
