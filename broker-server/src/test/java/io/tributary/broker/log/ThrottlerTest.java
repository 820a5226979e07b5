package io.tributary.broker.log;

import io.tributary.broker.common.MockTime;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThrottlerTest {
    @Test
    void trafficAboveTheLimitWaitsUntilTheAverageIsBackAtIt() {
        MockTime time = new MockTime();
        List<Long> sleeps = new ArrayList<>();
        Throttler throttler = new Throttler(1000, time, ms -> {
            sleeps.add(ms);
            time.sleep(ms);
        });
        long start = time.milliseconds();
        for (int i = 0; i < 10; i++) {
            throttler.maybeThrottle(500);
        }
        long took = time.milliseconds() - start;
        assertTrue(took >= 4900 && took <= 5000, "5000 bytes at 1000 B/s took " + took + " ms");
        assertEquals(10, sleeps.size());
    }

    @Test
    void idleTimeBanksNoMoreThanOnePeriod() {
        MockTime time = new MockTime();
        List<Long> sleeps = new ArrayList<>();
        Throttler throttler = new Throttler(1000, time, ms -> {
            sleeps.add(ms);
            time.sleep(ms);
        });
        time.sleep(60_000);
        throttler.maybeThrottle(1); // fits the idle window, which then closes: the next window starts empty
        throttler.maybeThrottle(2000);
        assertEquals(List.of(2000L), sleeps, "the idle minute bought nothing for the 2000 bytes after it");
    }

    @Test
    void unlimitedNeverWaits() {
        Throttler throttler = new Throttler(Double.MAX_VALUE, new MockTime(), ms -> {
            throw new AssertionError("slept " + ms);
        });
        throttler.maybeThrottle(Long.MAX_VALUE / 2);
    }
}
