package io.tributary.broker.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.broker.common.StreamHandler;
import io.tributary.broker.common.StreamSink;

import java.util.function.Function;

/**
 * Binds a domain {@link StreamHandler} to a gRPC server stream, and the one {@link StreamSink} every server stream
 * sends through: finish once, no sends after the end or after the client cancelled, writes serialized (grpc-java's
 * observers are not thread-safe). Stateless and thread-safe.
 */
public final class ServerStreams {
    private ServerStreams() {
    }

    /**
     * Opens a handler for a new call. Must be called from the service method, before it returns, so the ready and
     * cancel callbacks are registered in time.
     */
    public static <Q, R> StreamObserver<Q> bind(StreamObserver<R> responseObserver, Function<StreamSink<R>, StreamHandler<Q>> open) {
        GrpcStreamSink<R> sink = sink(responseObserver);
        StreamHandler<Q> handler = open.apply(sink);
        sink.out.setOnReadyHandler(handler::onReady);
        sink.out.setOnCancelHandler(handler::onPeerGone);
        return new StreamObserver<>() {
            @Override
            public void onNext(Q value) {
                handler.onMessage(value);
            }

            @Override
            public void onError(Throwable t) {
                handler.onPeerGone();
            }

            @Override
            public void onCompleted() {
                handler.onPeerDone();
            }
        };
    }

    /** The sink of a call; {@code responseObserver} must be the one gRPC handed to the service method. */
    public static <R> GrpcStreamSink<R> sink(StreamObserver<R> responseObserver) {
        return new GrpcStreamSink<>((ServerCallStreamObserver<R>) responseObserver);
    }

    /** A {@link StreamSink} over a gRPC server call. Thread-safe; its monitor serializes writes. */
    public static final class GrpcStreamSink<R> implements StreamSink<R> {
        private final ServerCallStreamObserver<R> out;
        /** Guarded by this. */
        private boolean finished;

        private GrpcStreamSink(ServerCallStreamObserver<R> out) {
            this.out = out;
        }

        /** The call itself, for flow control ({@code request(n)}), which only the transport side knows about. */
        public ServerCallStreamObserver<R> call() {
            return out;
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public synchronized void send(R message) {
            if (!finished && !out.isCancelled()) {
                out.onNext(message);
            }
        }

        @Override
        public synchronized void complete() {
            if (!finished) {
                finished = true;
                if (!out.isCancelled()) {
                    out.onCompleted();
                }
            }
        }

        @Override
        public synchronized void fail(Throwable error) {
            if (!finished) {
                finished = true;
                if (!out.isCancelled()) {
                    out.onError(GrpcErrors.toStatus(error));
                }
            }
        }

        /** Marks the stream ended without telling the client, which has gone away already. */
        public synchronized void abandon() {
            finished = true;
        }

        @Override
        public synchronized boolean isClosed() {
            return finished || out.isCancelled();
        }
    }
}
