package io.tributary.broker.common;

/**
 * The sending half of a long-lived stream from this broker (fetch responses, membership messages), as domain code
 * sees it: a front door implements it over its own transport, so the fetch sessions and the group coordinator never
 * see a gRPC type.
 *
 * <p>Implementations are thread-safe: sends are serialized, the stream ends at most once, and anything sent after
 * the end, or after the peer went away, is dropped rather than thrown.
 */
public interface StreamSink<T> {
    /**
     * Whether a message sent now goes out rather than waiting in the transport's buffer. A sender that produces
     * messages faster than the peer reads them waits for {@link StreamHandler#onReady()} while this is false.
     */
    boolean isReady();

    /** Sends one message. */
    void send(T message);

    /** Ends the stream normally. */
    void complete();

    /** Ends the stream with {@code error}'s catalogue entry (a {@code TributaryException}; anything else is UNKNOWN_SERVER_ERROR). */
    void fail(Throwable error);

    /** Whether the stream ended, by {@link #complete}, {@link #fail} or the peer going away. */
    boolean isClosed();
}
