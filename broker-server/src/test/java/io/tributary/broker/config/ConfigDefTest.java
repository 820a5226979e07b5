package io.tributary.broker.config;

import io.tributary.api.config.ConfigException;

import io.tributary.broker.log.LogConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDefTest {
    @Test
    void unknownKeyFailsFastAndSuggestsTheClosestName() {
        ConfigException e = assertThrows(ConfigException.class, () -> LogConfig.fromProps(Map.of("retention.mss", "5")));
        assertTrue(e.getMessage().contains("unknown configuration key 'retention.mss'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'retention.ms'"), e.getMessage());
    }

    @Test
    void everyInvalidValueIsReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> LogConfig.fromProps(Map.of(
                "segment.bytes", "lots", "retention.ms", "-5", "message.timestamp.type", "BrokerTime")));
        String m = e.getMessage();
        assertTrue(m.contains("'lots' for configuration key 'segment.bytes': expected int"), m);
        assertTrue(m.contains("'-5' for configuration key 'retention.ms': must be at least -1"), m);
        assertTrue(m.contains("'BrokerTime' for configuration key 'message.timestamp.type'"), m);
        assertEquals(3, m.split("\n").length);
    }

    @Test
    void defaultsMatchKafka() {
        LogConfig c = LogConfig.defaults();
        assertEquals(1 << 30, c.segmentBytes());
        assertEquals(7L * 24 * 3600 * 1000, c.retentionMs());
        assertEquals(-1L, c.retentionBytes());
        assertEquals(4096, c.indexIntervalBytes());
        assertEquals(10 * 1024 * 1024, c.segmentIndexBytes());
    }

    @Test
    void valuesParseFromStringsAndNumbers() {
        LogConfig c = LogConfig.fromProps(Map.of("segment.bytes", " 2048 ", "retention.bytes", 10L, "unclean.leader.election.enable", "TRUE"));
        assertEquals(2048, c.segmentBytes());
        assertEquals(10L, c.retentionBytes());
        assertTrue(c.uncleanLeaderElectionEnable());
    }

    @Test
    void theSameTableRendersTheReferenceDocs() {
        String doc = LogConfig.DEFINITION.toMarkdownTable();
        assertTrue(doc.contains("| `segment.bytes` | int | 1073741824 |"), doc);
    }
}
