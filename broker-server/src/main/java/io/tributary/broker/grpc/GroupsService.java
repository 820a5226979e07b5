package io.tributary.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.DeleteGroupsRequest;
import io.tributary.api.v1.DeleteGroupsResponse;
import io.tributary.api.v1.DescribeGroupsRequest;
import io.tributary.api.v1.DescribeGroupsResponse;
import io.tributary.api.v1.FetchOffsetsRequest;
import io.tributary.api.v1.FetchOffsetsResponse;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.FindCoordinatorResponse;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.ListGroupsRequest;
import io.tributary.api.v1.ListGroupsResponse;
import io.tributary.api.v1.MembershipRequest;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.broker.group.GroupCoordinator;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** gRPC face of the {@link GroupCoordinator}. Thread-safe. */
public final class GroupsService extends GroupsGrpc.GroupsImplBase {
    private final GroupCoordinator coordinator;

    public GroupsService(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    private static <T> void reply(StreamObserver<T> observer, T value) {
        observer.onNext(value);
        observer.onCompleted();
    }

    private static <T> void replyLater(StreamObserver<T> observer, CompletableFuture<T> value) {
        value.whenComplete((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                observer.onError(GrpcErrors.toStatus(cause));
            } else {
                reply(observer, response);
            }
        });
    }

    @Override
    public void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> o) {
        reply(o, coordinator.findCoordinator(PrincipalInterceptor.caller(), request));
    }

    @Override
    public StreamObserver<MembershipRequest> membership(StreamObserver<MembershipResponse> responseObserver) {
        return new MembershipSession(coordinator, responseObserver, PrincipalInterceptor.caller());
    }

    @Override
    public void commitOffsets(CommitOffsetsRequest request, StreamObserver<CommitOffsetsResponse> o) {
        replyLater(o, coordinator.commitOffsets(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void fetchOffsets(FetchOffsetsRequest request, StreamObserver<FetchOffsetsResponse> o) {
        reply(o, coordinator.fetchOffsets(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> o) {
        reply(o, coordinator.listGroups(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void describeGroups(DescribeGroupsRequest request, StreamObserver<DescribeGroupsResponse> o) {
        reply(o, coordinator.describeGroups(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void deleteGroups(DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> o) {
        replyLater(o, coordinator.deleteGroups(PrincipalInterceptor.caller(), request));
    }
}
