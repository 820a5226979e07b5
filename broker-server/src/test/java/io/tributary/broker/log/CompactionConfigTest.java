package io.tributary.broker.log;

import io.tributary.api.config.ConfigException;
import io.tributary.broker.config.BrokerConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompactionConfigTest {
    @Test
    void defaultsMatchKafka() {
        LogConfig c = LogConfig.defaults();
        assertEquals(LogConfig.CleanupPolicy.DELETE, c.cleanupPolicy());
        assertFalse(c.compact());
        assertTrue(c.delete());
        assertEquals(0.5, c.minCleanableDirtyRatio());
        assertEquals(86_400_000L, c.deleteRetentionMs());
        assertEquals(0L, c.minCompactionLagMs());
        assertEquals(Long.MAX_VALUE, c.maxCompactionLagMs());
        LogCleaner.Config cleaner = LogCleaner.Config.defaults();
        assertTrue(cleaner.enable());
        assertEquals(1, cleaner.threads());
        assertEquals(15_000L, cleaner.backoffMs());
        assertEquals(Double.MAX_VALUE, cleaner.ioMaxBytesPerSecond());
    }

    @Test
    void cleanupPolicyTakesKafkasListForms() {
        assertEquals(LogConfig.CleanupPolicy.COMPACT, LogConfig.fromProps(Map.of("cleanup.policy", "compact")).cleanupPolicy());
        assertEquals(LogConfig.CleanupPolicy.COMPACT_DELETE, LogConfig.fromProps(Map.of("cleanup.policy", "compact,delete")).cleanupPolicy());
        LogConfig both = LogConfig.fromProps(Map.of("cleanup.policy", " Delete , compact "));
        assertTrue(both.compact() && both.delete());
    }

    @Test
    void unknownCleanupPolicyAndMinLagAboveMaxLagAreRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> LogConfig.fromProps(Map.of("cleanup.policy", "compaction")));
        assertTrue(e.getMessage().contains("cleanup.policy"), e.getMessage());
        assertThrows(ConfigException.class, () -> LogConfig.fromProps(Map.of("min.cleanable.dirty.ratio", "1.5")));
        assertThrows(ConfigException.class, () -> LogConfig.fromProps(Map.of("min.compaction.lag.ms", "10", "max.compaction.lag.ms", "5")));
    }

    @Test
    void brokerDefaultsBecomeTopicDefaultsAndCleanerSettings() {
        BrokerConfig broker = BrokerConfig.fromMap(Map.of("broker.id", "0", "zookeeper.connect", "localhost:2181",
                "log.cleanup.policy", "compact", "log.cleaner.delete.retention.ms", "1000",
                "log.cleaner.threads", "2", "log.cleaner.dedupe.buffer.size", "8388608", "log.cleaner.enable", "false"));
        LogConfig topics = broker.defaultLogConfig();
        assertTrue(topics.compact());
        assertEquals(1000L, topics.deleteRetentionMs());
        assertEquals(LogConfig.CleanupPolicy.DELETE, broker.logConfigFor(Map.of("cleanup.policy", "delete")).cleanupPolicy());
        LogCleaner.Config cleaner = broker.logCleanerConfig();
        assertFalse(cleaner.enable());
        assertEquals(2, cleaner.threads());
        assertEquals(4 * 1024 * 1024, cleaner.offsetMapBytesPerThread());
        assertThrows(ConfigException.class, () -> BrokerConfig.fromMap(Map.of("broker.id", "0", "zookeeper.connect", "x",
                "log.cleanup.policy", "tidy")));
    }

    @Test
    void theReferenceDocsListCleanupPolicy() {
        assertTrue(LogConfig.DEFINITION.toMarkdownTable().contains("| `cleanup.policy` | string | delete |"));
    }
}
