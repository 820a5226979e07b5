package io.tributary.broker.log;

import io.tributary.api.batch.RecordBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The fields of a stored batch's header that the log needs to navigate a segment, read without its body.
 *
 * @param position byte position of the batch in its segment file
 */
record BatchHeader(int position, long baseOffset, int sizeInBytes, int leaderEpoch, int lastOffsetDelta, long maxTimestamp,
                   long producerId, short producerEpoch, int baseSequence) {

    long lastOffset() {
        return baseOffset + lastOffsetDelta;
    }

    long nextOffset() {
        return lastOffset() + 1;
    }

    int endPosition() {
        return position + sizeInBytes;
    }

    /**
     * Reads the header at {@code position} if a plausible, complete batch starts there and ends by {@code end}.
     * Only the header is read; the CRC is not checked (recovery checks it).
     *
     * @param scratch a buffer of at least {@link RecordBatch#HEADER_SIZE} bytes, reused across calls
     * @return the header, or null when fewer bytes than a whole batch remain before {@code end}
     */
    static BatchHeader read(FileChannel channel, int position, int end, ByteBuffer scratch) throws IOException {
        if (end - position < RecordBatch.HEADER_SIZE) {
            return null;
        }
        scratch.clear().limit(RecordBatch.HEADER_SIZE);
        readFully(channel, scratch, position);
        int size = RecordBatch.sizeInBytes(scratch, 0);
        if (size < RecordBatch.HEADER_SIZE || size > end - position) {
            return null;
        }
        return new BatchHeader(position, scratch.getLong(RecordBatch.BASE_OFFSET_OFFSET), size,
                scratch.getInt(RecordBatch.LEADER_EPOCH_OFFSET), scratch.getInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET), scratch.getLong(RecordBatch.MAX_TIMESTAMP_OFFSET),
                scratch.getLong(RecordBatch.PRODUCER_ID_OFFSET), scratch.getShort(RecordBatch.PRODUCER_EPOCH_OFFSET),
                scratch.getInt(RecordBatch.BASE_SEQUENCE_OFFSET));
    }

    static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + at + " (needed " + dst.remaining() + " more bytes)");
            }
            at += n;
        }
        dst.flip();
    }
}
