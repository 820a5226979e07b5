package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * {@code /config/changes/config_change_<seq>}: {@code {"version":1,"entity_path":"topics/orders"}}, written
 * after a config znode changes so brokers watching one path learn which entity to re-read. Immutable.
 */
@JsonPropertyOrder({"version", "entity_path"})
public record ConfigChangeNotification(int version, String entityPath) implements ZkDocument {
    public static final ZkCodec<ConfigChangeNotification> CODEC =
            new ZkCodec<>(ConfigChangeNotification.class, "config change notification");

    public ConfigChangeNotification {
        Objects.requireNonNull(entityPath, "entityPath");
    }

    public ConfigChangeNotification(String entityPath) {
        this(CURRENT_VERSION, entityPath);
    }
}
