package io.tributary.broker.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.OffsetForLeaderEpochResponse;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicationGrpc;
import io.tributary.broker.replication.ReplicaFetchHandler;

import java.util.concurrent.atomic.AtomicBoolean;

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
        o.onNext(handler.offsetForLeaderEpoch(request));
        o.onCompleted();
    }

    @Override
    public StreamObserver<ReplicaFetchRequest> replicaFetch(StreamObserver<ReplicaFetchResponse> responseObserver) {
        ServerCallStreamObserver<ReplicaFetchResponse> out = (ServerCallStreamObserver<ReplicaFetchResponse>) responseObserver;
        out.disableAutoRequest();
        out.request(MAX_INFLIGHT_PER_STREAM);
        AtomicBoolean finished = new AtomicBoolean();
        return new StreamObserver<>() {
            @Override
            public void onNext(ReplicaFetchRequest request) {
                handler.fetch(request).whenComplete((response, failure) -> {
                    synchronized (out) {
                        if (finished.get() || out.isCancelled()) {
                            return;
                        }
                        if (failure != null) {
                            finished.set(true);
                            out.onError(GrpcErrors.toStatus(failure));
                            return;
                        }
                        out.onNext(response);
                    }
                    out.request(1);
                });
            }

            @Override
            public void onError(Throwable t) {
                finished.set(true);
            }

            @Override
            public void onCompleted() {
                synchronized (out) {
                    if (finished.compareAndSet(false, true) && !out.isCancelled()) {
                        out.onCompleted();
                    }
                }
            }
        };
    }
}
