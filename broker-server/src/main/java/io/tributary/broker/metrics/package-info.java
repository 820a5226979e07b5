/**
 * What the broker tells Prometheus: per-topic traffic counters updated once per batch set (never per record), gauges
 * of partition and controller state computed on scrape from what the broker already holds, JVM and process metrics,
 * and the {@code /metrics} HTTP endpoint ({@code metrics.port}). Names follow Kafka's MBeans, so an operator who knows
 * Kafka's dashboards can guess them; the table is in broker-server/README.md. Knows nothing of gRPC.
 */
package io.tributary.broker.metrics;
