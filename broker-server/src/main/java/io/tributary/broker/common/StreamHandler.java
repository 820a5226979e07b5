package io.tributary.broker.common;

/**
 * The receiving half of a long-lived stream, implemented by domain code and driven by a front door: the messages
 * the peer sends and what becomes of the peer. Paired with the {@link StreamSink} the handler answers through.
 *
 * <p>A front door delivers {@link #onMessage} calls one at a time, in order; {@link #onReady} may come from any
 * thread at any time. After {@link #onPeerGone} nothing more is delivered.
 */
public interface StreamHandler<Q> {
    void onMessage(Q message);

    /** The sink turned ready after {@link StreamSink#isReady()} had been false. */
    void onReady();

    /** The peer sends nothing more but still reads: the handler ends the stream when it has answered. */
    void onPeerDone();

    /** The peer cancelled or its connection broke: nothing sent now arrives. */
    void onPeerGone();
}
