package io.tributary.client.integration;

import io.tributary.api.TopicPartition;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.BootstrapUnreachableException;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client says on first contact and during an outage: an address where nothing listens is named at once by
 * the producer, consumer and admin client, and a client whose brokers went away backs off and logs a bounded number
 * of lines instead of ten a second.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FirstContactIntegrationTest {

    private static void assertNamesTheAddress(Throwable e, String address, long startNs) {
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        BootstrapUnreachableException unreachable = assertInstanceOf(BootstrapUnreachableException.class, e);
        assertEquals("could not connect to any bootstrap server: " + address + " (connection refused)", unreachable.getMessage());
        assertTrue(tookMs < 3_000, "took " + tookMs + " ms, not at once");
    }

    @Test
    void producerConsumerAndAdminNameARefusedBootstrapAddressAtOnce() throws Exception {
        String address = "127.0.0.1:" + ToolsIntegrationTest.refusedPort();
        long start = System.nanoTime();
        try (TributaryProducer<String, String> producer = new TributaryProducer<>(ProducerConfig.builder()
                .bootstrapServers(address).set("max.block.ms", 60_000L).build(), new StringSerializer(), new StringSerializer())) {
            Throwable failure;
            try {
                producer.send(new ProducerRecord<>("t", "v")).get(30, TimeUnit.SECONDS);
                throw new AssertionError("the send succeeded with no broker");
            } catch (ExecutionException e) {
                failure = e.getCause();
            } catch (RuntimeException e) {
                failure = e;
            }
            assertNamesTheAddress(failure, address, start);
        }

        start = System.nanoTime();
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(ConsumerConfig.builder()
                .bootstrapServers(address).groupId("g").build(), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("t"));
            long began = start;
            assertNamesTheAddress(assertThrows(RuntimeException.class, () -> consumer.poll(Duration.ofSeconds(30))), address, began);
        }

        start = System.nanoTime();
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(ConsumerConfig.builder()
                .bootstrapServers(address).build(), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            long began = start;
            assertNamesTheAddress(assertThrows(RuntimeException.class, () -> consumer.poll(Duration.ofSeconds(30))), address, began);
        }

        start = System.nanoTime();
        try (TributaryAdmin admin = new TributaryAdmin(Map.of("bootstrap.servers", address))) {
            long began = start;
            assertNamesTheAddress(assertThrows(RuntimeException.class, () -> admin.listTopics(false)), address, began);
        }
    }

    /** Collects what the client's loggers say, at DEBUG and up, while installed. */
    private static final class ClientLog extends AbstractAppender implements AutoCloseable {
        private static final String LOGGER = "io.tributary.client";
        final List<LogEvent> events = new CopyOnWriteArrayList<>();
        private final LoggerContext context = (LoggerContext) LogManager.getContext(false);

        ClientLog() {
            super("client-log-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
            start();
            Configuration config = context.getConfiguration();
            LoggerConfig logger = new LoggerConfig(LOGGER, Level.DEBUG, false);
            logger.addAppender(this, Level.DEBUG, null);
            config.addLogger(LOGGER, logger);
            context.updateLoggers();
        }

        @Override
        public void append(LogEvent event) {
            events.add(event.toImmutable());
        }

        long count(Level level, String messageStart) {
            return events.stream().filter(e -> e.getLevel() == level
                    && e.getMessage().getFormattedMessage().startsWith(messageStart)).count();
        }

        List<String> atLeast(Level level) {
            return events.stream().filter(e -> e.getLevel().isMoreSpecificThan(level))
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getMessage().getFormattedMessage()).toList();
        }

        @Override
        public void close() {
            context.getConfiguration().removeLogger(LOGGER);
            context.updateLoggers();
            stop();
        }
    }

    @Test
    void aClientWhoseBrokerIsDownBacksOffAndLogsTheFirstFailureThenASummary() throws Exception {
        try (EmbeddedCluster cluster = EmbeddedCluster.start(1, 1, Map.of())) {
            cluster.createTopic("outage", 1, 1);
            try (TributaryProducer<String, String> producer = new TributaryProducer<>(ProducerConfig.builder()
                    .bootstrapServers(cluster.bootstrap()).requestTimeoutMs(2_000).set("retry.backoff.ms", 100L)
                    .set("delivery.timeout.ms", 120_000L).build(), new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("outage", "before")).get(30, TimeUnit.SECONDS);
                int broker = cluster.leaderOf("outage", 0);
                long downMs;
                try (ClientLog log = new ClientLog()) {
                    cluster.stopBroker(broker);
                    long down = System.nanoTime();
                    producer.send(new ProducerRecord<>("outage", "during"));
                    Thread.sleep(8_000);
                    downMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down);
                    long attempts = log.count(Level.WARN, "metadata refresh failed")
                            + log.count(Level.DEBUG, "metadata refresh failed (");
                    List<String> warnings = log.atLeast(Level.WARN);
                    System.out.printf("broker down %d ms: %d metadata refresh attempts, %d WARN+ lines from the client:%n  %s%n",
                            downMs, attempts, warnings.size(), String.join("\n  ", warnings));
                    assertEquals(1, log.count(Level.WARN, "metadata refresh failed"), "the first failure is one WARN");
                    // 50 ms doubling to 1 s with 20% jitter: about 12 tries in 8 s; retry.backoff.ms alone made 80.
                    assertTrue(attempts >= 3 && attempts <= 25, attempts + " attempts in " + downMs + " ms");
                    assertTrue(warnings.size() <= 5, "WARN lines during the outage: " + warnings);

                    cluster.startBroker(broker);
                    cluster.awaitLeadersKnown("outage", 1);
                    producer.flush();
                    cluster.awaitCondition(() -> log.count(Level.INFO, "metadata refresh succeeded after") == 1, 30_000,
                            "one line saying the client reached the cluster again");
                }
            }
        }
    }
}
