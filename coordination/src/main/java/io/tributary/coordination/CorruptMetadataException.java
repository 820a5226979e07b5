package io.tributary.coordination;

/** A znode holds something that is not the document its path promises. */
public final class CorruptMetadataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorruptMetadataException(String message) {
        super(message);
    }

    public CorruptMetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}
