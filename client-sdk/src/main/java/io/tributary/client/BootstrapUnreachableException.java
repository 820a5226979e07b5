package io.tributary.client;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;

/**
 * No broker has ever answered this client and every address it was given refused the connection, does not resolve
 * or has no route: nothing listens there. Thrown at once instead of retrying until a timeout, because on first
 * contact this is a wrong address or a cluster that is not started far more often than a passing outage, and the
 * person at the other end wants to know which. Once any broker has answered, the same failures are retried as
 * ordinary {@link ErrorCode#BROKER_NOT_AVAILABLE} errors.
 */
public final class BootstrapUnreachableException extends TributaryException {
    private static final long serialVersionUID = 1L;

    public BootstrapUnreachableException(String message) {
        super(ErrorCode.BROKER_NOT_AVAILABLE, message);
    }

    /** Final: retrying an address where nothing listens only delays the same answer. */
    @Override
    public boolean retriable() {
        return false;
    }
}
