package io.tributary.client.producer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.client.Cluster;
import io.tributary.client.Node;
import io.tributary.client.TributaryTimeoutException;
import io.tributary.client.internal.MetadataSource;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives {@link Sender#runOnce} by hand against a fake transport: no threads, no network. */
class SenderTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    static final class FixedMetadata implements MetadataSource {
        final Cluster cluster;
        int updateRequests;

        FixedMetadata(Cluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public Cluster cluster() {
            return cluster;
        }

        @Override
        public void requestUpdate() {
            updateRequests++;
        }

        @Override
        public void maybeRefresh(long nowMs) {
        }
    }

    private final FakeProducerTransport transport = new FakeProducerTransport();
    private final FixedMetadata metadata = new FixedMetadata(PartitionerTest.cluster("t", 2));
    private final RecordAccumulator accumulator = new RecordAccumulator(16_384, 1 << 20, 10, 100, 5_000, Compression.NONE);

    private Sender sender(int acks, int retries, int maxInFlight) {
        return new Sender(accumulator, metadata, transport, acks, retries, maxInFlight, 1 << 20, 1_000, "test");
    }

    private Future<RecordMetadata> append(long nowMs) {
        return accumulator.append(TP, nowMs, null, "v".getBytes(), null, null, 0, false, nowMs).future();
    }

    @Test
    void sendsAfterLingerAndCompletesWithBrokerOffsets() throws Exception {
        Sender sender = sender(-1, 3, 5);
        Future<RecordMetadata> a = append(0);
        Future<RecordMetadata> b = append(0);
        sender.runOnce(5);
        assertTrue(transport.requests.isEmpty(), "linger.ms not yet passed");
        sender.runOnce(10);
        assertEquals(1, transport.requests.size());
        ProduceRequest request = transport.requests.get(0);
        assertEquals(-1, request.getAcks());
        RecordBatch batch = RecordBatch.wrap(request.getPartitions(0).getRecords().asReadOnlyByteBuffer());
        batch.ensureValid(Integer.MAX_VALUE);
        assertEquals(0, batch.baseOffset(), "producers send base offset 0");
        assertEquals(2, batch.recordCount());
        assertEquals(-1, batch.producerId(), "without idempotence a batch carries no producer id");
        transport.respond(0, 42);
        sender.runOnce(11);
        assertEquals(42, a.get().offset());
        assertEquals(43, b.get().offset());
        assertFalse(accumulator.hasIncomplete());
    }

    @Test
    void retriableErrorIsRetriedAfterBackoffWithAMetadataRefresh() throws Exception {
        Sender sender = sender(1, 3, 5);
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        transport.respondError(0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        sender.runOnce(20);
        assertTrue(metadata.updateRequests > 0, "a leader change must refresh metadata");
        assertEquals(1, transport.requests.size(), "retry waits for retry.backoff.ms");
        sender.runOnce(120);
        assertEquals(2, transport.requests.size());
        assertEquals(transport.requests.get(0).getPartitions(0).getRecords(), transport.requests.get(1).getPartitions(0).getRecords(),
                "a retry sends the very same batch bytes");
        transport.respond(1, 7);
        sender.runOnce(121);
        assertEquals(7, f.get().offset());
    }

    @Test
    void nonRetriableErrorFailsTheRecords() {
        Sender sender = sender(1, 3, 5);
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        transport.respondError(0, ErrorCode.MESSAGE_TOO_LARGE);
        sender.runOnce(11);
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, ((TributaryException) e.getCause()).error());
    }

    @Test
    void retriesRunOutAtTheConfiguredCount() {
        Sender sender = sender(1, 1, 5);
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        transport.respondError(0, ErrorCode.NOT_ENOUGH_REPLICAS);
        sender.runOnce(11);
        sender.runOnce(200);
        assertEquals(2, transport.requests.size());
        transport.respondError(1, ErrorCode.NOT_ENOUGH_REPLICAS);
        sender.runOnce(201);
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, ((TributaryException) e.getCause()).error());
    }

    @Test
    void unansweredRequestTimesOutAndIsRetried() throws Exception {
        Sender sender = sender(1, 3, 5);
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        sender.runOnce(1_010);
        assertEquals(0, sender.inFlightRequestCount(), "request.timeout.ms passed");
        sender.runOnce(1_200);
        assertEquals(2, transport.requests.size());
        transport.respond(0, 1); // a late answer to the expired request is ignored
        transport.respond(1, 5);
        sender.runOnce(1_201);
        assertEquals(5, f.get().offset());
    }

    @Test
    void deliveryTimeoutFailsRecordsThatCannotBeSent() {
        FixedMetadata noLeader = new FixedMetadata(Cluster.empty());
        Sender sender = new Sender(accumulator, noLeader, transport, 1, 3, 5, 1 << 20, 1_000, "test");
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        assertTrue(transport.requests.isEmpty());
        assertTrue(noLeader.updateRequests > 0, "an unknown leader asks for metadata");
        sender.runOnce(5_000);
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(TributaryTimeoutException.class, e.getCause());
    }

    @Test
    void acksZeroCompletesOnSendWithoutOffsets() throws Exception {
        Sender sender = sender(0, 3, 5);
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        assertEquals(1, transport.requests.size());
        assertEquals(-1, f.get().offset());
        assertEquals(0, sender.inFlightRequestCount());
    }

    @Test
    void maxInFlightBoundsOutstandingRequestsPerBroker() {
        Sender sender = sender(1, 3, 1);
        append(0);
        sender.runOnce(10);
        append(10);
        sender.runOnce(30);
        assertEquals(1, transport.requests.size(), "second request waits for the first answer");
        transport.respond(0, 0);
        sender.runOnce(31);
        assertEquals(2, transport.requests.size());
    }

    @Test
    void transportFailureIsRetriable() throws Exception {
        Sender sender = sender(1, 3, 5);
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        transport.listeners.get(0).onFailure(io.grpc.Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException());
        sender.runOnce(11);
        sender.runOnce(200);
        transport.respond(1, 3);
        sender.runOnce(201);
        assertEquals(3, f.get().offset());
    }

    @Test
    void withOneInFlightAPartitionWaitsForItsBatchEvenOnAnotherLeader() {
        Sender sender = sender(1, 3, 1);
        append(0);
        sender.runOnce(10);
        append(10);
        accumulator.append(new TopicPartition("t", 1), 10, null, "w".getBytes(), null, null, 0, false, 10);
        sender.runOnce(30);
        assertEquals(1, transport.requests.size(), "partition 0 is muted while its batch is in flight");
        transport.respondError(0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        sender.runOnce(31);
        assertEquals(1, transport.requests.get(1).getPartitions(0).getPartition(), "partition 1 goes while 0 backs off");
        transport.respond(1, 0);
        sender.runOnce(200);
        ProduceRequest retry = transport.requests.get(2);
        assertEquals(0, retry.getPartitions(0).getPartition());
        assertEquals(transport.requests.get(0).getPartitions(0).getRecords(), retry.getPartitions(0).getRecords(),
                "the failed batch goes first, before the newer one of the same partition");
    }

    @Test
    void aTransportThatThrowsOnSendLosesNoBatch() throws Exception {
        ProducerTransport throwing = new ProducerTransport() {
            int calls;

            @Override
            public void send(Node node, ProduceRequest request, Listener listener) {
                if (calls++ == 0) {
                    throw new IllegalStateException("channel shut down");
                }
                transport.send(node, request, listener);
            }

            @Override
            public void close() {
            }
        };
        Sender sender = new Sender(accumulator, metadata, throwing, 1, 3, 5, 1 << 20, 1_000, "test");
        Future<RecordMetadata> f = append(0);
        sender.runOnce(10);
        sender.runOnce(11);
        sender.runOnce(200);
        assertEquals(1, transport.requests.size(), "the batch was retried after the failed hand-over");
        transport.respond(0, 9);
        sender.runOnce(201);
        assertEquals(9, f.get().offset());
    }

    /** The sender's metric {@code name} for client "test", as the perf tools print it. */
    private static double metric(Sender sender, String name) {
        Double v = sender.metrics().view().values().get(name + "{client_id=\"test\"}");
        if (v == null) {
            throw new AssertionError("no " + name + " in " + sender.metrics().view().values());
        }
        return v;
    }

    @Test
    void metricsCountARetriedRecordOnceAsSentOncePerRetryAndOnceAsFailed() {
        Sender sender = sender(1, 1, 5);
        Future<RecordMetadata> a = append(0);
        Future<RecordMetadata> b = append(0);
        sender.runOnce(10);
        assertEquals(1, metric(sender, "tributary_producer_requests_in_flight"));
        transport.respondError(0, ErrorCode.NOT_ENOUGH_REPLICAS);
        sender.runOnce(11);
        assertEquals(0, metric(sender, "tributary_producer_requests_in_flight"));
        sender.runOnce(200);
        transport.respondError(1, ErrorCode.NOT_ENOUGH_REPLICAS);
        sender.runOnce(201);
        assertTrue(a.isDone() && b.isDone());
        assertEquals(2, metric(sender, "tributary_producer_record_send_total"), "a resend is a retry, not a second send");
        assertEquals(2, metric(sender, "tributary_producer_record_retry_total"), "one retry of a two-record batch");
        assertEquals(2, metric(sender, "tributary_producer_record_error_total"));
        assertEquals(1, metric(sender, "tributary_producer_batch_size_bytes_count"), "batch size at the first send only");
        assertEquals(2, metric(sender, "tributary_producer_records_per_request_count"));
        assertEquals(4, metric(sender, "tributary_producer_records_per_request_sum"), "both requests carried both records");
        assertEquals(2, metric(sender, "tributary_producer_request_latency_seconds_count"), "error answers are answers");
    }

    @Test
    void requestLatencyRunsFromTheSendToTheResponseAndBufferGaugesFollowTheMemoryHeld() throws Exception {
        Sender sender = sender(-1, 3, 5);
        Future<RecordMetadata> f = append(0);
        assertEquals(1 << 20, metric(sender, "tributary_producer_buffer_total_bytes"));
        double held = (1 << 20) - metric(sender, "tributary_producer_buffer_available_bytes");
        assertEquals(RecordAccumulator.estimateRecordSizeBytes(null, "v".getBytes(), null), held, "the record holds its estimate");
        sender.runOnce(10);
        Thread.sleep(30);
        transport.respond(0, 5);
        sender.runOnce(11);
        assertEquals(5, f.get().offset());
        assertEquals(1, metric(sender, "tributary_producer_request_latency_seconds_count"));
        double latency = metric(sender, "tributary_producer_request_latency_seconds_sum");
        assertTrue(latency >= 0.03 && latency < 5, "the 30 ms before the answer, got " + latency + " s");
        assertEquals(1 << 20, metric(sender, "tributary_producer_buffer_available_bytes"), "memory released on completion");
        assertEquals(0, metric(sender, "tributary_producer_record_error_total"));
        assertEquals(0, metric(sender, "tributary_producer_waiting_threads"));
    }

    @Test
    void anExpiredRequestIsNoLatencySampleAndRecordsThatNeverLeftCountOnlyAsErrors() {
        FixedMetadata noLeader = new FixedMetadata(Cluster.empty());
        Sender unsent = new Sender(accumulator, noLeader, transport, 1, 3, 5, 1 << 20, 1_000, "test");
        append(0);
        unsent.runOnce(10);
        unsent.runOnce(5_000); // delivery.timeout.ms passed with no leader: the batch never went out
        assertEquals(0, metric(unsent, "tributary_producer_record_send_total"));
        assertEquals(1, metric(unsent, "tributary_producer_record_error_total"));

        Sender sender = sender(1, 3, 5);
        append(6_000);
        sender.runOnce(6_010);
        sender.runOnce(7_010); // request.timeout.ms passed without an answer
        assertEquals(0, metric(sender, "tributary_producer_request_latency_seconds_count"), "no answer, no latency");
        assertEquals(1, metric(sender, "tributary_producer_record_retry_total"));
        assertEquals(0, metric(sender, "tributary_producer_requests_in_flight"));
    }
}
