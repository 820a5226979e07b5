package io.tributary.client.producer;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.Header;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The records bound for one partition in one produce request, with the futures and callbacks of their sends.
 * Records are appended until the batch is closed for sending; then its bytes are built once and reused on
 * every retry.
 *
 * <p>Not thread-safe: appends happen under the accumulator's lock of the partition's queue; once drained the
 * batch belongs to the sender thread alone.
 */
public final class ProducerBatch {
    private static final int MAX_PRESIZED_RECORDS = 4096;
    private final TopicPartition topicPartition;
    private final long sequenceNumber;
    private final long createdMs;
    private final long deliveryDeadlineMs;
    private final RecordBatchBuilder builder;
    private final ProduceRequestResult result;
    /** One future per record, in record order; the record at index i gets offset baseOffset + i. */
    private final List<FutureRecordMetadata> futures;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private long reservedBytes;
    private ByteBuffer built;
    private int attempts;
    private long lastAttemptMs;
    private long retryAtMs;
    private boolean closedForAppends;
    /** Idempotent producers only: stamped once, when the sender first drains the batch; -1 otherwise. */
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;

    ProducerBatch(TopicPartition topicPartition, long sequenceNumber, Compression compression, long createdMs,
                  long deliveryTimeoutMs, int initialCapacityBytes, int firstRecordSizeBytes) {
        this.topicPartition = topicPartition;
        this.result = new ProduceRequestResult(topicPartition);
        // Sized for as many records like the first as the initial capacity holds (regrowing the list is otherwise a
        // steady source of garbage at high send rates), capped so tiny records in huge batches do not over-reserve.
        this.futures = new ArrayList<>(Math.min(MAX_PRESIZED_RECORDS, Math.max(10, initialCapacityBytes / Math.max(1, firstRecordSizeBytes))));
        this.sequenceNumber = sequenceNumber;
        this.createdMs = createdMs;
        this.deliveryDeadlineMs = createdMs + deliveryTimeoutMs;
        // Built with producer id, epoch and base sequence -1; an idempotent producer stamps them when the batch is
        // drained for its first send (setProducerState), and every retry sends those same bytes.
        this.builder = RecordBatchBuilder.options().compression(compression).initialCapacityBytes(initialCapacityBytes).build();
    }

    /** @return the record's future, or null when the batch is closed or the record would push it past {@code batchSizeBytes} */
    FutureRecordMetadata tryAppend(long timestampMs, byte[] key, byte[] value, List<Header> headers, Callback callback,
                                                int recordSizeBytes, int batchSizeBytes) {
        if (closedForAppends) {
            return null;
        }
        if (!futures.isEmpty() && builder.estimatedSizeInBytes() + recordSizeBytes > batchSizeBytes) {
            closedForAppends = true;
            return null;
        }
        builder.append(timestampMs, key, value, headers);
        FutureRecordMetadata future = new FutureRecordMetadata(result, futures.size(), timestampMs,
                key == null ? -1 : key.length, value == null ? -1 : value.length, callback);
        futures.add(future);
        reservedBytes += recordSizeBytes;
        return future;
    }

    boolean isFull(int batchSizeBytes) {
        return closedForAppends || builder.estimatedSizeInBytes() >= batchSizeBytes;
    }

    /** Closes the batch to appends and encodes it; idempotent, so retries send the very same bytes. */
    ByteBuffer close() {
        closedForAppends = true;
        if (built == null) {
            built = builder.build();
        }
        return built.duplicate();
    }

    /**
     * Stamps the idempotent producer's id, epoch and this batch's base sequence into the encoded bytes (and their
     * CRC). Done once, at the first drain; retries resend the stamped bytes unchanged.
     */
    void setProducerState(long producerId, short producerEpoch, int baseSequence) {
        if (hasSequence()) {
            throw new IllegalStateException(this + " already carries sequence " + this.baseSequence);
        }
        close();
        RecordBatch.wrap(built.duplicate()).setProducerFields(producerId, producerEpoch, baseSequence);
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
    }

    boolean hasSequence() {
        return baseSequence != RecordBatch.NO_SEQUENCE;
    }

    long producerId() {
        return producerId;
    }

    short producerEpoch() {
        return producerEpoch;
    }

    int baseSequence() {
        return baseSequence;
    }

    /** The sequence of the batch's last record (wrapping past {@link Integer#MAX_VALUE} to 0). */
    int lastSequence() {
        return RecordBatch.wrap(built.duplicate()).lastSequence();
    }

    /** Runs callbacks in record order, then completes the futures: the record at index i has offset baseOffset + i. */
    void complete(long baseOffset, long logAppendTimeMs) {
        result.set(baseOffset, logAppendTimeMs, null);
        for (FutureRecordMetadata f : futures) {
            if (f.callback() != null) {
                runCallback(f.callback(), f.metadata(), null);
            }
        }
        result.done();
        done.complete(null);
    }

    void fail(RuntimeException exception) {
        result.set(-1, -1, exception);
        for (FutureRecordMetadata f : futures) {
            if (f.callback() != null) {
                runCallback(f.callback(), null, exception);
            }
        }
        result.done();
        done.complete(null);
    }

    private static void runCallback(Callback callback, RecordMetadata md, Exception e) {
        if (callback == null) {
            return;
        }
        try {
            callback.onCompletion(md, e);
        } catch (RuntimeException userError) {
            // A throwing callback must not stop the other records' callbacks nor the sender thread.
            org.slf4j.LoggerFactory.getLogger(ProducerBatch.class).error("producer callback threw", userError);
        }
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    long sequenceNumber() {
        return sequenceNumber;
    }

    public int recordCount() {
        return futures.size();
    }

    long createdMs() {
        return createdMs;
    }

    long deliveryDeadlineMs() {
        return deliveryDeadlineMs;
    }

    long reservedBytes() {
        return reservedBytes;
    }

    int estimatedSizeBytes() {
        return built != null ? built.limit() : builder.estimatedSizeInBytes();
    }

    int attempts() {
        return attempts;
    }

    void onSend(long nowMs) {
        attempts++;
        lastAttemptMs = nowMs;
    }

    long lastAttemptMs() {
        return lastAttemptMs;
    }

    void backOffUntil(long retryAtMs) {
        this.retryAtMs = retryAtMs;
    }

    long retryAtMs() {
        return retryAtMs;
    }

    boolean isDone() {
        return done.isDone();
    }

    CompletableFuture<Void> doneFuture() {
        return done;
    }

    @Override
    public String toString() {
        return "ProducerBatch(" + topicPartition + ", records=" + futures.size() + ", attempts=" + attempts
                + (hasSequence() ? ", producerId=" + producerId + ", epoch=" + producerEpoch + ", baseSequence=" + baseSequence : "") + ")";
    }
}
