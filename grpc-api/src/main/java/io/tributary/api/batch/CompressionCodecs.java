package io.tributary.api.batch;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The five batch body codecs, as records.proto names them: gzip (RFC 1952 stream), snappy (one raw block,
 * not the framed or xerial stream format), lz4 (LZ4 frame format), zstd (one zstd frame). Every codec
 * compresses the whole serialized {@code RecordSet} at once, so a body is always one unit for any language's
 * standard library of the codec.
 *
 * <p>Decompression is bounded: a body may not inflate beyond {@code maxDecompressedBytes}, so a small hostile
 * batch cannot exhaust memory.
 *
 * <p>Stateless and thread-safe.
 */
public final class CompressionCodecs {
    /** zstd level 3 is the library's (and Kafka's) default: most of the ratio for little CPU. */
    private static final int ZSTD_LEVEL = 3;

    private CompressionCodecs() {
    }

    /** Compresses a whole body; {@link Compression#NONE} returns the input itself. */
    public static byte[] compress(Compression compression, byte[] raw) throws IOException {
        switch (compression) {
            case NONE:
                return raw;
            case GZIP: {
                ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
                try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
                    gz.write(raw);
                }
                return out.toByteArray();
            }
            case SNAPPY:
                return Snappy.compress(raw);
            case LZ4: {
                ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 64);
                try (OutputStream lz4 = new LZ4FrameOutputStream(out)) {
                    lz4.write(raw);
                }
                return out.toByteArray();
            }
            case ZSTD:
                return Zstd.compress(raw, ZSTD_LEVEL);
            default:
                throw new IllegalArgumentException("no codec for " + compression);
        }
    }

    /**
     * Decompresses a whole body.
     *
     * @throws IOException when the bytes are not a valid body of this codec or inflate beyond the bound
     */
    public static byte[] decompress(Compression compression, ByteBuffer body, int maxDecompressedBytes) throws IOException {
        switch (compression) {
            case NONE: {
                byte[] copy = new byte[body.remaining()];
                body.duplicate().get(copy);
                return copy;
            }
            case GZIP:
                try (InputStream in = new GZIPInputStream(new ByteBufferInputStream(body.duplicate()), 8192)) {
                    return readBounded(in, maxDecompressedBytes);
                }
            case SNAPPY: {
                byte[] compressed = new byte[body.remaining()];
                body.duplicate().get(compressed);
                if (!Snappy.isValidCompressedBuffer(compressed)) {
                    throw new IOException("not a snappy block");
                }
                int length = Snappy.uncompressedLength(compressed);
                if (length < 0 || length > maxDecompressedBytes) {
                    throw new IOException("snappy block claims " + length + " bytes, over the bound of " + maxDecompressedBytes);
                }
                return Snappy.uncompress(compressed);
            }
            case LZ4:
                try (InputStream in = new LZ4FrameInputStream(new ByteBufferInputStream(body.duplicate()))) {
                    return readBounded(in, maxDecompressedBytes);
                }
            case ZSTD:
                try (InputStream in = new ZstdInputStreamNoFinalizer(new ByteBufferInputStream(body.duplicate()))) {
                    return readBounded(in, maxDecompressedBytes);
                }
            default:
                throw new IllegalArgumentException("no codec for " + compression);
        }
    }

    private static byte[] readBounded(InputStream in, int maxBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] chunk = new byte[8192];
        int total = 0;
        int n;
        while ((n = in.read(chunk)) != -1) {
            total += n;
            if (total > maxBytes || total < 0) {
                throw new IOException("body inflates beyond the bound of " + maxBytes + " bytes");
            }
            out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    /** Reads a buffer's remaining bytes without copying them first. */
    static final class ByteBufferInputStream extends InputStream {
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
            if (len == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buffer.remaining());
            buffer.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buffer.remaining();
        }
    }
}
