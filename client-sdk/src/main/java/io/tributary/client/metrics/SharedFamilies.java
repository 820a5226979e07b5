package io.tributary.client.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricFamilyDescriptor;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one collector per registry and client kind that every registered client of that kind shares: on a scrape it
 * collects each client's families and merges them into one family per name, the clients' series side by side (they
 * differ in {@code client_id}). A registry refuses a second collector with the same metric names and label names, so
 * each client registering its own would fail from the second producer or consumer on.
 *
 * <p>Thread-safe: joining and leaving hold the class monitor (lock order: a {@link ClientMetrics}' registry set, then
 * this class); scrapes read a copy-on-write list and take no lock.
 */
final class SharedFamilies implements MultiCollector {
    /** Weak keys: a registry the application dropped is not kept alive by the SDK. Guarded by the class monitor. */
    private static final Map<PrometheusRegistry, Map<String, SharedFamilies>> BY_REGISTRY = new WeakHashMap<>();

    private final List<MetricFamilyDescriptor> descriptors;
    private final CopyOnWriteArrayList<ClientMetrics> members = new CopyOnWriteArrayList<>();

    private SharedFamilies(List<MetricFamilyDescriptor> descriptors) {
        this.descriptors = descriptors;
    }

    static synchronized void join(PrometheusRegistry registry, ClientMetrics client) {
        Map<String, SharedFamilies> byKind = BY_REGISTRY.get(registry);
        SharedFamilies shared = byKind == null ? null : byKind.get(client.kind());
        if (shared == null) {
            shared = new SharedFamilies(client.descriptors());
            registry.register(shared); // throws when the registry has these names from elsewhere: nothing is kept then
            BY_REGISTRY.computeIfAbsent(registry, r -> new HashMap<>()).put(client.kind(), shared);
        }
        for (ClientMetrics m : shared.members) {
            if (m.clientId().equals(client.clientId())) {
                throw new IllegalArgumentException("a " + client.kind() + " with client.id '" + client.clientId()
                        + "' is already registered with this registry: give each client its own client.id");
            }
        }
        shared.members.add(client);
    }

    static synchronized void leave(PrometheusRegistry registry, ClientMetrics client) {
        Map<String, SharedFamilies> byKind = BY_REGISTRY.get(registry);
        SharedFamilies shared = byKind == null ? null : byKind.get(client.kind());
        if (shared == null || !shared.members.remove(client)) {
            return;
        }
        if (shared.members.isEmpty()) {
            registry.unregister(shared);
            byKind.remove(client.kind());
            if (byKind.isEmpty()) {
                BY_REGISTRY.remove(registry);
            }
        }
    }

    @Override
    public MetricSnapshots collect() {
        List<ClientMetrics> now = List.copyOf(members);
        if (now.size() == 1) {
            return now.get(0).snapshot();
        }
        List<List<MetricSnapshot>> perClient = new ArrayList<>(now.size());
        for (ClientMetrics m : now) {
            perClient.add(m.collectFamilies());
        }
        List<MetricSnapshot> merged = new ArrayList<>(descriptors.size());
        for (int i = 0; i < descriptors.size(); i++) {
            List<MetricSnapshot> same = new ArrayList<>(perClient.size());
            for (List<MetricSnapshot> families : perClient) {
                same.add(families.get(i));
            }
            merged.add(merge(same));
        }
        return new MetricSnapshots(merged);
    }

    @Override
    public List<MetricFamilyDescriptor> getMetricFamilyDescriptors() {
        return descriptors;
    }

    /** One family's snapshots from several clients as one snapshot; the families are of one name and type. */
    private static MetricSnapshot merge(List<MetricSnapshot> same) {
        MetricSnapshot first = same.get(0);
        if (first instanceof CounterSnapshot) {
            List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>();
            same.forEach(s -> points.addAll(((CounterSnapshot) s).getDataPoints()));
            return new CounterSnapshot(first.getMetadata(), points);
        }
        if (first instanceof GaugeSnapshot) {
            List<GaugeSnapshot.GaugeDataPointSnapshot> points = new ArrayList<>();
            same.forEach(s -> points.addAll(((GaugeSnapshot) s).getDataPoints()));
            return new GaugeSnapshot(first.getMetadata(), points);
        }
        if (first instanceof HistogramSnapshot) {
            List<HistogramSnapshot.HistogramDataPointSnapshot> points = new ArrayList<>();
            same.forEach(s -> points.addAll(((HistogramSnapshot) s).getDataPoints()));
            return new HistogramSnapshot(first.getMetadata(), points);
        }
        throw new IllegalStateException("client metrics are counters, gauges and histograms; got " + first.getClass().getSimpleName());
    }
}
