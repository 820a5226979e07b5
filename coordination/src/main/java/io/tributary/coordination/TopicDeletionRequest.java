package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** {@code /admin/delete_topics/<topic>}: {@code {"version":1,"timestamp":..}}; the path names the topic. Immutable. */
@JsonPropertyOrder({"version", "timestamp"})
public record TopicDeletionRequest(int version, long timestamp) implements ZkDocument {
    public static final ZkCodec<TopicDeletionRequest> CODEC =
            new ZkCodec<>(TopicDeletionRequest.class, "topic deletion request");

    public TopicDeletionRequest(long timestamp) {
        this(CURRENT_VERSION, timestamp);
    }
}
