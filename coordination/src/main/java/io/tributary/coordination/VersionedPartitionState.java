package io.tributary.coordination;

import java.util.Objects;

/**
 * A partition state together with the znode version it was read at: the version to pass to the next
 * compare-and-set. Immutable.
 */
public record VersionedPartitionState(PartitionState state, int zkVersion) {
    public VersionedPartitionState {
        Objects.requireNonNull(state, "state");
    }
}
