package io.tributary.coordination;

/**
 * Another live broker (another ZooKeeper session) holds this broker's id. Thrown at start-up; the broker must
 * exit rather than run with a duplicate id.
 */
public final class BrokerIdInUseException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public BrokerIdInUseException(String message) {
        super(message);
    }
}
