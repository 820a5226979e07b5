package io.tributary.api.batch;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.RecordSet;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Decodes batch bodies with the codecs the JDK carries (none, gzip). The client SDK adds snappy, lz4 and zstd;
 * the broker never needs to decode a body on the produce or fetch path, only for rare lookups such as
 * offset-by-timestamp, where {@link #canDecode} lets it fall back to the batch boundary.
 *
 * <p>Stateless and thread-safe.
 */
public final class RecordBodies {
    private RecordBodies() {
    }

    public static boolean canDecode(Compression compression) {
        return compression == Compression.NONE || compression == Compression.GZIP;
    }

    public static RecordSet decode(RecordBatch batch) {
        Compression compression = batch.compression();
        try {
            if (compression == Compression.NONE) {
                return RecordSet.parseFrom(batch.body());
            }
            if (compression == Compression.GZIP) {
                try (InputStream in = new GZIPInputStream(new ByteBufferInputStream(batch.body()))) {
                    return RecordSet.parseFrom(CodedInputStream.newInstance(in));
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "records body of " + batch + " is not a valid RecordSet", e);
        } catch (IOException e) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "records body of " + batch + " does not decompress", e);
        }
        throw new IllegalArgumentException("no codec for " + compression + " here");
    }

    private static final class ByteBufferInputStream extends InputStream {
        private final ByteBuffer buffer;

        ByteBufferInputStream(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }
    }
}
