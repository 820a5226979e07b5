package io.tributary.broker.grpc;

import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.AlterConfigsRequest;
import io.tributary.api.v1.AlterConfigsResponse;
import io.tributary.api.v1.CreatePartitionsRequest;
import io.tributary.api.v1.CreatePartitionsResponse;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.CreateTopicsResponse;
import io.tributary.api.v1.DeleteTopicsRequest;
import io.tributary.api.v1.DeleteTopicsResponse;
import io.tributary.api.v1.DescribeClusterRequest;
import io.tributary.api.v1.DescribeClusterResponse;
import io.tributary.api.v1.DescribeConfigsRequest;
import io.tributary.api.v1.DescribeConfigsResponse;
import io.tributary.api.v1.DescribeTopicsRequest;
import io.tributary.api.v1.DescribeTopicsResponse;
import io.tributary.api.v1.ListTopicsRequest;
import io.tributary.api.v1.ListTopicsResponse;
import io.tributary.broker.admin.AdminHandler;

/** gRPC face of {@link AdminHandler}. Thread-safe. */
public final class AdminService extends AdminGrpc.AdminImplBase {
    private final AdminHandler handler;

    public AdminService(AdminHandler handler) {
        this.handler = handler;
    }

    private static <T> void reply(StreamObserver<T> observer, T value) {
        observer.onNext(value);
        observer.onCompleted();
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> o) {
        reply(o, handler.createTopics(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> o) {
        reply(o, handler.deleteTopics(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> o) {
        reply(o, handler.listTopics(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> o) {
        reply(o, handler.describeTopics(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> o) {
        reply(o, handler.createPartitions(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void describeConfigs(DescribeConfigsRequest request, StreamObserver<DescribeConfigsResponse> o) {
        reply(o, handler.describeConfigs(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> o) {
        reply(o, handler.alterConfigs(PrincipalInterceptor.caller(), request));
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> o) {
        reply(o, handler.describeCluster(PrincipalInterceptor.caller()));
    }
}
