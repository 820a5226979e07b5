package io.tributary.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.OffsetForLeaderEpochResponse;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicationGrpc;
import io.tributary.broker.replication.ReplicaFetchHandler;
import io.tributary.broker.security.RequestContext;

/**
 * gRPC face of {@link ReplicaFetchHandler}. A replica-fetch stream handles a bounded number of requests at once
 * (followers send one at a time); a request that fails authorization or validation ends the stream with its
 * status. Thread-safe.
 */
public final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {
    private static final int MAX_INFLIGHT_PER_STREAM = 4;

    private final ReplicaFetchHandler handler;

    public ReplicationService(ReplicaFetchHandler handler) {
        this.handler = handler;
    }

    @Override
    public void offsetForLeaderEpoch(OffsetForLeaderEpochRequest request, StreamObserver<OffsetForLeaderEpochResponse> o) {
        o.onNext(handler.offsetForLeaderEpoch(PrincipalInterceptor.caller(), request));
        o.onCompleted();
    }

    @Override
    public StreamObserver<ReplicaFetchRequest> replicaFetch(StreamObserver<ReplicaFetchResponse> responseObserver) {
        ServerStreams.GrpcStreamSink<ReplicaFetchResponse> out = ServerStreams.sink(responseObserver);
        out.call().disableAutoRequest();
        out.call().request(MAX_INFLIGHT_PER_STREAM);
        RequestContext ctx = PrincipalInterceptor.caller();
        return new StreamObserver<>() {
            @Override
            public void onNext(ReplicaFetchRequest request) {
                handler.fetch(ctx, request).whenComplete((response, failure) -> {
                    if (failure != null) {
                        out.fail(failure);
                        return;
                    }
                    out.send(response);
                    if (!out.isClosed()) {
                        out.call().request(1);
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                out.abandon();
            }

            @Override
            public void onCompleted() {
                out.complete();
            }
        };
    }
}
