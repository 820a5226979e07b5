package io.tributary.broker.group.assignor;

import io.tributary.api.TopicPartition;

import java.util.Map;
import java.util.SortedSet;

/**
 * Computes a group's target assignment: which member should own which partition. The coordinator runs it (not a
 * member), so it is a pure function of its input: deterministic, no clock, no I/O.
 *
 * <p>Implementations are stateless and thread-safe.
 */
public interface PartitionAssignor {
    /** The name members list in {@code JoinGroup.assignors}. */
    String name();

    /**
     * Whether members must give up every partition before any is handed out again (range, roundrobin: their
     * result ignores who owns what, so nearly everything may move) rather than only the partitions that move
     * (cooperative-sticky).
     */
    boolean eager();

    /**
     * The target of every member of {@code spec} (an entry for each, possibly empty). A partition goes to at most one
     * member, and only to a member subscribed to its topic; partitions of topics no member subscribes to, or that
     * do not exist ({@code partitionCounts} has no positive count), go to nobody.
     */
    Map<String, SortedSet<TopicPartition>> assign(AssignmentSpec spec);
}
