package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * {@code /cluster/id}: {@code {"version":1,"id":"<uuid>"}}, written once by the first broker to start.
 * Immutable.
 */
@JsonPropertyOrder({"version", "id"})
public record ClusterIdDocument(int version, String id) implements ZkDocument {
    public static final ZkCodec<ClusterIdDocument> CODEC = new ZkCodec<>(ClusterIdDocument.class, "cluster id");

    public ClusterIdDocument {
        Objects.requireNonNull(id, "id");
    }

    public ClusterIdDocument(String id) {
        this(CURRENT_VERSION, id);
    }
}
