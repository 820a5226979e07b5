package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code /config/topics/<topic>} and {@code /config/brokers/<id>}:
 * {@code {"version":1,"config":{"retention.ms":"86400000"}}}: overrides only, values as strings (the broker's
 * config table parses and validates them). Immutable.
 */
@JsonPropertyOrder({"version", "config"})
public record EntityConfig(int version, SortedMap<String, String> config) implements ZkDocument {
    public static final ZkCodec<EntityConfig> CODEC = new ZkCodec<>(EntityConfig.class, "config");

    public EntityConfig {
        config = Collections.unmodifiableSortedMap(config == null ? new TreeMap<>() : new TreeMap<>(config));
    }

    public EntityConfig(Map<String, String> config) {
        this(CURRENT_VERSION, config == null ? null : new TreeMap<>(config));
    }

    public static EntityConfig empty() {
        return new EntityConfig(Map.of());
    }
}
