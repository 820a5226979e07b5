package io.tributary.client.config;

import io.tributary.api.batch.Compression;
import io.tributary.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientConfigTest {
    @Test
    void kafkaKeyNamesParseFromProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9092,127.0.0.1:9093");
        p.put("acks", "all");
        p.put("linger.ms", "7");
        p.put("batch.size", "32768");
        p.put("compression.type", "zstd");
        p.put("max.in.flight.requests.per.connection", "1");
        ProducerConfig c = new ProducerConfig(p);
        assertEquals(-1, c.acks());
        assertEquals(7, c.lingerMs());
        assertEquals(32_768, c.batchSizeBytes());
        assertEquals(Compression.ZSTD, c.compression());
        assertEquals(1, c.maxInFlightRequestsPerConnection());
        assertEquals(2, c.bootstrapServers().size());
        assertEquals(33_554_432L, c.bufferMemoryBytes(), "default buffer.memory");
    }

    @Test
    void unknownKeyFailsWithItsNameAndASuggestion() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ProducerConfig(Map.of("bootstrap.servers", "h:1", "linger.msec", "5")));
        assertTrue(e.getMessage().contains("unknown configuration key 'linger.msec'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'linger.ms'"), e.getMessage());
    }

    @Test
    void badValuesFailNamingKeyValueAndWhatIsAccepted() {
        ConfigException acks = assertThrows(ConfigException.class,
                () -> new ProducerConfig(Map.of("bootstrap.servers", "h:1", "acks", "2")));
        assertTrue(acks.getMessage().contains("'acks'") && acks.getMessage().contains("[all, -1, 0, 1]"), acks.getMessage());
        ConfigException number = assertThrows(ConfigException.class,
                () -> new ProducerConfig(Map.of("bootstrap.servers", "h:1", "batch.size", "big")));
        assertTrue(number.getMessage().contains("batch.size") && number.getMessage().contains("expected int"), number.getMessage());
        ConfigException codec = assertThrows(ConfigException.class,
                () -> new ProducerConfig(Map.of("bootstrap.servers", "h:1", "compression.type", "brotli")));
        assertTrue(codec.getMessage().contains("compression.type"), codec.getMessage());
        ConfigException reset = assertThrows(ConfigException.class,
                () -> new ConsumerConfig(Map.of("bootstrap.servers", "h:1", "auto.offset.reset", "smallest")));
        assertTrue(reset.getMessage().contains("auto.offset.reset"), reset.getMessage());
    }

    @Test
    void missingOrMalformedBootstrapServersFails() {
        ConfigException missing = assertThrows(ConfigException.class, () -> new AdminConfig(Map.of()));
        assertTrue(missing.getMessage().contains("bootstrap.servers"), missing.getMessage());
        ConfigException malformed = assertThrows(ConfigException.class, () -> new AdminConfig(Map.of("bootstrap.servers", "localhost")));
        assertTrue(malformed.getMessage().contains("expected host:port"), malformed.getMessage());
        ConfigException port = assertThrows(ConfigException.class, () -> new AdminConfig(Map.of("bootstrap.servers", "h:99999")));
        assertTrue(port.getMessage().contains("port out of range"), port.getMessage());
    }

    @Test
    void idempotenceIsOnByDefault() {
        assertTrue(new ProducerConfig(Map.of("bootstrap.servers", "h:1")).idempotenceEnabled());
        assertTrue(new ProducerConfig(Map.of("bootstrap.servers", "h:1", "enable.idempotence", "true", "acks", "-1",
                "max.in.flight.requests.per.connection", "5")).idempotenceEnabled());
        assertFalse(new ProducerConfig(Map.of("bootstrap.servers", "h:1", "enable.idempotence", "false")).idempotenceEnabled());
    }

    @Test
    void explicitIdempotenceWithConflictingSettingsIsAConfigErrorNamingBothKeys() {
        ConfigException acks = assertThrows(ConfigException.class,
                () -> new ProducerConfig(Map.of("bootstrap.servers", "h:1", "enable.idempotence", "true", "acks", "1")));
        assertTrue(acks.getMessage().contains("enable.idempotence") && acks.getMessage().contains("acks must be all"), acks.getMessage());
        ConfigException inFlight = assertThrows(ConfigException.class, () -> new ProducerConfig(Map.of("bootstrap.servers", "h:1",
                "enable.idempotence", "true", "max.in.flight.requests.per.connection", "6")));
        assertTrue(inFlight.getMessage().contains("enable.idempotence")
                && inFlight.getMessage().contains("max.in.flight.requests.per.connection must be at most 5"), inFlight.getMessage());
        ConfigException retries = assertThrows(ConfigException.class,
                () -> new ProducerConfig(Map.of("bootstrap.servers", "h:1", "enable.idempotence", "true", "retries", "0")));
        assertTrue(retries.getMessage().contains("retries"), retries.getMessage());
    }

    @Test
    void defaultIdempotenceGivesWayToExplicitAcksInFlightOrRetries() {
        assertFalse(new ProducerConfig(Map.of("bootstrap.servers", "h:1", "acks", "1")).idempotenceEnabled());
        assertFalse(new ProducerConfig(Map.of("bootstrap.servers", "h:1", "acks", "0")).idempotenceEnabled());
        assertFalse(new ProducerConfig(Map.of("bootstrap.servers", "h:1", "max.in.flight.requests.per.connection", "10"))
                .idempotenceEnabled());
        assertFalse(new ProducerConfig(Map.of("bootstrap.servers", "h:1", "retries", "0")).idempotenceEnabled());
        assertTrue(new ProducerConfig(Map.of("bootstrap.servers", "h:1", "acks", "all", "max.in.flight.requests.per.connection", "1"))
                .idempotenceEnabled());
    }

    @Test
    void typedBuildersProduceTheSameTable() {
        ProducerConfig p = ProducerConfig.builder().bootstrapServers("h:1").acks("1").lingerMs(20).bufferMemoryBytes(1 << 20)
                .compression(Compression.LZ4).build();
        assertEquals(1, p.acks());
        assertEquals(20, p.lingerMs());
        assertEquals(1 << 20, p.bufferMemoryBytes());
        assertEquals(Compression.LZ4, p.compression());
        ConsumerConfig c = ConsumerConfig.builder().bootstrapServers("h:1").maxPollRecords(10)
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build();
        assertEquals(10, c.maxPollRecords());
        assertEquals(ConsumerConfig.OffsetReset.EARLIEST, c.autoOffsetReset());
        assertEquals(60_000, AdminConfig.builder().bootstrapServers("h:1").build().defaultApiTimeoutMs());
    }

    @Test
    void everyKeyIsDocumented() {
        for (var def : new io.tributary.api.config.ConfigDef[] {ProducerConfig.CONFIG, ConsumerConfig.CONFIG, AdminConfig.CONFIG}) {
            def.keys().forEach(k -> assertTrue(k.doc() != null && !k.doc().isBlank(), k.name()));
            assertTrue(def.toMarkdownTable().contains("bootstrap.servers"));
        }
    }

    @Test
    void serializersNamedInConfigAreCreatedOrRejectedClearly() {
        Map<String, Object> props = new java.util.HashMap<>(Map.of("bootstrap.servers", "127.0.0.1:1",
                "key.serializer", "io.tributary.client.serialization.StringSerializer",
                "value.serializer", "io.tributary.client.serialization.LongSerializer"));
        // Construction does not connect: a client may start before its cluster.
        new io.tributary.client.producer.TributaryProducer<String, Long>(props).close(java.time.Duration.ZERO);
        props.remove("value.serializer");
        ConfigException missing = assertThrows(ConfigException.class, () -> new io.tributary.client.producer.TributaryProducer<>(props));
        assertTrue(missing.getMessage().contains("value.serializer"), missing.getMessage());
        props.put("value.serializer", "com.example.NoSuchSerializer");
        ConfigException notFound = assertThrows(ConfigException.class, () -> new io.tributary.client.producer.TributaryProducer<>(props));
        assertTrue(notFound.getMessage().contains("class not found"), notFound.getMessage());
        props.put("value.serializer", "java.lang.String");
        ConfigException wrongType = assertThrows(ConfigException.class, () -> new io.tributary.client.producer.TributaryProducer<>(props));
        assertTrue(wrongType.getMessage().contains("not a io.tributary.client.serialization.Serializer"), wrongType.getMessage());
    }

    @Test
    void groupKeysHaveKafkasDefaultsAndAssignorNamesIncludingKafkaClassNames() {
        ConsumerConfig defaults = new ConsumerConfig(Map.of("bootstrap.servers", "h:1", "group.id", "g"));
        assertEquals(45_000, defaults.sessionTimeoutMs());
        assertEquals(3_000, defaults.heartbeatIntervalMs());
        assertEquals(300_000, defaults.maxPollIntervalMs());
        assertEquals(5_000, defaults.autoCommitIntervalMs());
        assertTrue(defaults.autoCommitEnabled());
        assertEquals(java.util.List.of("cooperative-sticky", "range"), defaults.assignors());
        assertTrue(defaults.groupInstanceId().isEmpty());

        ConsumerConfig kafkaNames = new ConsumerConfig(Map.of("bootstrap.servers", "h:1", "group.id", "g", "partition.assignment.strategy",
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor,org.apache.kafka.clients.consumer.RoundRobinAssignor,range"));
        assertEquals(java.util.List.of("cooperative-sticky", "roundrobin", "range"), kafkaNames.assignors());
        ConfigException unknown = assertThrows(ConfigException.class, () -> new ConsumerConfig(Map.of("bootstrap.servers", "h:1",
                "partition.assignment.strategy", "org.apache.kafka.clients.consumer.StickyAssignor")));
        assertTrue(unknown.getMessage().contains("partition.assignment.strategy") && unknown.getMessage().contains("cooperative-sticky"),
                unknown.getMessage());
    }

    @Test
    void autoCommitNeedsAGroupWhenAskedForExplicitly() {
        assertFalse(new ConsumerConfig(Map.of("bootstrap.servers", "h:1")).autoCommitEnabled(), "no group: nothing to commit to");
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConsumerConfig(Map.of("bootstrap.servers", "h:1", "enable.auto.commit", "true")));
        assertTrue(e.getMessage().contains("enable.auto.commit") && e.getMessage().contains("group.id"), e.getMessage());
        ConfigException instance = assertThrows(ConfigException.class,
                () -> new ConsumerConfig(Map.of("bootstrap.servers", "h:1", "group.instance.id", "a")));
        assertTrue(instance.getMessage().contains("group.instance.id needs group.id"), instance.getMessage());
    }
}
