package io.tributary.client.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExponentialBackoffTest {
    @Test
    void theWaitDoublesWithEachFailureUpToTheMax() {
        ExponentialBackoff b = new ExponentialBackoff(50, 1000, 0);
        assertEquals(0, b.backoffMs(0));
        assertEquals(50, b.backoffMs(1));
        assertEquals(100, b.backoffMs(2));
        assertEquals(800, b.backoffMs(5));
        assertEquals(1000, b.backoffMs(6));
        assertEquals(1000, b.backoffMs(Integer.MAX_VALUE), "no overflow after many failures");
    }

    @Test
    void jitterSpreadsEachWaitWithinItsBand() {
        ExponentialBackoff b = new ExponentialBackoff(100, 1000, 0.2);
        for (int i = 0; i < 1_000; i++) {
            long w = b.backoffMs(2);
            assertTrue(w >= 160 && w <= 240, "200 ms +-20%, got " + w);
        }
    }

    @Test
    void aMaxBelowTheInitialWaitMeansNoGrowthAndZeroMeansNoWait() {
        assertEquals(300, new ExponentialBackoff(300, 100, 0).backoffMs(4));
        assertEquals(0, new ExponentialBackoff(0, 1000, 0.2).backoffMs(3));
        assertThrows(IllegalArgumentException.class, () -> new ExponentialBackoff(-1, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new ExponentialBackoff(1, 10, 1.0));
    }
}
