package io.tributary.client.consumer;

/**
 * Thrown by a blocking consumer call after another thread called {@link TributaryConsumer#wakeup()}.
 *
 * <p>Immutable.
 */
public final class WakeupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WakeupException() {
        super("the consumer was woken up by another thread");
    }
}
