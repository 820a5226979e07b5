package io.tributary.broker.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The partition's leader-epoch history: for each leader epoch, the first offset written in it (Kafka KIP-101).
 * Persisted in {@code leader-epoch-checkpoint} as {@code epoch startOffset} lines after every change, so a replica
 * that restarts can still answer "where did epoch E end?" and truncate a divergent suffix correctly.
 *
 * <p>Thread-safe: a read-write lock guards the entries; mutations come from the log's single writer.
 */
public final class LeaderEpochCache {
    public static final String FILE_NAME = "leader-epoch-checkpoint";
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_OFFSET = -1L;

    public record EpochEntry(int epoch, long startOffset) {
    }

    /** The answer to an end-offset query: the largest epoch &lt;= the requested one, and where it ended. */
    public record EpochEndOffset(int epoch, long endOffset) {
    }

    private final Path file;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final List<EpochEntry> entries = new ArrayList<>();

    private LeaderEpochCache(Path file, List<EpochEntry> initial) {
        this.file = file;
        this.entries.addAll(initial);
    }

    /**
     * Loads the checkpoint in {@code dir}.
     *
     * @return the cache, or null when the file is missing or unreadable (the caller rebuilds it from the log)
     */
    static LeaderEpochCache load(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try {
            List<String> lines = CheckpointFile.read(file);
            if (lines == null) {
                return null;
            }
            List<EpochEntry> parsed = new ArrayList<>();
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length != 2) {
                    return null;
                }
                EpochEntry e = new EpochEntry(Integer.parseInt(f[0]), Long.parseLong(f[1]));
                if (!parsed.isEmpty()) {
                    EpochEntry prev = parsed.get(parsed.size() - 1);
                    if (e.epoch() <= prev.epoch() || e.startOffset() < prev.startOffset()) {
                        return null;
                    }
                }
                parsed.add(e);
            }
            return new LeaderEpochCache(file, parsed);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    static LeaderEpochCache empty(Path dir) {
        return new LeaderEpochCache(dir.resolve(FILE_NAME), List.of());
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}, if it is newer than the latest epoch. Entries that
     * would contradict it (a later start offset under an older epoch) are removed.
     */
    public void assign(int epoch, long startOffset) {
        if (epoch < 0) {
            return;
        }
        lock.writeLock().lock();
        try {
            if (!entries.isEmpty()) {
                EpochEntry last = entries.get(entries.size() - 1);
                if (epoch <= last.epoch()) {
                    return;
                }
            }
            entries.removeIf(e -> e.startOffset() >= startOffset);
            entries.add(new EpochEntry(epoch, startOffset));
            persist();
        } finally {
            lock.writeLock().unlock();
        }
    }

    public OptionalInt latestEpoch() {
        lock.readLock().lock();
        try {
            return entries.isEmpty() ? OptionalInt.empty() : OptionalInt.of(entries.get(entries.size() - 1).epoch());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Where {@code requestedEpoch} ended, as a leader answers a follower (KIP-279): the largest epoch &lt;= the
     * requested one, with the start offset of the next larger epoch as its end; the log end offset when the
     * requested epoch is the latest. {@code (UNDEFINED_EPOCH, UNDEFINED_OFFSET)} when the requested epoch is older
     * than every entry.
     */
    public EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
        lock.readLock().lock();
        try {
            if (entries.isEmpty()) {
                return new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_OFFSET);
            }
            EpochEntry latest = entries.get(entries.size() - 1);
            if (requestedEpoch >= latest.epoch()) {
                return new EpochEndOffset(latest.epoch(), logEndOffset);
            }
            EpochEntry floor = null;
            for (EpochEntry e : entries) {
                if (e.epoch() > requestedEpoch) {
                    return floor == null
                            ? new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_OFFSET)
                            : new EpochEndOffset(floor.epoch(), e.startOffset());
                }
                floor = e;
            }
            return new EpochEndOffset(latest.epoch(), logEndOffset);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Drops epochs that start at or after {@code endOffset}: the log was truncated there. */
    public void truncateFromEnd(long endOffset) {
        lock.writeLock().lock();
        try {
            if (entries.removeIf(e -> e.startOffset() >= endOffset)) {
                persist();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Drops epochs wholly below the new log start; the one spanning it now starts there. */
    public void truncateFromStart(long startOffset) {
        lock.writeLock().lock();
        try {
            int spanning = -1;
            for (int i = 0; i < entries.size() && entries.get(i).startOffset() <= startOffset; i++) {
                spanning = i;
            }
            if (spanning < 0 || (spanning == 0 && entries.get(0).startOffset() == startOffset)) {
                return;
            }
            EpochEntry kept = new EpochEntry(entries.get(spanning).epoch(), startOffset);
            entries.subList(0, spanning + 1).clear();
            entries.add(0, kept);
            persist();
        } finally {
            lock.writeLock().unlock();
        }
    }

    public void clear() {
        lock.writeLock().lock();
        try {
            entries.clear();
            persist();
        } finally {
            lock.writeLock().unlock();
        }
    }

    public List<EpochEntry> entries() {
        lock.readLock().lock();
        try {
            return List.copyOf(entries);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Caller holds the write lock. */
    private void persist() {
        List<String> lines = new ArrayList<>(entries.size());
        for (EpochEntry e : entries) {
            lines.add(e.epoch() + " " + e.startOffset());
        }
        try {
            CheckpointFile.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    void persistNow() {
        lock.writeLock().lock();
        try {
            persist();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
