package io.tributary.broker.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tributary.api.ErrorCode;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * Per request type: how many, how many failed by error name, and how long they took (Kafka's {@code RequestMetrics}
 * RequestsPerSec, ErrorsPerSec, TotalTimeMs and, for produce, RemoteTimeMs). A request type is a unary RPC's method
 * name or, on a stream, the unit the stream carries (one produce request; one consumer or follower fetch response).
 *
 * <p>Callers resolve a {@link Type} once and keep it: an update is then a few atomic adds with no lookup and no
 * allocation. Label values stay bounded: request types are the API's, error names the catalogue's.
 *
 * <p>Thread-safe.
 */
public final class RequestMetrics {
    public static final String PRODUCE = "Produce";
    public static final String FETCH_CONSUMER = "FetchConsumer";
    public static final String FETCH_FOLLOWER = "FetchFollower";

    /** Upper bounds in seconds, 0.5 ms to 30 s: a local append is sub-millisecond, acks=all waits on a network round trip. */
    private static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final ErrorCode[] CODES = ErrorCode.values();

    private final Counter requests;
    private final Counter errors;
    private final Histogram duration;
    private final Histogram remoteDuration;
    private final ConcurrentHashMap<String, Type> types = new ConcurrentHashMap<>();
    private final Function<String, Type> newType = Type::new;

    public RequestMetrics(PrometheusRegistry registry) {
        requests = Counter.builder().name("tributary_requests_total")
                .help("Requests handled, by type (Kafka: RequestMetrics RequestsPerSec)").labelNames("request").register(registry);
        errors = Counter.builder().name("tributary_request_errors_total")
                .help("Errors answered, by request type and error name; a request failing for several partitions counts each"
                        + " (Kafka: RequestMetrics ErrorsPerSec)").labelNames("request", "error").register(registry);
        duration = Histogram.builder().name("tributary_request_duration_seconds")
                .help("Time from a request's arrival to its response (Kafka: RequestMetrics TotalTimeMs)")
                .labelNames("request").classicOnly().classicUpperBounds(BUCKETS).register(registry);
        remoteDuration = Histogram.builder().name("tributary_request_remote_duration_seconds")
                .help("Time a produce request waited for the in-sync replicas (acks=all) or fsync after its append"
                        + " (Kafka: RequestMetrics RemoteTimeMs)")
                .labelNames("request").classicOnly().classicUpperBounds(BUCKETS).register(registry);
    }

    /** Metrics nobody scrapes: for components built without a broker around them (unit tests). */
    public static RequestMetrics unregistered() {
        return new RequestMetrics(new PrometheusRegistry());
    }

    /** The handle for one request type; resolve once and keep it. */
    public Type type(String request) {
        Type t = types.get(request);
        return t != null ? t : types.computeIfAbsent(request, newType);
    }

    /** One request type's data points. Thread-safe. */
    public final class Type {
        private final String name;
        private final CounterDataPoint count;
        private final DistributionDataPoint latency;
        private final AtomicReferenceArray<CounterDataPoint> byError = new AtomicReferenceArray<>(CODES.length);
        private volatile DistributionDataPoint remote;

        private Type(String name) {
            this.name = name;
            this.count = requests.labelValues(name);
            this.latency = duration.labelValues(name);
        }

        public String name() {
            return name;
        }

        /** A request that arrived at {@code startNanos} ({@link System#nanoTime()}) was answered now. */
        public void completed(long startNanos) {
            count.inc();
            latency.observe((System.nanoTime() - startNanos) / 1e9);
        }

        /** Counts a request whose time is not meaningful (a message on a stream that has no response of its own). */
        public void counted() {
            count.inc();
        }

        /** The request (or one of its partitions) was answered with {@code code}; NONE is not counted. */
        public void error(ErrorCode code) {
            if (code == ErrorCode.NONE) {
                return;
            }
            CounterDataPoint p = byError.get(code.ordinal());
            if (p == null) {
                p = errors.labelValues(name, code.name());
                byError.compareAndSet(code.ordinal(), null, p);
            }
            p.inc();
        }

        /** The request waited {@code nanos} for other replicas or the disk after its local work. */
        public void remote(long nanos) {
            DistributionDataPoint r = remote;
            if (r == null) {
                r = remoteDuration.labelValues(name);
                remote = r;
            }
            r.observe(nanos / 1e9);
        }
    }
}
