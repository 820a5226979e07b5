package io.tributary.broker.metrics;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tributary.broker.common.BusyTimeThreadPool;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.partition.LeaderState;
import io.tributary.broker.partition.IsrChangeStats;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.coordination.BrokerCoordination;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.CoordinationStats;
import io.tributary.coordination.MetadataListener;
import io.tributary.coordination.PartitionMetadata;
import io.tributary.coordination.SessionState;
import io.tributary.coordination.TopicMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * One broker's metrics: its own registry (several brokers may share a JVM in tests), the traffic counters, gauges of
 * partition and controller state read on scrape from the partition manager and the metadata cache (nothing on the
 * hot path), JVM and process metrics, and the {@code /metrics} endpoint.
 *
 * <p>Thread-safe; {@link #start} and {@link #close} are called once each, by the broker's lifecycle.
 */
public final class BrokerMetrics implements MetadataListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetrics.class);

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final TopicTraffic traffic = new TopicTraffic(registry);
    private final RequestMetrics requests = new RequestMetrics(registry);
    private ConsumerLagMetrics consumerLag;
    private HTTPServer http;

    /**
     * @param partitions        this broker's replicas
     * @param isController      whether this broker is the active controller now
     * @param perPartition      whether to export per-partition log series ({@code metrics.partition.level.enable});
     *                          off on brokers with thousands of partitions
     */
    public BrokerMetrics(PartitionManager partitions, BooleanSupplier isController, boolean perPartition) {
        JvmMetrics.builder().register(registry);
        GaugeWithCallback.builder().name("tributary_server_partitions")
                .help("Replicas on this broker, leaders and followers (Kafka: ReplicaManager PartitionCount)")
                .callback(cb -> cb.call(partitions.partitions().size())).register(registry);
        GaugeWithCallback.builder().name("tributary_server_leaders")
                .help("Partitions this broker leads (Kafka: ReplicaManager LeaderCount)")
                .callback(cb -> cb.call(count(partitions, Kind.LEADER))).register(registry);
        GaugeWithCallback.builder().name("tributary_server_under_replicated_partitions")
                .help("Partitions led here whose ISR is smaller than their replica set (Kafka: ReplicaManager UnderReplicatedPartitions)")
                .callback(cb -> cb.call(count(partitions, Kind.UNDER_REPLICATED))).register(registry);
        GaugeWithCallback.builder().name("tributary_server_under_min_isr_partitions")
                .help("Partitions led here whose ISR is smaller than min.insync.replicas: acks=all writes fail"
                        + " (Kafka: ReplicaManager UnderMinIsrPartitionCount)")
                .callback(cb -> cb.call(count(partitions, Kind.UNDER_MIN_ISR))).register(registry);
        GaugeWithCallback.builder().name("tributary_controller_active_controller_count")
                .help("1 on the active controller, 0 elsewhere: the sum over the cluster must be 1 (Kafka: KafkaController ActiveControllerCount)")
                .callback(cb -> cb.call(isController.getAsBoolean() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("tributary_controller_offline_partitions")
                .help("Partitions without a live leader, reported by the active controller only (Kafka: KafkaController OfflinePartitionsCount)")
                .callback(cb -> cb.call(isController.getAsBoolean() ? offline(partitions.metadata()) : 0)).register(registry);
        if (perPartition) {
            registerLogGauges(partitions);
        }
    }

    private enum Kind { LEADER, UNDER_REPLICATED, UNDER_MIN_ISR }

    private static int count(PartitionManager partitions, Kind kind) {
        int n = 0;
        for (Partition p : partitions.partitions().values()) {
            if (!p.isLeader()) {
                continue;
            }
            LeaderState s = p.state();
            boolean counts = switch (kind) {
                case LEADER -> true;
                case UNDER_REPLICATED -> s.isr().size() < s.replicas().size();
                case UNDER_MIN_ISR -> s.isr().size() < p.log().config().minInSyncReplicas();
            };
            if (counts) {
                n++;
            }
        }
        return n;
    }

    private static int offline(ClusterMetadata md) {
        int n = 0;
        for (TopicMetadata t : md.topics().values()) {
            if (t.pendingDeletion()) {
                continue;
            }
            for (PartitionMetadata p : t.partitions().values()) {
                if (p.leader() < 0 || !md.brokers().containsKey(p.leader())) {
                    n++;
                }
            }
        }
        return n;
    }

    private void registerLogGauges(PartitionManager partitions) {
        logGauge(partitions, "tributary_log_size_bytes", "Bytes of the partition's segments on this broker (Kafka: Log Size)", Field.SIZE);
        logGauge(partitions, "tributary_log_segments", "Segments of the partition on this broker (Kafka: Log NumLogSegments)", Field.SEGMENTS);
        logGauge(partitions, "tributary_log_start_offset", "First offset of the partition's log (Kafka: Log LogStartOffset)", Field.START);
        logGauge(partitions, "tributary_log_end_offset", "Offset after the last record of the log (Kafka: Log LogEndOffset)", Field.END);
    }

    private enum Field { SIZE, SEGMENTS, START, END }

    private void logGauge(PartitionManager partitions, String name, String help, Field field) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("topic", "partition").callback(cb -> {
            for (Partition p : partitions.partitions().values()) {
                PartitionLog l = p.log();
                double value = switch (field) {
                    case SIZE -> l.sizeInBytes();
                    case SEGMENTS -> l.numberOfSegments();
                    case START -> l.logStartOffset();
                    case END -> l.logEndOffset();
                };
                cb.call(value, p.topicPartition().topic(), Integer.toString(p.topicPartition().partition()));
            }
        }).register(registry);
    }

    /** ISR changes of the partitions this broker leads, and how far behind its followed partitions are. */
    public void registerReplication(IsrChangeStats isr, LongSupplier replicaFetcherMaxLag) {
        CounterWithCallback.builder().name("tributary_server_isr_shrinks")
                .help("ISR shrinks of partitions led here, by this broker or the controller (Kafka: ReplicaManager IsrShrinksPerSec)")
                .callback(cb -> cb.call(isr.shrinks())).register(registry);
        CounterWithCallback.builder().name("tributary_server_isr_expands")
                .help("ISR expansions of partitions led here (Kafka: ReplicaManager IsrExpandsPerSec)")
                .callback(cb -> cb.call(isr.expands())).register(registry);
        GaugeWithCallback.builder().name("tributary_replica_fetcher_max_lag")
                .help("Largest lag in records of any partition this broker follows (Kafka: ReplicaFetcherManager MaxLag)")
                .callback(cb -> cb.call(replicaFetcherMaxLag.getAsLong())).register(registry);
    }

    /**
     * A thread pool's size, backlog and busy time; the idle ratio is {@code 1 - rate(busy_seconds) / threads}
     * (Kafka: RequestHandlerAvgIdlePercent). Pools: {@code request} (unary RPCs and replication), {@code fetch}
     * (consumer fetch sessions). Hot streams run on the transport's event loops, which this does not cover.
     */
    public void registerExecutors(Map<String, BusyTimeThreadPool> pools) {
        GaugeWithCallback.builder().name("tributary_request_executor_threads").help("Threads of the pool").labelNames("pool")
                .callback(cb -> pools.forEach((name, p) -> cb.call(p.getMaximumPoolSize(), name))).register(registry);
        GaugeWithCallback.builder().name("tributary_request_executor_queued_tasks")
                .help("Tasks waiting for a thread of the pool (Kafka: RequestChannel RequestQueueSize)").labelNames("pool")
                .callback(cb -> pools.forEach((name, p) -> cb.call(p.queuedTasks(), name))).register(registry);
        CounterWithCallback.builder().name("tributary_request_executor_busy_seconds")
                .help("Time the pool's threads spent running tasks; 1 - rate / threads is the idle ratio"
                        + " (Kafka: RequestHandlerAvgIdlePercent)").labelNames("pool")
                .callback(cb -> pools.forEach((name, p) -> cb.call(p.busyNanos() / 1e9, name))).register(registry);
    }

    /** Open streams per streaming RPC, and open consumer fetch sessions. */
    public void registerStreams(Map<String, AtomicInteger> openStreams, IntSupplier fetchSessions) {
        GaugeWithCallback.builder().name("tributary_open_streams").help("Open gRPC streams, by RPC").labelNames("rpc")
                .callback(cb -> openStreams.forEach((rpc, n) -> cb.call(n.get(), rpc))).register(registry);
        GaugeWithCallback.builder().name("tributary_fetch_sessions")
                .help("Consumer fetch sessions open (Kafka: FetchSessionCache NumIncrementalFetchSessions)")
                .callback(cb -> cb.call(fetchSessions.getAsInt())).register(registry);
    }

    /** ZooKeeper session state, disconnects, expirations, request latency, and the controller's unclean elections. */
    public void registerCoordination(BrokerCoordination coordination) {
        CoordinationStats stats = coordination.stats();
        GaugeWithCallback.builder().name("tributary_zookeeper_connected")
                .help("1 while the ZooKeeper session is connected, 0 while suspended or lost (Kafka: SessionExpireListener SessionState)")
                .callback(cb -> cb.call(coordination.sessionState() == SessionState.CONNECTED ? 1 : 0)).register(registry);
        CounterWithCallback.builder().name("tributary_zookeeper_disconnects")
                .help("Times the ZooKeeper connection was suspended (Kafka: SessionExpireListener ZooKeeperDisconnectsPerSec)")
                .callback(cb -> cb.call(stats.disconnects())).register(registry);
        CounterWithCallback.builder().name("tributary_zookeeper_expires")
                .help("Times the ZooKeeper session was lost (Kafka: SessionExpireListener ZooKeeperExpiresPerSec)")
                .callback(cb -> cb.call(stats.expirations())).register(registry);
        CounterWithCallback.builder().name("tributary_controller_unclean_leader_elections")
                .help("Leaders this broker's controller elected from outside the ISR (Kafka: ControllerStats UncleanLeaderElectionsPerSec)")
                .callback(cb -> cb.call(stats.uncleanLeaderElections())).register(registry);
        DistributionDataPoint zkLatency = Histogram.builder().name("tributary_zookeeper_request_duration_seconds")
                .help("Latency of the broker's ZooKeeper requests (Kafka: ZooKeeperClientMetrics ZooKeeperRequestLatencyMs)")
                .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .register(registry);
        stats.latencySink(ms -> zkLatency.observe(ms / 1e3));
    }

    /** Free and total bytes of the file system under each log directory, for the disk-full alert. */
    public void registerLogDirs(List<Path> dirs) {
        GaugeWithCallback.builder().name("tributary_log_dir_free_bytes").help("Usable bytes left on the log directory's file system")
                .labelNames("dir").callback(cb -> dirs.forEach(d -> store(d, true, cb))).register(registry);
        GaugeWithCallback.builder().name("tributary_log_dir_total_bytes").help("Size of the log directory's file system")
                .labelNames("dir").callback(cb -> dirs.forEach(d -> store(d, false, cb))).register(registry);
    }

    private static void store(Path dir, boolean free, GaugeWithCallback.Callback cb) {
        try {
            FileStore fs = Files.getFileStore(dir);
            cb.call(free ? fs.getUsableSpace() : fs.getTotalSpace(), dir.toString());
        } catch (IOException unreadable) {
            // An unreadable directory reports nothing rather than a misleading 0; its partitions' errors tell the story.
        }
    }

    /** Lag of the groups this broker coordinates; refreshed in the background once {@link #start} serves it. */
    public void registerConsumerLag(ConsumerLagMetrics lag) {
        consumerLag = lag;
        registry.register(lag);
    }

    /** A deleted topic's traffic series go with it, so label values stay bounded by the topics that exist. */
    @Override
    public void onMetadataChanged(ClusterMetadata previous, ClusterMetadata current) {
        for (String topic : previous.topics().keySet()) {
            TopicMetadata now = current.topics().get(topic);
            if (now == null || now.pendingDeletion()) {
                traffic.forget(topic);
            }
        }
    }

    public TopicTraffic traffic() {
        return traffic;
    }

    public RequestMetrics requests() {
        return requests;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Serves {@code /metrics} on {@code host:port} (port 0: a free one). */
    public void start(String host, int port) throws IOException {
        http = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        if (consumerLag != null) {
            consumerLag.start();
        }
        log.info("metrics at http://{}:{}/metrics", host, http.getPort());
    }

    /** The port {@code /metrics} is served on, or -1 when it is not. */
    public int port() {
        return http == null ? -1 : http.getPort();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        if (consumerLag != null) {
            consumerLag.close();
        }
    }
}
