package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** {@code /controller} (ephemeral): {@code {"version":1,"brokerid":1,"timestamp":..}}. Immutable. */
@JsonPropertyOrder({"version", "brokerid", "timestamp"})
public record ControllerInfo(int version, int brokerid, long timestamp) implements ZkDocument {
    public static final ZkCodec<ControllerInfo> CODEC = new ZkCodec<>(ControllerInfo.class, "controller");

    public ControllerInfo(int brokerid, long timestamp) {
        this(CURRENT_VERSION, brokerid, timestamp);
    }
}
