package io.tributary.client.internal;

/**
 * Classic histogram bucket bounds the client metrics share, so the producer's and the consumer's histograms of one
 * unit can be compared and aggregated. Each call returns a fresh array. Stateless and thread-safe.
 */
public final class MetricBuckets {
    /** 0.5 ms to 30 s: a loopback round trip is sub-millisecond, acks=all or fetch.max.wait.ms adds up to seconds. */
    private static final double[] LATENCY_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    /** 10 ms to 5 min: a rebalance waits for every member to give partitions up (up to max.poll.interval.ms). */
    private static final double[] REBALANCE_SECONDS = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
    /** 64 B to 64 MiB in powers of 4: batch.size is 16 KiB by default, fetch.max.bytes 50 MiB. */
    private static final double[] BYTES = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
    /** 1 to 50,000: records in one produce request. */
    private static final double[] COUNTS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000};

    private MetricBuckets() {
    }

    public static double[] latencySeconds() {
        return LATENCY_SECONDS.clone();
    }

    public static double[] rebalanceSeconds() {
        return REBALANCE_SECONDS.clone();
    }

    public static double[] bytes() {
        return BYTES.clone();
    }

    public static double[] counts() {
        return COUNTS.clone();
    }
}
