package io.tributary.client.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registration of several clients' metrics with one registry, and the flat view the tools print. No network. */
class ClientMetricsTest {
    /** A client's metrics the way the producer builds them: one counter, one gauge, one histogram per client_id. */
    private static final class FakeClient {
        final Counter sent = Counter.builder().name("test_client_sent_total").help("sent").labelNames("client_id").withoutExemplars().build();
        final Gauge lag = Gauge.builder().name("test_client_lag").help("lag").labelNames("client_id", "topic", "partition")
                .withoutExemplars().build();
        final Histogram latency = Histogram.builder().name("test_client_latency_seconds").help("latency").labelNames("client_id")
                .classicOnly().classicUpperBounds(0.1, 1).withoutExemplars().build();
        final ClientMetrics metrics;

        FakeClient(String clientId) {
            sent.labelValues(clientId);
            latency.labelValues(clientId);
            metrics = new ClientMetrics("test", clientId, List.of(sent, lag, latency));
        }
    }

    /** Counter values by client_id in a scrape of {@code name}. */
    private static Map<String, Double> counterByClient(MetricSnapshots scrape, String name) {
        Map<String, Double> out = new TreeMap<>();
        int families = 0;
        for (MetricSnapshot s : scrape) {
            if (s.getMetadata().getPrometheusName().equals(name)) {
                families++;
                for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) s).getDataPoints()) {
                    out.put(p.getLabels().get("client_id"), p.getValue());
                }
            }
        }
        assertTrue(families <= 1, "one family per name, got " + families + " of " + name);
        return out;
    }

    @Test
    void twoClientsInOneRegistryScrapeAsOneFamilyWithASeriesEach() {
        PrometheusRegistry registry = new PrometheusRegistry();
        FakeClient a = new FakeClient("a");
        FakeClient b = new FakeClient("b");
        a.sent.labelValues("a").inc(3);
        b.sent.labelValues("b").inc(5);
        a.metrics.registerWith(registry);
        b.metrics.registerWith(registry);
        assertEquals(Map.of("a", 3.0, "b", 5.0), counterByClient(registry.scrape(), "test_client_sent"));

        b.metrics.unregisterFrom(registry);
        assertEquals(Map.of("a", 3.0), counterByClient(registry.scrape(), "test_client_sent"));
        a.metrics.unregisterFrom(registry);
        assertEquals(0, registry.scrape().size(), "the last client out takes the shared collector with it");
        b.metrics.registerWith(registry);
        assertEquals(Map.of("b", 5.0), counterByClient(registry.scrape(), "test_client_sent"), "a registry can be joined again");
    }

    @Test
    void aSecondClientWithTheSameClientIdIsRefusedAndTheFirstKeepsReporting() {
        PrometheusRegistry registry = new PrometheusRegistry();
        FakeClient first = new FakeClient("same");
        FakeClient second = new FakeClient("same");
        first.sent.labelValues("same").inc();
        first.metrics.registerWith(registry);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> second.metrics.registerWith(registry));
        assertTrue(e.getMessage().contains("client.id 'same'"), e.getMessage());
        assertEquals(Map.of("same", 1.0), counterByClient(registry.scrape(), "test_client_sent"));
        second.metrics.unregisterFrom(registry); // never registered: nothing happens
        assertEquals(Map.of("same", 1.0), counterByClient(registry.scrape(), "test_client_sent"));
    }

    @Test
    void registeringTwiceWithOneRegistryCountsOnceAndCloseLeavesEveryRegistry() {
        PrometheusRegistry one = new PrometheusRegistry();
        PrometheusRegistry two = new PrometheusRegistry();
        FakeClient c = new FakeClient("c");
        c.sent.labelValues("c").inc(2);
        c.metrics.registerWith(one);
        c.metrics.registerWith(one);
        c.metrics.registerWith(two);
        assertEquals(Map.of("c", 2.0), counterByClient(one.scrape(), "test_client_sent"));
        c.metrics.close();
        assertEquals(0, one.scrape().size());
        assertEquals(0, two.scrape().size());
        assertEquals(2.0, c.metrics.values().get("test_client_sent_total{client_id=\"c\"}"), "values stay readable after close");
    }

    @Test
    void aNameTakenInTheRegistryByAnotherCollectorIsRefusedWithoutLeavingState() {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder().name("test_client_sent_total").labelNames("client_id").register(registry);
        FakeClient c = new FakeClient("c");
        assertThrows(IllegalArgumentException.class, () -> c.metrics.registerWith(registry));
        c.metrics.close(); // nothing registered: no error
        assertEquals(1, registry.scrape().size());
    }

    @Test
    void valuesNameEverySeriesAsTheTextFormatDoes() {
        FakeClient c = new FakeClient("p\"1");
        c.sent.labelValues("p\"1").inc(7);
        c.lag.labelValues("p\"1", "orders", "3").set(42);
        c.latency.labelValues("p\"1").observe(0.25);
        c.latency.labelValues("p\"1").observe(0.5);
        SortedMap<String, Double> values = c.metrics.values();
        assertEquals(new TreeMap<>(Map.of(
                "test_client_sent_total{client_id=\"p\\\"1\"}", 7.0,
                "test_client_lag{client_id=\"p\\\"1\",partition=\"3\",topic=\"orders\"}", 42.0,
                "test_client_latency_seconds_count{client_id=\"p\\\"1\"}", 2.0,
                "test_client_latency_seconds_sum{client_id=\"p\\\"1\"}", 0.75)), values);
    }
}
