package io.tributary.api.batch;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.RecordSet;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;

/**
 * Decodes batch bodies with every codec of {@link Compression} (see {@link CompressionCodecs}). The broker
 * never needs to decode a body on the produce or fetch path, only for rare lookups such as offset-by-timestamp.
 *
 * <p>Stateless and thread-safe.
 */
public final class RecordBodies {
    /** Largest body a decode inflates to by default: bounds what one hostile batch can make us allocate. */
    public static final int DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

    private RecordBodies() {
    }

    public static boolean canDecode(Compression compression) {
        return compression != null;
    }

    public static RecordSet decode(RecordBatch batch) {
        return decode(batch, DEFAULT_MAX_DECOMPRESSED_BYTES);
    }

    /** Decodes a body that may inflate to at most {@code maxDecompressedBytes}; CORRUPT_MESSAGE otherwise. */
    public static RecordSet decode(RecordBatch batch, int maxDecompressedBytes) {
        Compression compression = batch.compression();
        if (compression == null) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "unknown compression id in " + batch);
        }
        try {
            if (compression == Compression.NONE) {
                return RecordSet.parseFrom(batch.body());
            }
            return RecordSet.parseFrom(CompressionCodecs.decompress(compression, batch.body(), maxDecompressedBytes));
        } catch (InvalidProtocolBufferException e) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "records body of " + batch + " is not a valid RecordSet", e);
        } catch (IOException | RuntimeException e) {
            // Native codecs report garbage input as assorted runtime exceptions; all of them mean a corrupt body.
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "records body of " + batch + " does not decompress ("
                    + compression.configName() + "): " + e.getMessage(), e);
        }
    }
}
