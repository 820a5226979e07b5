package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.LeaderHintException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.broker.common.Time;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes group records to one {@code __consumer_offsets} partition like an acks=all producer: append as leader at the
 * epoch the partition was loaded at (a write from a coordinator whose leadership ended is fenced, never applied),
 * then wait for the high watermark (and the fsync when {@code log.flush.before.ack.enable}), bounded by
 * {@code offsets.commit.timeout.ms}. Partition errors become the coordinator errors a client acts on. Thread-safe.
 */
final class PartitionGroupLogWriter implements GroupLogWriter {
    /** Batch header and framing the record size estimate does not count. */
    private static final int BATCH_SLACK_BYTES = 1024;

    private final PartitionManager partitions;
    private final LogManager logManager;
    private final TopicPartition tp;
    private final int leaderEpoch;
    private final long commitTimeoutMs;
    private final Time time;
    private final Executor callbacks;

    PartitionGroupLogWriter(PartitionManager partitions, LogManager logManager, TopicPartition tp, int leaderEpoch,
                            long commitTimeoutMs, Time time, Executor callbacks) {
        this.partitions = partitions;
        this.logManager = logManager;
        this.tp = tp;
        this.leaderEpoch = leaderEpoch;
        this.commitTimeoutMs = commitTimeoutMs;
        this.time = time;
        this.callbacks = callbacks;
    }

    @Override
    public Appended append(List<GroupRecords.Entry> entries) {
        if (entries.isEmpty()) {
            return new Appended(new long[0], CompletableFuture.completedFuture(null));
        }
        Partition partition;
        try {
            partition = partitions.leaderPartition(tp, OptionalInt.of(leaderEpoch));
        } catch (TributaryException e) {
            throw coordinatorError(e);
        }
        int maxBatchBytes = Math.max(1024, partition.log().config().maxMessageBytes() - BATCH_SLACK_BYTES);
        long[] logOffsets = new long[entries.size()];
        int next = 0;
        long end = -1;
        for (ByteBuffer batch : GroupRecords.toBatches(entries, maxBatchBytes, time.milliseconds())) {
            LogAppendInfo info;
            try {
                info = partition.appendAsLeader(batch, OptionalInt.of(leaderEpoch), true);
            } catch (TributaryException e) {
                throw coordinatorError(e);
            }
            for (long o = info.firstOffset(); o <= info.lastOffset(); o++) {
                logOffsets[next++] = o;
            }
            end = info.lastOffset() + 1;
        }
        CompletableFuture<Void> replicated = partition.awaitHighWatermark(end).copy();
        if (logManager != null && logManager.flushBeforeAck()) {
            replicated = replicated.thenCombine(logManager.awaitDurable(partition.log(), end), (a, b) -> null);
        }
        long appendedEnd = end;
        CompletableFuture<Void> acknowledged = replicated.orTimeout(commitTimeoutMs, TimeUnit.MILLISECONDS)
                .handleAsync((ok, failure) -> {
                    if (failure != null) {
                        throw new CompletionException(ackError(failure, appendedEnd));
                    }
                    return null;
                }, callbacks);
        return new Appended(logOffsets, acknowledged);
    }

    private TributaryException ackError(Throwable failure, long end) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof TimeoutException) {
            return new TributaryException(ErrorCode.REQUEST_TIMED_OUT, "the group write to " + tp + " (up to offset "
                    + (end - 1) + ") was not replicated to every in-sync replica within offsets.commit.timeout.ms="
                    + commitTimeoutMs + "; retry");
        }
        if (cause instanceof TributaryException te) {
            return coordinatorError(te);
        }
        return new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "group write to " + tp + " failed: " + cause, cause);
    }

    /** A partition error as the error a group client acts on. */
    TributaryException coordinatorError(TributaryException e) {
        return switch (e.error()) {
            case NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, LEADER_NOT_AVAILABLE,
                    UNKNOWN_TOPIC_OR_PARTITION -> new LeaderHintException(ErrorCode.NOT_COORDINATOR,
                    "broker " + partitions.brokerId() + " is no longer the coordinator for groups on " + tp + " ("
                            + e.getMessage() + "); find the coordinator again", partitions.leaderHint(tp));
            case NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND -> new TributaryException(
                    ErrorCode.COORDINATOR_NOT_AVAILABLE, "the coordinator cannot store group state on " + tp
                    + " right now: " + e.getMessage() + "; retry");
            case REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR -> e;
            default -> new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "writing group state to " + tp
                    + " failed: " + e, e);
        };
    }
}
