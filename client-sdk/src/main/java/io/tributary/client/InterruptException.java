package io.tributary.client;

/**
 * A blocking client call was interrupted; the thread's interrupt flag is set again before this is thrown.
 *
 * <p>Immutable.
 */
public final class InterruptException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InterruptException(String message, InterruptedException cause) {
        super(message, cause);
        Thread.currentThread().interrupt();
    }
}
