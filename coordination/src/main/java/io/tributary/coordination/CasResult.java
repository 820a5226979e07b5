package io.tributary.coordination;

import java.util.Optional;

/** Outcome of a compare-and-set on a versioned znode. Immutable. */
public sealed interface CasResult {
    boolean succeeded();

    /** The write landed; {@code newZkVersion} is the version to use for the next CAS. */
    record Written(int newZkVersion) implements CasResult {
        @Override
        public boolean succeeded() {
            return true;
        }
    }

    /**
     * Someone else wrote first (or the znode is gone). {@code current} is what is there now, freshly read,
     * empty if the znode no longer exists; re-decide from it rather than retrying blindly.
     */
    record VersionConflict(Optional<VersionedPartitionState> current) implements CasResult {
        @Override
        public boolean succeeded() {
            return false;
        }
    }
}
