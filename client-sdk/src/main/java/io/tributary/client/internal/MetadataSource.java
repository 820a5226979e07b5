package io.tributary.client.internal;

import io.tributary.client.Cluster;

/**
 * What the producer's sender needs of metadata; {@link MetadataManager} in production, a fixed snapshot in tests.
 *
 * <p>Implementations are thread-safe.
 */
public interface MetadataSource {
    Cluster cluster();

    void requestUpdate();

    /** Refreshes if due; never throws. */
    void maybeRefresh(long nowMs);
}
