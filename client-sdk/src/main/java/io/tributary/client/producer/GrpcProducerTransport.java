package io.tributary.client.producer;

import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProduceResponse;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.client.Node;
import io.tributary.client.internal.ChannelPool;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code Producer.Produce} bidirectional stream per broker, requests matched to responses by
 * correlation id. The stream itself has no gRPC deadline (it lives as long as the producer); each request is
 * bounded instead by the sender's {@code request.timeout.ms}, which resets the stream when a request is overdue.
 * A failed stream fails every request pending on it and is replaced on the next send.
 *
 * <p>send/reset/close are called from the sender thread; gRPC's threads deliver responses. Each stream's
 * pending map is concurrent; the request observer is used by the sender thread only.
 */
public final class GrpcProducerTransport implements ProducerTransport {
    private final ChannelPool channels;
    private final ClientInterceptor[] interceptors;
    private final Map<Integer, NodeStream> streams = new ConcurrentHashMap<>();

    public GrpcProducerTransport(ChannelPool channels) {
        this(channels, new ClientInterceptor[0]);
    }

    /** With interceptors on every call (tests inject faults this way, e.g. dropped responses). */
    GrpcProducerTransport(ChannelPool channels, ClientInterceptor... interceptors) {
        this.channels = channels;
        this.interceptors = interceptors;
    }

    private Channel channel(Node node) {
        Channel channel = channels.channel(node);
        return interceptors.length == 0 ? channel : ClientInterceptors.intercept(channel, interceptors);
    }

    @Override
    public void initProducerId(Node node, InitProducerIdRequest request, long timeoutMs, InitProducerIdListener listener) {
        ProducerGrpc.newStub(channel(node)).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .initProducerId(request, new StreamObserver<>() {
                    @Override
                    public void onNext(InitProducerIdResponse response) {
                        listener.onResponse(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        listener.onFailure(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    @Override
    public void send(Node node, ProduceRequest request, Listener listener) {
        NodeStream stream = streams.get(node.id());
        if (stream == null || stream.failed) {
            stream = new NodeStream(node);
            streams.put(node.id(), stream);
            stream.start();
        }
        if (request.getAcks() != 0) {
            stream.pending.put(request.getCorrelationId(), listener);
            if (stream.failed && stream.pending.remove(request.getCorrelationId()) != null) {
                // The stream died between the check above and the put: nobody else will answer this listener.
                listener.onFailure(Status.UNAVAILABLE.withDescription("produce stream to " + node + " failed").asRuntimeException());
                return;
            }
        }
        try {
            stream.requests.onNext(request);
        } catch (RuntimeException e) {
            // onNext throws when the call was cancelled under us (e.g. a reset): a connection problem, retriable.
            if (request.getAcks() == 0 || stream.pending.remove(request.getCorrelationId()) != null) {
                throw Status.UNAVAILABLE.withDescription("produce stream to " + node + " is closed: " + e).withCause(e).asRuntimeException();
            }
        }
    }

    @Override
    public void reset(Node node) {
        NodeStream stream = streams.remove(node.id());
        if (stream != null) {
            stream.cancel("a request to broker " + node + " timed out");
        }
    }

    @Override
    public void close() {
        for (NodeStream s : new ArrayList<>(streams.values())) {
            s.requests.onCompleted();
        }
        streams.clear();
    }

    private final class NodeStream implements ClientResponseObserver<ProduceRequest, ProduceResponse> {
        private final Node node;
        private final Map<Long, Listener> pending = new ConcurrentHashMap<>();
        private volatile boolean failed;
        private StreamObserver<ProduceRequest> requests;
        private ClientCallStreamObserver<ProduceRequest> call;

        NodeStream(Node node) {
            this.node = node;
        }

        void start() {
            requests = ProducerGrpc.newStub(channel(node)).produce(this);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ProduceRequest> requestStream) {
            this.call = requestStream;
        }

        void cancel(String why) {
            if (call != null) {
                call.cancel(why, null);
            }
            failAll(Status.DEADLINE_EXCEEDED.withDescription(why).asRuntimeException());
        }

        @Override
        public void onNext(ProduceResponse response) {
            Listener l = pending.remove(response.getCorrelationId());
            if (l != null) {
                l.onResponse(response);
            }
        }

        @Override
        public void onError(Throwable t) {
            failAll(t);
        }

        @Override
        public void onCompleted() {
            failAll(Status.UNAVAILABLE.withDescription("broker " + node + " closed the produce stream").asRuntimeException());
        }

        private void failAll(Throwable t) {
            failed = true;
            streams.remove(node.id(), this);
            List<Listener> all = new ArrayList<>(pending.values());
            pending.clear();
            all.forEach(l -> l.onFailure(t));
        }
    }
}
