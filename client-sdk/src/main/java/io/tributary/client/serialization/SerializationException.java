package io.tributary.client.serialization;

/**
 * A key or value could not be turned into bytes or back.
 *
 * <p>Immutable.
 */
public final class SerializationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SerializationException(String message) {
        super(message);
    }

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
