package io.tributary.client.producer;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.tributary.client.internal.MetricBuckets;
import io.tributary.client.metrics.ClientMetrics;

import java.util.List;

/**
 * A producer's metrics, Kafka's {@code producer-metrics} group in Prometheus form (the README's table maps each to its
 * Kafka name). The sender thread updates them once per batch or request, never per record: every data point is
 * resolved for the producer's {@code client_id} here, once, so an update is an atomic add with no lookup and no
 * allocation. The buffer gauges read the {@link MemoryPool} only when scraped.
 *
 * <p>Thread-safe.
 */
final class ProducerMetrics {
    private static final String CLIENT_ID = "client_id";

    private final CounterDataPoint recordsSent;
    private final CounterDataPoint recordsRetried;
    private final CounterDataPoint recordsFailed;
    private final DistributionDataPoint batchSizeBytes;
    private final DistributionDataPoint recordsPerRequest;
    private final DistributionDataPoint requestLatency;
    private final GaugeDataPoint requestsInFlight;
    private final ClientMetrics view;

    ProducerMetrics(String clientId, MemoryPool memory) {
        Counter send = Counter.builder().name("tributary_producer_record_send_total")
                .help("Records sent to brokers, each counted once, at its batch's first send (Kafka: record-send-total, record-send-rate)")
                .labelNames(CLIENT_ID).withoutExemplars().build();
        Counter retry = Counter.builder().name("tributary_producer_record_retry_total")
                .help("Records of batches queued again after a retriable failure, once per retry (Kafka: record-retry-total)")
                .labelNames(CLIENT_ID).withoutExemplars().build();
        Counter error = Counter.builder().name("tributary_producer_record_error_total")
                .help("Records whose send failed, in send() (no metadata or memory in time, too large) or after it: their"
                        + " callbacks and futures got an exception (Kafka: record-error-total)")
                .labelNames(CLIENT_ID).withoutExemplars().build();
        Histogram batchSize = Histogram.builder().name("tributary_producer_batch_size_bytes")
                .help("Encoded size of each batch at its first send, after compression (Kafka: batch-size-avg, batch-size-max)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.bytes()).withoutExemplars().build();
        Histogram perRequest = Histogram.builder().name("tributary_producer_records_per_request")
                .help("Records in each produce request, retried batches included (Kafka: records-per-request-avg)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.counts()).withoutExemplars().build();
        Histogram latency = Histogram.builder().name("tributary_producer_request_latency_seconds")
                .help("Time from handing a produce request to the transport to its response arriving, for requests answered"
                        + " (Kafka: request-latency-avg, request-latency-max)")
                .labelNames(CLIENT_ID).classicOnly().classicUpperBounds(MetricBuckets.latencySeconds()).withoutExemplars().build();
        Gauge inFlight = Gauge.builder().name("tributary_producer_requests_in_flight")
                .help("Produce requests sent and not yet answered or expired (Kafka: requests-in-flight)")
                .labelNames(CLIENT_ID).withoutExemplars().build();
        GaugeWithCallback available = GaugeWithCallback.builder().name("tributary_producer_buffer_available_bytes")
                .help("Bytes of buffer.memory not held by records waiting to be sent or acknowledged (Kafka: buffer-available-bytes)")
                .labelNames(CLIENT_ID).callback(cb -> cb.call(memory.availableBytes(), clientId)).build();
        GaugeWithCallback total = GaugeWithCallback.builder().name("tributary_producer_buffer_total_bytes")
                .help("buffer.memory: the bytes of records the producer may hold (Kafka: buffer-total-bytes)")
                .labelNames(CLIENT_ID).callback(cb -> cb.call(memory.totalBytes(), clientId)).build();
        GaugeWithCallback waiting = GaugeWithCallback.builder().name("tributary_producer_waiting_threads")
                .help("send() calls blocked waiting for buffer.memory (Kafka: waiting-threads)")
                .labelNames(CLIENT_ID).callback(cb -> cb.call(memory.waiterCount(), clientId)).build();
        this.recordsSent = send.labelValues(clientId);
        this.recordsRetried = retry.labelValues(clientId);
        this.recordsFailed = error.labelValues(clientId);
        this.batchSizeBytes = batchSize.labelValues(clientId);
        this.recordsPerRequest = perRequest.labelValues(clientId);
        this.requestLatency = latency.labelValues(clientId);
        this.requestsInFlight = inFlight.labelValues(clientId);
        this.view = new ClientMetrics("producer", clientId,
                List.of(send, retry, error, batchSize, perRequest, latency, inFlight, available, total, waiting));
    }

    /** A batch goes out for the first time, {@code sizeBytes} encoded. */
    void batchFirstSent(int records, int sizeBytes) {
        recordsSent.inc(records);
        batchSizeBytes.observe(sizeBytes);
    }

    /** A produce request with {@code records} records (over all its batches) was handed to the transport. */
    void requestSent(int records) {
        recordsPerRequest.observe(records);
    }

    /** A produce request sent at {@code sentNanos} was answered at {@code receivedNanos} ({@link System#nanoTime()}). */
    void responseReceived(long sentNanos, long receivedNanos) {
        requestLatency.observe(Math.max(0, receivedNanos - sentNanos) / 1e9);
    }

    void inFlight(int requests) {
        requestsInFlight.set(requests);
    }

    /** A batch of {@code records} records is queued again for a retry. */
    void retried(int records) {
        recordsRetried.inc(records);
    }

    /** {@code records} records failed for good: a batch's, or one that send() could not accept. */
    void failed(int records) {
        recordsFailed.inc(records);
    }

    ClientMetrics view() {
        return view;
    }
}
