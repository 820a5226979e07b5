package io.tributary.client.admin;

import java.util.Map;

/** A topic to create: -1 partitions or replication factor means the broker's default. Immutable. */
public record NewTopic(String name, int numPartitions, int replicationFactor, Map<String, String> configs) {
    public NewTopic {
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    public NewTopic(String name, int numPartitions, int replicationFactor) {
        this(name, numPartitions, replicationFactor, Map.of());
    }
}
