package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.BrokerNode;
import io.tributary.api.v1.DescribeClusterRequest;
import io.tributary.api.v1.DescribeClusterResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code java io.tributary.broker.server.ClusterStatus HOST:PORT[,HOST:PORT...] [--timeout-ms MS]}: one JVM that
 * reports, for {@code scripts/brokers.sh status} and its readiness wait, the gRPC health of every given broker and
 * the cluster as the first answering broker sees it ({@code Admin/DescribeCluster}). Output, one record a line:
 * <pre>
 * endpoint=127.0.0.1:9092 health=SERVING
 * endpoint=127.0.0.1:9093 health=UNREACHABLE
 * cluster_id=5b0c... controller=1 brokers=1,2,3
 * </pre>
 * The last line is {@code cluster_id=- controller=- brokers=-} when no broker answered DescribeCluster.
 * Exit status 0 when it printed a report, 2 for a usage error.
 */
public final class ClusterStatus {
    private ClusterStatus() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.out.println("usage: ClusterStatus HOST:PORT[,HOST:PORT...] [--timeout-ms MS]");
            System.out.println("Prints each broker's gRPC health, then the cluster id, controller and registered brokers.");
            System.exit(args.length == 0 ? 2 : 0);
        }
        long timeoutMs = 3_000;
        List<HealthCheck.HostPort> endpoints = new ArrayList<>();
        try {
            for (int i = 1; i < args.length; i++) {
                if (args[i].equals("--timeout-ms") && i + 1 < args.length) {
                    timeoutMs = Long.parseLong(args[++i]);
                } else {
                    throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
                }
            }
            for (String s : args[0].split(",")) {
                if (!s.isBlank()) {
                    endpoints.add(HealthCheck.HostPort.parse(s.trim()));
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("ClusterStatus: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<HealthCheck.HostPort> serving = new ArrayList<>();
        for (HealthCheck.HostPort endpoint : endpoints) {
            String health = HealthCheck.check(endpoint, timeoutMs);
            System.out.println("endpoint=" + endpoint + " health=" + health);
            if (health.equals("SERVING")) {
                serving.add(endpoint);
            }
        }
        String cluster = "cluster_id=- controller=- brokers=-";
        for (HealthCheck.HostPort endpoint : serving) {
            DescribeClusterResponse response = describe(endpoint, timeoutMs);
            if (response != null) {
                cluster = "cluster_id=" + (response.getClusterId().isEmpty() ? "-" : response.getClusterId())
                        + " controller=" + (response.getControllerId() >= 0 ? response.getControllerId() : "-")
                        + " brokers=" + response.getBrokersList().stream().map(BrokerNode::getId).sorted()
                        .map(String::valueOf).collect(Collectors.joining(","));
                break;
            }
        }
        System.out.println(cluster);
        System.exit(0);
    }

    private static DescribeClusterResponse describe(HealthCheck.HostPort endpoint, long timeoutMs) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext().build();
        try {
            return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .describeCluster(DescribeClusterRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            System.err.println(endpoint + ": DescribeCluster failed: " + e.getStatus().getCode());
            return null;
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
