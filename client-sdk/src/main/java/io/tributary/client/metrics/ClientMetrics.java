package io.tributary.client.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricFamilyDescriptor;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One client's metrics (a producer's or a consumer's), in the Prometheus Java client 1.x model: what
 * {@code producer.metrics()} and {@code consumer.metrics()} return. Every series carries the label {@code client_id}.
 *
 * <p>The SDK starts no exporter. An application hands the metrics to its own registry and serves that registry with
 * the exporter of its choice:
 *
 * <pre>{@code
 * producer.metrics().registerWith(PrometheusRegistry.defaultRegistry);
 * HTTPServer.builder().port(9400).buildAndStart();   // prometheus-metrics-exporter-httpserver
 * }</pre>
 *
 * <p>Several clients may register with the same registry: clients of one kind share one collector per registry that
 * merges their series into one family per name (a registry refuses two collectors with the same name and labels).
 * Their {@code client.id}s must differ there, or the second registration is refused. A client unregisters itself from
 * every registry when it is closed; {@link #snapshot()} and {@link #values()} keep working after that, with the last
 * values.
 *
 * <p>Thread-safe. The clients update their data points without locks, once per batch, request, response or poll;
 * reading them here never blocks the client.
 */
public final class ClientMetrics implements AutoCloseable {
    private final String kind;
    private final String clientId;
    private final List<Collector> families;
    private final List<MetricFamilyDescriptor> descriptors;
    /** Guarded by itself. Identity: a registry is one object, whatever its equals says. */
    private final Set<PrometheusRegistry> registries = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Built by the clients.
     *
     * @param kind {@code producer} or {@code consumer}: clients of one kind have the same families, in the same order
     * @param families the client's metrics, not registered anywhere; each series labelled {@code client_id}
     */
    public ClientMetrics(String kind, String clientId, List<? extends Collector> families) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.families = List.copyOf(families);
        List<MetricFamilyDescriptor> d = new ArrayList<>(this.families.size());
        for (Collector c : this.families) {
            d.add(Objects.requireNonNull(c.getMetricFamilyDescriptor(), "a family without a fixed name"));
        }
        this.descriptors = List.copyOf(d);
    }

    public String clientId() {
        return clientId;
    }

    /**
     * Makes the client's series part of {@code registry}'s scrapes until {@link #unregisterFrom} or the client's close.
     * Registering twice with the same registry does nothing.
     *
     * @throws IllegalArgumentException when another client of this kind with the same {@code client.id} is registered
     *     there, or the registry already has a metric of one of these names from elsewhere
     */
    public void registerWith(PrometheusRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (registries) {
            if (registries.contains(registry)) {
                return;
            }
            SharedFamilies.join(registry, this);
            registries.add(registry);
        }
    }

    /** Takes the client's series out of {@code registry}; does nothing when they are not registered there. */
    public void unregisterFrom(PrometheusRegistry registry) {
        synchronized (registries) {
            if (registries.remove(registry)) {
                SharedFamilies.leave(registry, this);
            }
        }
    }

    /** Unregisters from every registry; the client calls this when it closes. The values stay readable. */
    @Override
    public void close() {
        synchronized (registries) {
            for (PrometheusRegistry r : registries) {
                SharedFamilies.leave(r, this);
            }
            registries.clear();
        }
    }

    /** The client's metric families now, in the model an exporter writes. */
    public MetricSnapshots snapshot() {
        return new MetricSnapshots(collectFamilies());
    }

    /**
     * Every series' value now, sorted by name, as the text exposition names them: {@code name{label="value",...}}
     * with labels in name order; counters end in {@code _total}; a histogram gives {@code _count} and {@code _sum}
     * (its buckets are in {@link #snapshot()}). For printing (the perf tools' {@code --print-metrics}) and tests.
     */
    public SortedMap<String, Double> values() {
        return values(snapshot());
    }

    /** As {@link #values()}, of any snapshots. */
    public static SortedMap<String, Double> values(MetricSnapshots snapshots) {
        SortedMap<String, Double> out = new TreeMap<>();
        for (MetricSnapshot s : snapshots) {
            String name = s.getMetadata().getPrometheusName();
            if (s instanceof CounterSnapshot counter) {
                for (CounterSnapshot.CounterDataPointSnapshot p : counter.getDataPoints()) {
                    out.put(name + "_total" + format(p.getLabels()), p.getValue());
                }
            } else if (s instanceof GaugeSnapshot gauge) {
                for (GaugeSnapshot.GaugeDataPointSnapshot p : gauge.getDataPoints()) {
                    out.put(name + format(p.getLabels()), p.getValue());
                }
            } else if (s instanceof HistogramSnapshot histogram) {
                for (HistogramSnapshot.HistogramDataPointSnapshot p : histogram.getDataPoints()) {
                    out.put(name + "_count" + format(p.getLabels()), (double) p.getCount());
                    out.put(name + "_sum" + format(p.getLabels()), p.hasSum() ? p.getSum() : Double.NaN);
                }
            } else {
                for (DataPointSnapshot p : s.getDataPoints()) {
                    out.put(name + format(p.getLabels()), Double.NaN);
                }
            }
        }
        return out;
    }

    /** {@code {a="x",b="y"}}, escaped as in the text exposition format; empty for no labels. */
    static String format(Labels labels) {
        if (labels.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < labels.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(labels.getPrometheusName(i)).append("=\"");
            String v = labels.getValue(i);
            for (int j = 0; j < v.length(); j++) {
                char c = v.charAt(j);
                switch (c) {
                    case '\\' -> b.append("\\\\");
                    case '"' -> b.append("\\\"");
                    case '\n' -> b.append("\\n");
                    default -> b.append(c);
                }
            }
            b.append('"');
        }
        return b.append('}').toString();
    }

    String kind() {
        return kind;
    }

    List<MetricFamilyDescriptor> descriptors() {
        return descriptors;
    }

    /** One snapshot per family, in family order. */
    List<MetricSnapshot> collectFamilies() {
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        for (Collector c : families) {
            out.add(c.collect());
        }
        return out;
    }

    @Override
    public String toString() {
        return "ClientMetrics(" + kind + ", client_id=" + clientId + ")";
    }
}
