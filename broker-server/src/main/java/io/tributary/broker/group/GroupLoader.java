package io.tributary.broker.group;

import io.tributary.api.TopicPartition;
import io.tributary.api.v1.GroupKey;
import io.tributary.api.v1.GroupValue;
import io.tributary.api.v1.OffsetKey;
import io.tributary.api.v1.OffsetValue;
import io.tributary.broker.log.LogReadInfo;
import io.tributary.broker.log.PartitionLog;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Rebuilds the groups of one {@code __consumer_offsets} partition from its log: reads from the log start to the log
 * end as it was when loading began, {@code offsets.load.buffer.size} bytes at a time, and applies the records in
 * order (a later record for a key replaces an earlier one; a tombstone deletes it).
 *
 * <p>Not thread-safe: one loader per load, on the coordinator's loader thread.
 */
final class GroupLoader implements GroupRecords.Visitor {

    /** What the log says about one group. */
    static final class LoadedGroup {
        GroupValue value;
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    }

    private final Map<String, LoadedGroup> groups = new HashMap<>();

    /**
     * @param stillWanted checked between reads: false abandons the load (leadership moved on meanwhile)
     * @throws CancellationException when abandoned
     */
    static Map<String, LoadedGroup> load(PartitionLog log, int bufferBytes, BooleanSupplier stillWanted) {
        GroupLoader loader = new GroupLoader();
        long end = log.logEndOffset();
        long offset = log.logStartOffset();
        while (offset < end) {
            if (!stillWanted.getAsBoolean()) {
                throw new CancellationException("leadership of " + log.topicPartition() + " changed while loading");
            }
            LogReadInfo read = log.read(offset, bufferBytes, end, true);
            ByteBuffer batches = read.records();
            if (!batches.hasRemaining()) {
                break;
            }
            long next = GroupRecords.decode(batches, Integer.MAX_VALUE, loader);
            if (next <= offset) {
                break;
            }
            offset = next;
        }
        loader.groups.values().removeIf(g -> g.value == null && g.offsets.isEmpty());
        return loader.groups;
    }

    @Override
    public void offset(long logOffset, OffsetKey key, OffsetValue valueOrNull) {
        TopicPartition tp = new TopicPartition(key.getTopic(), Math.max(0, key.getPartition()));
        if (valueOrNull == null) {
            LoadedGroup g = groups.get(key.getGroupId());
            if (g != null) {
                g.offsets.remove(tp);
            }
        } else {
            groups.computeIfAbsent(key.getGroupId(), id -> new LoadedGroup()).offsets
                    .put(tp, OffsetAndMetadata.fromValue(valueOrNull, logOffset));
        }
    }

    @Override
    public void group(long logOffset, GroupKey key, GroupValue valueOrNull) {
        if (valueOrNull == null) {
            LoadedGroup g = groups.get(key.getGroupId());
            if (g != null) {
                g.value = null;
            }
        } else {
            groups.computeIfAbsent(key.getGroupId(), id -> new LoadedGroup()).value = valueOrNull;
        }
    }
}
