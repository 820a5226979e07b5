package io.tributary.broker.log;

/** An index file does not describe its log; the index is rebuilt from the log. */
public final class CorruptIndexException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorruptIndexException(String message) {
        super(message);
    }
}
