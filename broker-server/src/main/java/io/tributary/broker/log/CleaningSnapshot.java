package io.tributary.broker.log;

import io.tributary.api.TopicPartition;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the log cleaner may compact in one log, captured under the log's lock by
 * {@link PartitionLog#snapshotForCleaning}: the inactive segments from the log start whose every offset is below
 * the high watermark (and whose records are older than {@code min.compaction.lag.ms}), with their sizes at that
 * moment. Those segments do not change while the log's generation stays {@link #generation()}; the cleaner checks
 * it again, under the lock, before it swaps anything in.
 *
 * @param dir                 the partition directory
 * @param generation          the log's structural generation (bumped by retention, truncation and close)
 * @param firstDirtyOffset    where the cleaner's last pass stopped: records from here on were never compacted
 * @param segments            the cleanable segments, oldest first
 * @param producerLastOffsets last offset of each known idempotent producer's newest batch
 */
record CleaningSnapshot(TopicPartition topicPartition, Path dir, LogConfig config, long generation, long logStartOffset,
                        long firstDirtyOffset, List<CleanableSegment> segments, Map<Long, Long> producerLastOffsets) {

    /**
     * One segment as the cleaner saw it.
     *
     * @param nextSegmentBaseOffset the base offset of the segment after it: every offset of this one is below
     * @param firstAppendMs         when the segment got its first batch (for {@code max.compaction.lag.ms})
     */
    record CleanableSegment(Segment segment, long nextSegmentBaseOffset, int sizeInBytes, int offsetIndexBytes,
                            int timeIndexBytes, long firstAppendMs) {
        long baseOffset() {
            return segment.baseOffset();
        }
    }

    CleaningSnapshot {
        segments = List.copyOf(segments);
        producerLastOffsets = Map.copyOf(producerLastOffsets);
    }

    /** Where the cleanable part of the log ends (exclusive). */
    long cleanableEndOffset() {
        return segments.isEmpty() ? logStartOffset : segments.get(segments.size() - 1).nextSegmentBaseOffset();
    }

    /** Bytes of segments compacted before, entirely below the first dirty offset. */
    long cleanBytes() {
        long bytes = 0;
        for (CleanableSegment s : segments) {
            if (s.nextSegmentBaseOffset() <= firstDirtyOffset) {
                bytes += s.sizeInBytes();
            }
        }
        return bytes;
    }

    /** Bytes of cleanable segments holding any never-compacted record (a segment the last pass split counts whole). */
    long dirtyBytes() {
        long bytes = 0;
        for (CleanableSegment s : segments) {
            if (s.nextSegmentBaseOffset() > firstDirtyOffset) {
                bytes += s.sizeInBytes();
            }
        }
        return bytes;
    }

    /** dirty / (clean + dirty) over the cleanable segments; 0 when nothing is cleanable. */
    double dirtyRatio() {
        long dirty = dirtyBytes();
        long total = dirty + cleanBytes();
        return total == 0 ? 0.0 : (double) dirty / total;
    }

    /**
     * Whether a dirty segment has waited longer than {@code max.compaction.lag.ms}: the log must then be compacted
     * whatever its dirty ratio.
     */
    boolean compactionLagExceeded(long nowMs) {
        long maxLag = config.maxCompactionLagMs();
        if (maxLag == Long.MAX_VALUE) {
            return false;
        }
        for (CleanableSegment s : segments) {
            if (s.nextSegmentBaseOffset() > firstDirtyOffset && s.sizeInBytes() > 0 && s.firstAppendMs() >= 0
                    && nowMs - s.firstAppendMs() > maxLag) {
                return true;
            }
        }
        return false;
    }
}
