package io.tributary.broker.group;

import io.tributary.broker.common.Time;

import java.util.function.ToIntFunction;

/**
 * What a {@link ConsumerGroup} needs from the world: settings, a clock, its partition's log, the partition counts of
 * topics, and a timer. Injected so the group's state machine runs in a unit test with a fake of each. Immutable.
 *
 * @param partitionCounts topic → partition count now (0 for a topic that does not exist)
 */
record GroupEnvironment(GroupConfig config, Time time, GroupLogWriter writer, ToIntFunction<String> partitionCounts,
                        Scheduler scheduler) {

    /** Runs a group's timer task later. Implementations are thread-safe. */
    interface Scheduler {
        /** Runs {@code task} after {@code delayMs}; the handle cancels it. */
        Cancellable schedule(Runnable task, long delayMs);
    }

    interface Cancellable {
        void cancel();
    }
}
