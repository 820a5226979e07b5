package io.tributary.broker.group;

import io.tributary.api.TributaryException;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a group's records go: its {@code __consumer_offsets} partition, as leader at the epoch the coordinator
 * loaded it at. The append itself is synchronous, so records of one group land in the order the group (under its
 * lock) wrote them; replication is waited for asynchronously.
 *
 * <p>Implementations are thread-safe.
 */
interface GroupLogWriter {

    /**
     * @param logOffsets   the log offset of each entry, in order
     * @param acknowledged completes once every in-sync replica has the records (bounded by
     *                     {@code offsets.commit.timeout.ms}); fails with NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or
     *                     REQUEST_TIMED_OUT. Completes on a coordinator thread, never on the one that moved the high
     *                     watermark.
     */
    record Appended(long[] logOffsets, CompletableFuture<Void> acknowledged) {
    }

    /**
     * Appends the entries (in several batches if they exceed the topic's batch size limit).
     *
     * @throws TributaryException NOT_COORDINATOR (with the leader as hint) when this broker no longer leads the
     *     partition at the loaded epoch, COORDINATOR_NOT_AVAILABLE when too few replicas are in sync
     */
    Appended append(List<GroupRecords.Entry> entries);
}
