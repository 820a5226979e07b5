package io.tributary.client.consumer;

import io.tributary.api.TributaryException;

/**
 * An asynchronous commit failed with an error a later commit may not meet (the coordinator moved or was loading).
 * commitAsync does not retry by itself, as in Kafka: a retry could overwrite a newer commit made meanwhile.
 *
 * <p>Immutable.
 */
public final class RetriableCommitFailedException extends TributaryException {
    private static final long serialVersionUID = 1L;

    public RetriableCommitFailedException(TributaryException cause) {
        super(cause.error(), "offset commit failed with a retriable error: " + cause.getMessage(), cause);
    }
}
