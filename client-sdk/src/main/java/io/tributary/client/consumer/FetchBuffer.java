package io.tributary.client.consumer;

import com.google.protobuf.ByteString;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.Header;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBodies;
import io.tributary.api.batch.RecordReader;
import io.tributary.api.batch.TimestampType;
import io.tributary.client.consumer.SubscriptionState.PartitionState;

import java.util.List;

/**
 * Fetched records decoded and waiting for poll(), per partition, with the byte count that bounds them: above
 * {@code fetch.max.bytes} buffered, no more credit is granted, which is what bounds the consumer's memory.
 *
 * <p>Not thread-safe: the consumer's thread only.
 */
final class FetchBuffer {
    /** A record as fetched; {@code sizeBytes} is what it counts against the buffer limit. */
    record BufferedRecord(long offset, long timestampMs, TimestampType timestampType, byte[] key, byte[] value,
                          List<Header> headers, int leaderEpoch, int sizeBytes) {
    }

    private final long limitBytes;
    private final boolean checkCrcs;
    private long bufferedBytes;

    FetchBuffer(long limitBytes, boolean checkCrcs) {
        this.limitBytes = limitBytes;
        this.checkCrcs = checkCrcs;
    }

    /** Whether poll() must drain the buffers before more is fetched. */
    boolean full() {
        return bufferedBytes >= limitBytes;
    }

    /**
     * Decodes the batches of one fetched partition into its buffer, skipping records before {@code from} (the first
     * batch may start before the position asked for). Every batch's CRC is checked first when {@code check.crcs}.
     *
     * @return the offset after the last record decoded: where the partition's session continues
     * @throws TributaryException CORRUPT_MESSAGE when a batch fails validation (nothing after it is buffered)
     */
    long append(PartitionState st, ByteString records, long from) {
        long next = from;
        // Batches lie back to back from position 0; each is also parsed from its ByteString substring, in place.
        int batchStart = 0;
        for (RecordBatch batch : RecordBatch.iterate(records.asReadOnlyByteBuffer())) {
            int thisStart = batchStart;
            batchStart += batch.sizeInBytes();
            if (checkCrcs) {
                batch.ensureValid(Integer.MAX_VALUE);
            }
            if (batch.nextOffset() <= next) {
                continue;
            }
            ByteString batchBytes = records.substring(thisStart, batchStart);
            long skipBelow = next;
            TimestampType type = batch.timestampType();
            long baseOffset = batch.baseOffset();
            long firstTimestamp = batch.firstTimestamp();
            long maxTimestamp = batch.maxTimestamp();
            int leaderEpoch = batch.leaderEpoch();
            RecordReader.read(batch, batchBytes, RecordBodies.DEFAULT_MAX_DECOMPRESSED_BYTES, (offsetDelta, timestampDelta, key, value, headers) -> {
                long offset = baseOffset + offsetDelta;
                if (offset < skipBelow) {
                    return;
                }
                long ts = type == TimestampType.LOG_APPEND_TIME ? maxTimestamp : firstTimestamp + timestampDelta;
                int size = 32 + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
                st.buffer.addLast(new BufferedRecord(offset, ts, type, key, value, headers, leaderEpoch, size));
                bufferedBytes += size;
            });
            next = batch.nextOffset();
        }
        return next;
    }

    /** The partition's next buffered record, or null. */
    BufferedRecord poll(PartitionState st) {
        BufferedRecord r = st.buffer.pollFirst();
        if (r != null) {
            bufferedBytes -= r.sizeBytes();
        }
        return r;
    }

    /** Discards what is buffered for a partition (its position moved, or it is no longer fetched here). */
    void drop(PartitionState st) {
        if (st == null) {
            return;
        }
        for (BufferedRecord r : st.buffer) {
            bufferedBytes -= r.sizeBytes();
        }
        st.buffer.clear();
    }
}
