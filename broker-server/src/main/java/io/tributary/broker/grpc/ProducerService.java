package io.tributary.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProduceResponse;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.produce.ProduceHandler;
import io.tributary.broker.produce.ProducerIdManager;
import io.tributary.broker.security.RequestContext;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * gRPC face of {@link ProduceHandler}. On the bidirectional stream, at most
 * {@code max.inflight.produce.requests.per.stream} requests are handled at once: the service asks gRPC for the
 * next request only when one completes, so a fast producer is held back by HTTP/2 flow control rather than
 * queued without bound. Thread-safe.
 */
public final class ProducerService extends ProducerGrpc.ProducerImplBase {
    private final ProduceHandler handler;
    private final ProducerIdManager producerIds;
    private final int maxInflightPerStream;

    public ProducerService(ProduceHandler handler, ProducerIdManager producerIds, int maxInflightPerStream) {
        this.handler = handler;
        this.producerIds = producerIds;
        this.maxInflightPerStream = maxInflightPerStream;
    }

    @Override
    public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> responseObserver) {
        responseObserver.onNext(producerIds.initProducerId(PrincipalInterceptor.caller(), request));
        responseObserver.onCompleted();
    }

    @Override
    public void produceOnce(ProduceRequest request, StreamObserver<ProduceResponse> responseObserver) {
        // An invalid request throws from produce(): the error interceptor answers with its status.
        RequestContext ctx = PrincipalInterceptor.caller();
        if (request.getAcks() == 0) {
            handler.produce(ctx, request);
            responseObserver.onNext(ProduceResponse.newBuilder().setCorrelationId(request.getCorrelationId()).build());
            responseObserver.onCompleted();
            return;
        }
        handler.produce(ctx, request).whenComplete((response, failure) -> {
            if (failure != null) {
                responseObserver.onError(GrpcErrors.toStatus(failure));
            } else {
                responseObserver.onNext(response);
                responseObserver.onCompleted();
            }
        });
    }

    @Override
    public StreamObserver<ProduceRequest> produce(StreamObserver<ProduceResponse> responseObserver) {
        ServerStreams.GrpcStreamSink<ProduceResponse> out = ServerStreams.sink(responseObserver);
        out.call().disableAutoRequest();
        out.call().request(maxInflightPerStream);
        // The stream's caller is fixed when it opens: authentication is per connection.
        RequestContext ctx = PrincipalInterceptor.caller();
        return new StreamObserver<>() {
            private final AtomicInteger inflight = new AtomicInteger();
            private final AtomicBoolean halfClosed = new AtomicBoolean();

            @Override
            public void onNext(ProduceRequest request) {
                inflight.incrementAndGet();
                CompletableFuture<ProduceResponse> produced;
                try {
                    produced = handler.produce(ctx, request);
                } catch (TributaryException invalid) {
                    // A malformed request fails only itself: its partitions get the error, the stream goes on.
                    complete(request.getAcks() == 0 ? null : rejectAll(request, invalid));
                    return;
                }
                if (request.getAcks() == 0) {
                    complete(null);
                    return;
                }
                produced.whenComplete((response, failure) -> complete(failure == null ? response : rejectAll(request, failure)));
            }

            private void complete(ProduceResponse response) {
                if (response != null) {
                    out.send(response);
                }
                if (inflight.decrementAndGet() == 0 && halfClosed.get()) {
                    out.complete();
                } else if (!halfClosed.get()) {
                    out.call().request(1);
                }
            }

            @Override
            public void onError(Throwable t) {
                out.abandon();
            }

            @Override
            public void onCompleted() {
                halfClosed.set(true);
                if (inflight.get() == 0) {
                    out.complete();
                }
            }
        };
    }

    private static ProduceResponse rejectAll(ProduceRequest request, Throwable failure) {
        ProduceResponse.Builder r = ProduceResponse.newBuilder().setCorrelationId(request.getCorrelationId());
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (!(cause instanceof TributaryException)) {
            cause = new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(cause.getMessage()), cause);
        }
        for (PartitionProduceData p : request.getPartitionsList()) {
            r.addPartitions(PartitionProduceResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition())
                    .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1).setError(ErrorProtos.toProto(cause)));
        }
        return r.build();
    }
}
