package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code java io.tributary.broker.server.HealthCheck HOST:PORT [--timeout-ms MS] [--tls-config FILE]}: asks one broker's
 * {@code grpc.health.v1.Health/Check} (overall service "") and prints its status on standard output:
 * {@code SERVING}, {@code NOT_SERVING}, {@code UNKNOWN}, {@code SERVICE_UNKNOWN} or {@code UNREACHABLE}.
 * Exit status 0 only for SERVING, 1 otherwise, 2 for a usage error. Used by {@code scripts/brokers.sh},
 * {@code scripts/tributary-dev.sh} and the container image's HEALTHCHECK.
 */
@Command(name = "HealthCheck", sortOptions = false,
        description = "Prints the broker's gRPC health (SERVING, NOT_SERVING, UNREACHABLE, ...); exits 0 only when SERVING.")
public final class HealthCheck implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST:PORT", converter = HostPortConverter.class, description = "The broker to ask.")
    HostPort target;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "3000", description = "How long to wait for the answer (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--tls-config", paramLabel = "FILE",
            description = "Connect over TLS with the ssl.keystore.* and ssl.truststore.* keys of FILE (a broker's server.properties or a client.properties).")
    Path tlsConfig;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    public static void main(String[] args) {
        System.exit(Mains.commandLine(new HealthCheck()).execute(args));
    }

    @Override
    public Integer call() {
        String status = check(target, timeoutMs, ProbeTls.context(tlsConfig));
        System.out.println(status);
        return status.equals("SERVING") ? 0 : 1;
    }

    /** The broker's overall health status name, or {@code UNREACHABLE} (the reason goes to standard error). */
    static String check(HostPort target, long timeoutMs, SslContext tls) {
        ManagedChannel channel = ProbeTls.channel(target, tls);
        try {
            HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("").build());
            return response.getStatus().name();
        } catch (StatusRuntimeException e) {
            System.err.println(target + ": " + e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")"));
            return "UNREACHABLE";
        } finally {
            channel.shutdownNow();
            try {
                channel.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** host:port as given on a command line. */
    record HostPort(String host, int port) {
        static HostPort parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("'" + s + "' is not HOST:PORT");
            }
            try {
                return new HostPort(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' has an invalid port");
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    static final class HostPortConverter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return HostPort.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
