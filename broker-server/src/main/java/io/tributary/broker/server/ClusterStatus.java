package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.BrokerNode;
import io.tributary.api.v1.DescribeClusterRequest;
import io.tributary.api.v1.DescribeClusterResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code java io.tributary.broker.server.ClusterStatus HOST:PORT[,HOST:PORT...] [--timeout-ms MS] [--tls-config FILE]}: one JVM that
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
@Command(name = "ClusterStatus", sortOptions = false,
        description = "Prints each broker's gRPC health, then the cluster id, controller and registered brokers.")
public final class ClusterStatus implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST:PORT[,HOST:PORT...]", split = ",", converter = HealthCheck.HostPortConverter.class,
            description = "The brokers to report on.")
    List<HealthCheck.HostPort> endpoints;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "3000", description = "How long to wait for each answer (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--tls-config", paramLabel = "FILE",
            description = "Connect over TLS with the ssl.keystore.* and ssl.truststore.* keys of FILE (a broker's server.properties or a client.properties).")
    Path tlsConfig;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    public static void main(String[] args) {
        System.exit(Mains.commandLine(new ClusterStatus()).execute(args));
    }

    @Override
    public Integer call() {
        SslContext tls = ProbeTls.context(tlsConfig);
        List<HealthCheck.HostPort> serving = new ArrayList<>();
        for (HealthCheck.HostPort endpoint : endpoints) {
            String health = HealthCheck.check(endpoint, timeoutMs, tls);
            System.out.println("endpoint=" + endpoint + " health=" + health);
            if (health.equals("SERVING")) {
                serving.add(endpoint);
            }
        }
        String cluster = "cluster_id=- controller=- brokers=-";
        for (HealthCheck.HostPort endpoint : serving) {
            DescribeClusterResponse response = describe(endpoint, timeoutMs, tls);
            if (response != null) {
                cluster = "cluster_id=" + (response.getClusterId().isEmpty() ? "-" : response.getClusterId())
                        + " controller=" + (response.getControllerId() >= 0 ? response.getControllerId() : "-")
                        + " brokers=" + response.getBrokersList().stream().map(BrokerNode::getId).sorted()
                        .map(String::valueOf).collect(Collectors.joining(","));
                break;
            }
        }
        System.out.println(cluster);
        return 0;
    }

    private static DescribeClusterResponse describe(HealthCheck.HostPort endpoint, long timeoutMs, SslContext tls) {
        ManagedChannel channel = ProbeTls.channel(endpoint, tls);
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
