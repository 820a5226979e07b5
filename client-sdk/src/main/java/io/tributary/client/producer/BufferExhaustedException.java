package io.tributary.client.producer;

import io.tributary.client.TributaryTimeoutException;

/**
 * send() waited {@code max.block.ms} for {@code buffer.memory} to free up and it did not.
 *
 * <p>Immutable.
 */
public final class BufferExhaustedException extends TributaryTimeoutException {
    private static final long serialVersionUID = 1L;

    public BufferExhaustedException(String message) {
        super(message);
    }
}
