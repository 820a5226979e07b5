package io.tributary.client.producer;

import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProduceResponse;
import io.tributary.client.Node;

/**
 * How the sender reaches brokers: gRPC streams in production ({@link GrpcProducerTransport}), a fake in tests.
 *
 * <p>Implementations are called from the sender thread only; outcomes may be reported on any thread.
 */
public interface ProducerTransport extends AutoCloseable {
    /** Receives the one outcome of a request sent with acks != 0. */
    interface Listener {
        void onResponse(ProduceResponse response);

        void onFailure(Throwable error);
    }

    /** Receives the one outcome of an InitProducerId call. */
    interface InitProducerIdListener {
        void onResponse(InitProducerIdResponse response);

        void onFailure(Throwable error);
    }

    /** Sends a request; with acks=0 the listener is never called. */
    void send(Node node, ProduceRequest request, Listener listener);

    /**
     * Asks a broker (any will do) for a producer id, or to bump an epoch; the call is bounded by {@code timeoutMs}.
     * Only idempotent producers call it.
     */
    default void initProducerId(Node node, InitProducerIdRequest request, long timeoutMs, InitProducerIdListener listener) {
        throw new UnsupportedOperationException("this transport cannot initialise producer ids");
    }

    /** Drops the connection state of a node (after a request to it timed out) so the next send starts afresh. */
    default void reset(Node node) {
    }

    @Override
    void close();
}
