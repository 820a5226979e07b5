package io.tributary.client.producer;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future {@link TributaryProducer#send} returns: a record's place in its batch plus the batch's shared
 * {@link ProduceRequestResult}. The record's offset is the batch's base offset plus its index. Cannot be cancelled
 * (a record handed to the producer is sent or fails, like Kafka's).
 */
final class FutureRecordMetadata implements Future<RecordMetadata> {
    private final ProduceRequestResult result;
    private final int relativeOffset;
    private final long timestampMs;
    private final int keySizeBytes;
    private final int valueSizeBytes;
    /** The send's callback, or null; kept here so a batch needs one list per record, not two. */
    private final Callback callback;
    /** Built on first read; a benign race (RecordMetadata is immutable) so no volatile on the hot path. */
    private RecordMetadata value;

    FutureRecordMetadata(ProduceRequestResult result, int relativeOffset, long timestampMs, int keySizeBytes, int valueSizeBytes,
                         Callback callback) {
        this.result = result;
        this.relativeOffset = relativeOffset;
        this.timestampMs = timestampMs;
        this.keySizeBytes = keySizeBytes;
        this.valueSizeBytes = valueSizeBytes;
        this.callback = callback;
    }

    Callback callback() {
        return callback;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public boolean isDone() {
        return result.isDone();
    }

    @Override
    public RecordMetadata get() throws InterruptedException, ExecutionException {
        result.await();
        return valueOrThrow();
    }

    @Override
    public RecordMetadata get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!result.await(timeout, unit)) {
            throw new TimeoutException("the record to " + result.topicPartition() + " was not acknowledged within "
                    + unit.toMillis(timeout) + " ms");
        }
        return valueOrThrow();
    }

    private RecordMetadata valueOrThrow() throws ExecutionException {
        RuntimeException error = result.error();
        if (error != null) {
            throw new ExecutionException(error);
        }
        return metadata();
    }

    /** The record's metadata; only valid once the batch succeeded. */
    RecordMetadata metadata() {
        RecordMetadata md = value;
        if (md == null) {
            long base = result.baseOffset();
            long appendTime = result.logAppendTimeMs();
            md = new RecordMetadata(result.topicPartition(), base < 0 ? -1 : base + relativeOffset,
                    appendTime >= 0 ? appendTime : timestampMs, keySizeBytes, valueSizeBytes);
            value = md;
        }
        return md;
    }
}
