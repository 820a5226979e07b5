package io.tributary.client;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;

/**
 * A client-side wait ran out: metadata, buffer space, delivery or a request. Retriable by nature.
 *
 * <p>Immutable.
 */
public class TributaryTimeoutException extends TributaryException {
    private static final long serialVersionUID = 1L;

    public TributaryTimeoutException(String message) {
        super(ErrorCode.REQUEST_TIMED_OUT, message);
    }
}
