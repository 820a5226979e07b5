package io.tributary.broker.log;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffsetMapTest {
    private static ByteBuffer key(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsTheNewestOffsetPerKeyAndForgetsOnClear() {
        OffsetMap map = new OffsetMap(24 * 1000);
        map.put(key("a"), 5);
        map.put(key("b"), 6);
        map.put(key("a"), 9);
        map.put(key("a"), 7); // an older offset never replaces a newer one
        assertEquals(9, map.get(key("a")));
        assertEquals(6, map.get(key("b")));
        assertEquals(-1, map.get(key("c")));
        assertEquals(2, map.size());
        map.clear();
        assertEquals(-1, map.get(key("a")));
        assertEquals(0, map.size());
    }

    @Test
    void offsetZeroAndTheEmptyKeyAreOrdinaryEntries() {
        OffsetMap map = new OffsetMap(24 * 10);
        map.put(key(""), 0);
        assertEquals(0, map.get(key("")));
    }

    @Test
    void fillsToItsLoadFactorThenRefusesNewKeysButNotUpdates() {
        OffsetMap map = new OffsetMap(24 * 1000);
        assertEquals(997, OffsetMap.largestPrimeAtMost(1000));
        assertEquals((int) (997 * OffsetMap.LOAD_FACTOR), map.maxEntries());
        for (int i = 0; i < map.maxEntries(); i++) {
            map.put(key("key-" + i), i);
        }
        for (int i = 0; i < map.maxEntries(); i++) {
            assertEquals(i, map.get(key("key-" + i)), "key-" + i);
        }
        map.put(key("key-3"), 10_000);
        assertEquals(10_000, map.get(key("key-3")));
        assertThrows(IllegalStateException.class, () -> map.put(key("one-too-many"), 1));
        assertTrue(map.averageProbes() < 5, "probes " + map.averageProbes());
    }

    @Test
    void memoryIsBoundedByTheConfiguredBytes() {
        OffsetMap map = new OffsetMap(1 << 20);
        assertTrue(map.memoryBytes() <= 1 << 20);
        assertTrue(map.memoryBytes() > (1 << 20) - 24 * 64, "uses nearly all of it: " + map.memoryBytes());
    }
}
