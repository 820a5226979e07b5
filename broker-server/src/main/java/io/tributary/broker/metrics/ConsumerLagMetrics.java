package io.tributary.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tributary.api.TopicPartition;
import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.broker.cluster.PeerClient;
import io.tributary.broker.group.GroupSnapshot;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.coordination.BrokerInfo;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.PartitionMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Consumer-group lag as the group's coordinator sees it, under kafka_exporter's names with a {@code tributary_}
 * prefix: lag per partition, its sum per group and topic, committed offset, members and state. Only the broker that
 * coordinates a group reports it, so summing over the cluster never double counts.
 *
 * <p>Lag is the partition's high watermark (what a read_uncommitted consumer can reach) minus the committed offset,
 * never negative. A scrape reads memory only: committed offsets from the coordinator, high watermarks of partitions
 * led here from the partition, and those of partitions led elsewhere from a cache that a background task refreshes
 * every {@code refreshMs} with one ListOffsets call per leader broker. So a scrape's cost is one pass over the
 * groups' committed offsets, and lag for remotely led partitions is at most {@code refreshMs} old. A partition whose
 * end is not known yet (just committed, or its leader did not answer) reports its committed offset but no lag.
 * Without per-partition series ({@code metrics.partition.level.enable=false}) only the per-topic sums, members and
 * state are exported, so a broker coordinating thousands of groups keeps its series count bounded by groups x topics.
 *
 * <p>Thread-safe.
 */
public final class ConsumerLagMetrics implements MultiCollector, Closeable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLagMetrics.class);
    private static final long LIST_OFFSETS_TIMEOUT_MS = 5_000;
    private static final String[] STATES = {"Empty", "Assigning", "Reconciling", "Stable", "Dead"};

    private final Supplier<List<GroupSnapshot>> groups;
    private final PartitionManager partitions;
    private final PeerClient peers;
    private final long refreshMs;
    private final boolean perPartition;
    /** High watermarks of partitions led by other brokers, as of the last refresh. */
    private final ConcurrentHashMap<TopicPartition, Long> remoteEnds = new ConcurrentHashMap<>();
    private ScheduledExecutorService refresher;

    public ConsumerLagMetrics(Supplier<List<GroupSnapshot>> groups, PartitionManager partitions, PeerClient peers, long refreshMs,
                              boolean perPartition) {
        this.perPartition = perPartition;
        this.groups = groups;
        this.partitions = partitions;
        this.peers = peers;
        this.refreshMs = refreshMs;
    }

    /** Starts refreshing remote end offsets; only worth it while someone scrapes. */
    public synchronized void start() {
        refresher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("consumer-lag-refresh"));
        refresher.scheduleWithFixedDelay(this::refreshQuietly, 0, refreshMs, TimeUnit.MILLISECONDS);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("refreshing end offsets for consumer lag failed: {}", e.toString());
        }
    }

    /** Asks each leader broker once for the high watermarks of the committed partitions it leads. */
    void refresh() {
        ClusterMetadata md = partitions.metadata();
        Set<TopicPartition> wanted = new HashSet<>();
        for (GroupSnapshot g : groups.get()) {
            wanted.addAll(g.committed().keySet());
        }
        remoteEnds.keySet().retainAll(wanted);
        Map<Integer, ListOffsetsRequest.Builder> byLeader = new HashMap<>();
        for (TopicPartition tp : wanted) {
            if (localLeader(tp) != null) {
                continue;
            }
            md.partition(tp).map(PartitionMetadata::leader).filter(leader -> leader >= 0).ifPresentOrElse(leader ->
                    byLeader.computeIfAbsent(leader, l -> ListOffsetsRequest.newBuilder())
                            .addPartitions(ListOffsetsPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                                    .setTimestamp(-1)), () -> remoteEnds.remove(tp));
        }
        for (Map.Entry<Integer, ListOffsetsRequest.Builder> e : byLeader.entrySet()) {
            BrokerInfo leader = md.brokers().get(e.getKey());
            if (leader == null) {
                continue;
            }
            try {
                ListOffsetsResponse response = peers.listOffsets(leader, e.getValue().build(), LIST_OFFSETS_TIMEOUT_MS);
                for (ListOffsetsResult r : response.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(r.getTopic(), r.getPartition());
                    if (r.getError().getCode().isEmpty()) {
                        remoteEnds.put(tp, r.getOffset());
                    } else {
                        remoteEnds.remove(tp);
                    }
                }
            } catch (RuntimeException unreachable) {
                // Keep the last known ends: a leader that is briefly away should not make lag vanish from dashboards.
                log.debug("end offsets from broker {} for consumer lag: {}", e.getKey(), unreachable.toString());
            }
        }
    }

    private Partition localLeader(TopicPartition tp) {
        Partition p = partitions.partitions().get(tp);
        return p != null && p.isLeader() ? p : null;
    }

    /** The partition's high watermark as best known here, or -1 when unknown. */
    private long endOffset(TopicPartition tp) {
        Partition local = localLeader(tp);
        if (local != null) {
            return local.log().highWatermark();
        }
        Long remote = remoteEnds.get(tp);
        return remote == null ? -1 : remote;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name("tributary_consumergroup_lag")
                .help("High watermark minus committed offset, per group and partition, from the group's coordinator"
                        + " (kafka_exporter: kafka_consumergroup_lag)");
        GaugeSnapshot.Builder lagSum = GaugeSnapshot.builder().name("tributary_consumergroup_lag_sum")
                .help("Lag summed over a topic's partitions, per group (kafka_exporter: kafka_consumergroup_lag_sum)");
        GaugeSnapshot.Builder current = GaugeSnapshot.builder().name("tributary_consumergroup_current_offset")
                .help("Committed offset per group and partition (kafka_exporter: kafka_consumergroup_current_offset)");
        GaugeSnapshot.Builder members = GaugeSnapshot.builder().name("tributary_consumergroup_members")
                .help("Members of the group (kafka_exporter: kafka_consumergroup_members)");
        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("tributary_consumergroup_state")
                .help("1 for the group's current state, 0 for the others");
        for (GroupSnapshot g : groups.get()) {
            members.dataPoint(point(g.members(), Labels.of("group", g.groupId())));
            for (String s : STATES) {
                state.dataPoint(point(s.equals(g.state()) ? 1 : 0, Labels.of("group", g.groupId(), "state", s)));
            }
            Map<String, Long> sums = new HashMap<>();
            for (Map.Entry<TopicPartition, Long> c : g.committed().entrySet()) {
                TopicPartition tp = c.getKey();
                Labels labels = perPartition
                        ? Labels.of("group", g.groupId(), "partition", Integer.toString(tp.partition()), "topic", tp.topic()) : null;
                if (perPartition) {
                    current.dataPoint(point(c.getValue(), labels));
                }
                long end = endOffset(tp);
                if (end >= 0) {
                    long l = Math.max(0, end - c.getValue());
                    if (perPartition) {
                        lag.dataPoint(point(l, labels));
                    }
                    sums.merge(tp.topic(), l, Long::sum);
                }
            }
            sums.forEach((topic, sum) -> lagSum.dataPoint(point(sum, Labels.of("group", g.groupId(), "topic", topic))));
        }
        return new MetricSnapshots(lag.build(), lagSum.build(), current.build(), members.build(), state.build());
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    @Override
    public synchronized void close() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }
}
