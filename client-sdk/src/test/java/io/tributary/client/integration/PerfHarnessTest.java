package io.tributary.client.integration;

import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.tools.ConsumerPerformance;
import io.tributary.client.tools.ProducerPerformance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Not a regular test: measures the perf tools against an in-JVM three-broker cluster, on demand only:
 * {@code ./mvnw -B -o -pl client-sdk test -Dtest=PerfHarnessTest -Dtributary.perf=true}. Numbers from one JVM that
 * also runs the brokers are a smoke reading, not a benchmark (SPEC §13's comparison uses separate processes).
 */
@EnabledIfSystemProperty(named = "tributary.perf", matches = "true")
class PerfHarnessTest {
    @Test
    void producerAndConsumerPerfOnOneAndSixPartitions() throws Exception {
        long records = Long.getLong("tributary.perf.records", 1_000_000L);
        try (EmbeddedCluster cluster = EmbeddedCluster.start(1, 3, Map.of())) {
            for (int partitions : new int[] {1, 6}) {
                String topic = "perf-" + partitions;
                cluster.createTopic(topic, partitions, 1);
                for (String acks : new String[] {"1", "all"}) {
                    ToolsIntegrationTest.Run p = run(cluster, new ProducerPerformance(), "--topic", topic, "--num-records",
                            Long.toString(records), "--record-size", "100", "--throughput", "-1", "--producer-props", "acks=" + acks,
                            "linger.ms=5", "batch.size=65536");
                    System.out.println("[perf] producer partitions=" + partitions + " acks=" + acks + ": "
                            + p.outLines().get(p.outLines().size() - 1));
                    assertEquals(0, p.exitCode(), p.err());
                }
                ToolsIntegrationTest.Run c = run(cluster, new ConsumerPerformance(), "--topic", topic, "--messages",
                        Long.toString(2 * records), "--timeout", "30000");
                System.out.println("[perf] consumer partitions=" + partitions + ": " + c.out().replace('\n', ' '));
                assertEquals(0, c.exitCode(), c.err());
            }
        }
    }

    private static ToolsIntegrationTest.Run run(EmbeddedCluster cluster, io.tributary.client.tools.ToolCommand tool, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = cluster.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return ToolsIntegrationTest.run(() -> tool, "", all);
    }
}
