package io.tributary.broker.log;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A partition's segments by base offset, oldest first; the last one is the active segment (the one appends go to).
 * Never empty once a log is loaded. Readers walk it without a lock (a concurrent skip list: a reader sees each
 * segment either before or after a change, never a torn map); changes are made by the one writer holding the
 * partition log's lock.
 */
final class SegmentMap {
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();

    Segment active() {
        return segments.lastEntry().getValue();
    }

    long firstBaseOffset() {
        return segments.firstKey();
    }

    int size() {
        return segments.size();
    }

    Segment get(long baseOffset) {
        return segments.get(baseOffset);
    }

    /** The segment that would hold {@code offset}: the one with the greatest base offset at or below it. */
    Map.Entry<Long, Segment> floorEntry(long offset) {
        return segments.floorEntry(offset);
    }

    /** The segment after the one based at {@code baseOffset}, or null. */
    Map.Entry<Long, Segment> higherEntry(long baseOffset) {
        return segments.higherEntry(baseOffset);
    }

    /** The segment holding {@code offset} and every later one (all of them when {@code offset} is below the first). */
    Collection<Segment> from(long offset) {
        Long floor = segments.floorKey(offset);
        return segments.tailMap(floor == null ? Long.MIN_VALUE : floor, true).values();
    }

    /** Segments whose base offset is above {@code offset}, as a copy. */
    List<Segment> basedAbove(long offset) {
        return new ArrayList<>(segments.tailMap(offset, false).values());
    }

    Collection<Segment> all() {
        return segments.values();
    }

    List<Long> baseOffsets() {
        return List.copyOf(segments.keySet());
    }

    long sizeInBytes() {
        long total = 0;
        for (Segment s : segments.values()) {
            total += s.size();
        }
        return total;
    }

    void put(Segment segment) {
        segments.put(segment.baseOffset(), segment);
    }

    void remove(Segment segment) {
        segments.remove(segment.baseOffset(), segment);
    }

    void clear() {
        segments.clear();
    }
}
