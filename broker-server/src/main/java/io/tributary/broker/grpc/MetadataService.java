package io.tributary.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.broker.admin.MetadataHandler;

/** gRPC face of {@link MetadataHandler}. Thread-safe. */
public final class MetadataService extends MetadataGrpc.MetadataImplBase {
    private final MetadataHandler handler;

    public MetadataService(MetadataHandler handler) {
        this.handler = handler;
    }

    @Override
    public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> responseObserver) {
        responseObserver.onNext(handler.metadata(PrincipalInterceptor.caller(), request));
        responseObserver.onCompleted();
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> responseObserver) {
        responseObserver.onNext(handler.listOffsets(PrincipalInterceptor.caller(), request));
        responseObserver.onCompleted();
    }
}
