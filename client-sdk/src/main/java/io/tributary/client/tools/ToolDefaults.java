package io.tributary.client.tools;

import java.util.Map;

/**
 * Client settings the tools start from (a properties file or flags override them): shorter timeouts than a
 * long-running application wants, so a person at a terminal learns of an unreachable cluster within seconds.
 *
 * <p>Immutable.
 */
final class ToolDefaults {
    static final Map<String, Object> ADMIN = Map.of("request.timeout.ms", "10000", "default.api.timeout.ms", "15000",
            "client.id", "tributary-tools");
    static final Map<String, Object> PRODUCER = Map.of("request.timeout.ms", "10000", "max.block.ms", "15000",
            "key.serializer", "io.tributary.client.serialization.ByteArraySerializer",
            "value.serializer", "io.tributary.client.serialization.ByteArraySerializer");
    static final Map<String, Object> CONSUMER = Map.of("request.timeout.ms", "10000", "default.api.timeout.ms", "15000",
            "key.deserializer", "io.tributary.client.serialization.ByteArrayDeserializer",
            "value.deserializer", "io.tributary.client.serialization.ByteArrayDeserializer");

    private ToolDefaults() {
    }
}
