package io.tributary.broker.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class IndexGrowthTest {
    @TempDir
    Path dir;

    @Test
    void newWritableIndexStartsSmallAndGrowsOnlyAsEntriesNeedRoom() throws IOException {
        Path file = dir.resolve("0.index");
        try (OffsetIndex index = new OffsetIndex(file, 100, 10 * 1024 * 1024, true)) {
            assertEquals(AbstractIndex.INITIAL_MAPPED_BYTES, Files.size(file), "a new index must not preallocate its maximum size");
            int entries = 3 * AbstractIndex.INITIAL_MAPPED_BYTES / OffsetIndex.ENTRY_SIZE;
            for (int i = 0; i < entries; i++) {
                index.append(100 + 10L * i, 4096 * i);
            }
            assertEquals(4 * AbstractIndex.INITIAL_MAPPED_BYTES, Files.size(file), "the file doubles when full");
            for (int i = 0; i < entries; i++) {
                assertEquals(new OffsetIndex.OffsetPosition(100 + 10L * i, 4096 * i), index.lookup(100 + 10L * i + 5));
            }
        }
        assertEquals(3L * AbstractIndex.INITIAL_MAPPED_BYTES, Files.size(file), "closing trims the file to its entries");
    }

    @Test
    void growingAnIndexReleasesEachReplacedMappingAtOnce() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps) && Mappings.canUnmap(), "needs /proc/self/maps and explicit unmapping");
        Path file = dir.resolve("00000000000000000000.index");
        try (OffsetIndex index = new OffsetIndex(file, 0, 10 * 1024 * 1024, true)) {
            int entries = 64 * AbstractIndex.INITIAL_MAPPED_BYTES / OffsetIndex.ENTRY_SIZE; // six doublings
            for (int i = 0; i < entries; i++) {
                index.append(i, i * 100);
            }
            long mappings = Files.readAllLines(maps).stream().filter(line -> line.endsWith(file.toString())).count();
            assertEquals(1, mappings, "only the current mapping of " + file + " may remain");
            assertEquals(new OffsetIndex.OffsetPosition(entries - 1, (entries - 1) * 100), index.lookup(entries + 5L));
        }
    }

    @Test
    void indexTakesNoMoreEntriesThanItsMaximumSizeAllows() throws IOException {
        int maxIndexSize = 100 * TimeIndex.ENTRY_SIZE + 5;
        try (TimeIndex index = new TimeIndex(dir.resolve("0.timeindex"), 0, maxIndexSize, true)) {
            for (int i = 0; i < 100; i++) {
                assertFalse(index.isFull());
                index.maybeAppend(1_000 + i, i);
            }
            assertTrue(index.isFull());
            assertEquals(100 * TimeIndex.ENTRY_SIZE, Files.size(index.file()));
            assertThrows(IllegalStateException.class, () -> index.maybeAppend(5_000, 500));
        }
    }

    @Test
    void reopenedIndexKeepsItsEntriesAndTakesMoreWhenWritable() throws IOException {
        Path file = dir.resolve("0.index");
        try (OffsetIndex index = new OffsetIndex(file, 0, 1024 * 1024, true)) {
            for (int i = 0; i < 5; i++) {
                index.append(i * 10L, i * 100);
            }
        }
        try (OffsetIndex readOnly = new OffsetIndex(file, 0, 1024 * 1024, false)) {
            assertEquals(5, readOnly.entries());
            assertEquals(5L * OffsetIndex.ENTRY_SIZE, Files.size(file));
        }
        try (OffsetIndex index = new OffsetIndex(file, 0, 1024 * 1024, true)) {
            assertEquals(5, index.entries());
            index.append(50, 500);
            assertEquals(new OffsetIndex.OffsetPosition(50, 500), index.lookup(55));
            assertEquals(new OffsetIndex.OffsetPosition(40, 400), index.lookup(45));
        }
    }
}
