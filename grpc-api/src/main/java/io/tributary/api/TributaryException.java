package io.tributary.api;

import java.util.Objects;

/**
 * A failure with a name from the {@link ErrorCode} catalogue. Domain code throws it (or a subclass carrying
 * extra facts, such as the valid offset range); the broker's error interceptor turns it into a gRPC status
 * and clients turn statuses back into it.
 */
public class TributaryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode error;

    public TributaryException(ErrorCode error, String message) {
        super(message);
        this.error = Objects.requireNonNull(error, "error");
    }

    public TributaryException(ErrorCode error, String message, Throwable cause) {
        super(message, cause);
        this.error = Objects.requireNonNull(error, "error");
    }

    public ErrorCode error() {
        return error;
    }

    public boolean retriable() {
        return error.retriable();
    }

    @Override
    public String toString() {
        return error.name() + ": " + getMessage();
    }
}
