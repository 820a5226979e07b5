package io.tributary.broker.log;

import io.tributary.broker.log.LeaderEpochCache.EpochEndOffset;
import io.tributary.broker.log.LeaderEpochCache.EpochEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LeaderEpochCacheTest {
    @TempDir
    Path dir;

    private LeaderEpochCache cacheWith(int... epochAndStart) {
        LeaderEpochCache cache = LeaderEpochCache.empty(dir);
        for (int i = 0; i < epochAndStart.length; i += 2) {
            cache.assign(epochAndStart[i], epochAndStart[i + 1]);
        }
        return cache;
    }

    @Test
    void endOffsetForAnswersLikeKip279() {
        LeaderEpochCache cache = cacheWith(1, 0, 3, 10, 6, 25);
        assertEquals(new EpochEndOffset(6, 40), cache.endOffsetFor(6, 40), "latest epoch ends at the log end");
        assertEquals(new EpochEndOffset(6, 40), cache.endOffsetFor(9, 40), "a newer epoch than ours: our latest");
        assertEquals(new EpochEndOffset(3, 25), cache.endOffsetFor(3, 40));
        assertEquals(new EpochEndOffset(3, 25), cache.endOffsetFor(5, 40), "an epoch we never saw: the largest below it");
        assertEquals(new EpochEndOffset(1, 10), cache.endOffsetFor(2, 40));
        assertEquals(new EpochEndOffset(-1, -1), cache.endOffsetFor(0, 40), "older than all we know");
    }

    @Test
    void assignIgnoresOlderOrEqualEpochs() {
        LeaderEpochCache cache = cacheWith(2, 5);
        cache.assign(2, 9);
        cache.assign(1, 12);
        assertEquals(List.of(new EpochEntry(2, 5)), cache.entries());
    }

    @Test
    void truncationFromBothEndsAndReloadFromTheCheckpoint() {
        LeaderEpochCache cache = cacheWith(1, 0, 3, 10, 6, 25);
        cache.truncateFromEnd(25);
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(3, 10)), cache.entries());
        cache.truncateFromStart(12);
        assertEquals(List.of(new EpochEntry(3, 12)), cache.entries());
        assertEquals(List.of(new EpochEntry(3, 12)), LeaderEpochCache.load(dir).entries());
    }

    @Test
    void malformedCheckpointLoadsAsNullSoTheLogRebuildsIt() throws Exception {
        Files.writeString(dir.resolve(LeaderEpochCache.FILE_NAME), "0\n2\n5 10\n");
        assertNull(LeaderEpochCache.load(dir), "declares 2 entries, has 1");
        Files.writeString(dir.resolve(LeaderEpochCache.FILE_NAME), "0\n2\n5 10\n4 20\n");
        assertNull(LeaderEpochCache.load(dir), "epochs must increase");
    }
}
