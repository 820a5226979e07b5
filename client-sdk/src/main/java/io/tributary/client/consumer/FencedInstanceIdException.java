package io.tributary.client.consumer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;

/**
 * Another consumer joined with this consumer's {@code group.instance.id}, so the coordinator fenced this one. Fatal
 * for the membership: its partitions were reported lost, it does not rejoin (rejoining would fence the other process
 * in turn), and every later poll() throws this again. Close the consumer.
 *
 * <p>Immutable.
 */
public final class FencedInstanceIdException extends TributaryException {
    private static final long serialVersionUID = 1L;

    public FencedInstanceIdException(String message) {
        super(ErrorCode.FENCED_INSTANCE_ID, message);
    }
}
