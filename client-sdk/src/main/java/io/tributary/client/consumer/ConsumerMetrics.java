package io.tributary.client.consumer;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.tributary.api.TopicPartition;
import io.tributary.client.internal.MetricBuckets;
import io.tributary.client.metrics.ClientMetrics;

import java.util.List;

/**
 * A consumer's metrics, Kafka's {@code consumer-fetch-manager-metrics}, {@code consumer-coordinator-metrics} and
 * {@code consumer-metrics} in Prometheus form (the README's table maps each to its Kafka name). Updated once per poll,
 * fetch response, assignment or commit, never per record; the consumer-wide data points are resolved for the
 * {@code client_id} here, once, and a partition's lag data point when the partition is assigned.
 *
 * <p>What is measured, where it differs from Kafka:
 * <ul>
 *   <li>Fetch latency: brokers push fetch responses over a stream as the consumer grants credits, so there is no
 *       request to time. A response answers the oldest credit still outstanding on its session; its latency is the
 *       time from granting that credit to the response's arrival. Like Kafka's, it includes the broker's wait of up
 *       to {@code fetch.max.wait.ms} for data.</li>
 *   <li>Records lag: high watermark of the partition's latest fetch response minus the consumer's position, updated
 *       when a response for the partition arrives and when poll() hands out its records. The max is over the assigned
 *       partitions at the last poll, not over a time window.</li>
 *   <li>Rebalance latency: from the moment this member learns a rebalance is under way (it joins as a new member,
 *       asks for one, changes its subscription, or a heartbeat answer says the group is rebalancing; else the
 *       assignment's arrival) to the assignment applied inside poll(), rebalance listener included.</li>
 *   <li>Commit latency: each commit call to the coordinator on the commit thread, the client's own retries of
 *       retriable errors and coordinator look-ups included.</li>
 * </ul>
 *
 * <p>Thread-safe: the data points are lock-free; the consumer's thread updates all but the commit latency (the
 * commit thread) and the last-poll gauge reads a volatile when scraped.
 */
final class ConsumerMetrics {
    private static final String CLIENT_ID = "client_id";

    private final String clientId;
    private final CounterDataPoint recordsConsumed;
    private final CounterDataPoint bytesConsumed;
    private final DistributionDataPoint fetchLatency;
    private final DistributionDataPoint fetchSizeBytes;
    private final Gauge recordsLag;
    private final GaugeDataPoint recordsLagMax;
    private final GaugeDataPoint assignedPartitions;
    private final CounterDataPoint rebalances;
    private final DistributionDataPoint rebalanceLatency;
    private final DistributionDataPoint commitLatency;
    private final DistributionDataPoint timeBetweenPolls;
    private final ClientMetrics view;
    /** {@link System#nanoTime()} at the start of the latest poll(); 0 before the first. */
    private volatile long lastPollNanos;

    ConsumerMetrics(String clientId) {
        this.clientId = clientId;
        Counter consumed = Counter.builder().name("tributary_consumer_records_consumed_total")
                .help("Records returned by poll() (Kafka: records-consumed-total, records-consumed-rate)")
                .labelNames(CLIENT_ID).withoutExemplars().build();
        Counter bytes = Counter.builder().name("tributary_consumer_bytes_consumed_total")
                .help("Key and value bytes of the records returned by poll() (Kafka: bytes-consumed-total, which counts"
                        + " fetched batch bytes)").labelNames(CLIENT_ID).withoutExemplars().build();
        Histogram latency = Histogram.builder().name("tributary_consumer_fetch_latency_seconds")
                .help("Time from granting a fetch session the credit a response answers to the response's arrival"
                        + " (Kafka: fetch-latency-avg, fetch-latency-max; count: fetch-total)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.latencySeconds()).withoutExemplars().build();
        Histogram fetchSize = Histogram.builder().name("tributary_consumer_fetch_size_bytes")
                .help("Record bytes in each fetch response (Kafka: fetch-size-avg, fetch-size-max)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.bytes()).withoutExemplars().build();
        this.recordsLag = Gauge.builder().name("tributary_consumer_records_lag")
                .help("High watermark minus position, per assigned partition (Kafka: records-lag)")
                .labelNames(CLIENT_ID, "topic", "partition").withoutExemplars().build();
        Gauge lagMax = Gauge.builder().name("tributary_consumer_records_lag_max")
                .help("Largest records lag over the assigned partitions at the last poll; NaN while none is known"
                        + " (Kafka: records-lag-max)").labelNames(CLIENT_ID).withoutExemplars().build();
        Gauge assigned = Gauge.builder().name("tributary_consumer_assigned_partitions")
                .help("Partitions assigned to the consumer, by its group or by assign() (Kafka: assigned-partitions)")
                .labelNames(CLIENT_ID).withoutExemplars().build();
        Counter rebalanceCount = Counter.builder().name("tributary_consumer_rebalance_total")
                .help("New assignments applied in poll(), the first one included; one re-sent after a reconnect is not"
                        + " counted (Kafka: rebalance-total)")
                .labelNames(CLIENT_ID).withoutExemplars().build();
        Histogram rebalanceTime = Histogram.builder().name("tributary_consumer_rebalance_latency_seconds")
                .help("Time from this member learning of a rebalance to its assignment applied in poll()"
                        + " (Kafka: rebalance-latency-avg, rebalance-latency-max, rebalance-latency-total)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.rebalanceSeconds()).withoutExemplars().build();
        Histogram commitTime = Histogram.builder().name("tributary_consumer_commit_latency_seconds")
                .help("Time of each offset commit call to the coordinator, its retries included"
                        + " (Kafka: commit-latency-avg, commit-latency-max; count: commit-total)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.latencySeconds()).withoutExemplars().build();
        Histogram betweenPolls = Histogram.builder().name("tributary_consumer_time_between_poll_seconds")
                .help("Time from the start of one poll() to the start of the next (Kafka: time-between-poll-avg, time-between-poll-max)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.rebalanceSeconds()).withoutExemplars().build();
        GaugeWithCallback lastPoll = GaugeWithCallback.builder().name("tributary_consumer_last_poll_seconds_ago")
                .help("Seconds since the latest poll() started; -1 before the first (Kafka: last-poll-seconds-ago)")
                .labelNames(CLIENT_ID).callback(cb -> cb.call(secondsSinceLastPoll(), clientId)).build();
        this.recordsConsumed = consumed.labelValues(clientId);
        this.bytesConsumed = bytes.labelValues(clientId);
        this.fetchLatency = latency.labelValues(clientId);
        this.fetchSizeBytes = fetchSize.labelValues(clientId);
        this.recordsLagMax = lagMax.labelValues(clientId);
        this.recordsLagMax.set(Double.NaN);
        this.assignedPartitions = assigned.labelValues(clientId);
        this.rebalances = rebalanceCount.labelValues(clientId);
        this.rebalanceLatency = rebalanceTime.labelValues(clientId);
        this.commitLatency = commitTime.labelValues(clientId);
        this.timeBetweenPolls = betweenPolls.labelValues(clientId);
        this.view = new ClientMetrics("consumer", clientId, List.of(consumed, bytes, latency, fetchSize, recordsLag, lagMax,
                assigned, rebalanceCount, rebalanceTime, commitTime, betweenPolls, lastPoll));
    }

    /** A poll() starts. */
    void pollStarted(long nowNanos) {
        long last = lastPollNanos;
        if (last != 0) {
            timeBetweenPolls.observe((nowNanos - last) / 1e9);
        }
        lastPollNanos = nowNanos == 0 ? 1 : nowNanos;
    }

    private double secondsSinceLastPoll() {
        long last = lastPollNanos;
        return last == 0 ? -1 : (System.nanoTime() - last) / 1e9;
    }

    /** One poll() hands out {@code records} records of {@code bytes} key and value bytes. */
    void consumed(int records, long bytes) {
        recordsConsumed.inc(records);
        bytesConsumed.inc(bytes);
    }

    /** A fetch response with {@code bytes} record bytes arrived {@code latencyNanos} after its credit; latency -1: unknown. */
    void fetchResponse(long latencyNanos, int bytes) {
        if (latencyNanos >= 0) {
            fetchLatency.observe(latencyNanos / 1e9);
        }
        fetchSizeBytes.observe(bytes);
    }

    /** The lag data point of a newly assigned partition. */
    GaugeDataPoint lagOf(TopicPartition tp) {
        return recordsLag.labelValues(clientId, tp.topic(), Integer.toString(tp.partition()));
    }

    /** Drops an unassigned partition's lag series, so series stay bounded by what is assigned. */
    void forgetLag(TopicPartition tp) {
        recordsLag.remove(clientId, tp.topic(), Integer.toString(tp.partition()));
    }

    /** The largest lag over the assigned partitions, or NaN when none is known. */
    void lagMax(double lag) {
        recordsLagMax.set(lag);
    }

    void assignedPartitions(int count) {
        assignedPartitions.set(count);
    }

    /** A new assignment was applied; the rebalance that produced it began at {@code startNanos}. */
    void rebalanced(long startNanos) {
        rebalances.inc();
        rebalanceLatency.observe(Math.max(0, System.nanoTime() - startNanos) / 1e9);
    }

    /** A commit call that began at {@code startNanos} ({@link System#nanoTime()}) has its outcome. */
    void commitCompleted(long startNanos) {
        commitLatency.observe(Math.max(0, System.nanoTime() - startNanos) / 1e9);
    }

    ClientMetrics view() {
        return view;
    }
}
