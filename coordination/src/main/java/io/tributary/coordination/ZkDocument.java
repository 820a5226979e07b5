package io.tributary.coordination;

/**
 * A JSON document stored in a znode. Every document carries a {@code "version"} field (SPEC §2) so that a
 * newer broker can change a document's shape and an older one can tell it is looking at something it does not
 * understand.
 */
public interface ZkDocument {
    /** The version this code writes for every document. */
    int CURRENT_VERSION = 1;

    int version();
}
