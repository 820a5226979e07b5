package io.tributary.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.ConsumerGrpc;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.broker.fetch.FetchSessions;
import io.tributary.broker.security.RequestContext;

/** gRPC face of the fetch sessions: one {@code Fetch} stream, one session. Thread-safe. */
public final class ConsumerService extends ConsumerGrpc.ConsumerImplBase {
    private final FetchSessions sessions;

    public ConsumerService(FetchSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public StreamObserver<FetchRequest> fetch(StreamObserver<FetchResponse> responseObserver) {
        RequestContext ctx = PrincipalInterceptor.caller();
        return ServerStreams.bind(responseObserver, out -> sessions.open(ctx, out));
    }
}
