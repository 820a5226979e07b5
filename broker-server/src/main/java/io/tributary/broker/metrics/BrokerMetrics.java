package io.tributary.broker.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.partition.LeaderState;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.MetadataListener;
import io.tributary.coordination.PartitionMetadata;
import io.tributary.coordination.TopicMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.BooleanSupplier;

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

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Serves {@code /metrics} on {@code host:port} (port 0: a free one). */
    public void start(String host, int port) throws IOException {
        http = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
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
    }
}
