package io.tributary.coordination;

/**
 * Told about metadata snapshots and session state by {@link MetadataCache}. Callbacks run on the cache's one
 * notification thread, in order, never concurrently; they must not block for long (hand work to your own
 * thread), since every later snapshot waits behind them.
 */
public interface MetadataListener {
    /** A new snapshot replaced {@code previous} (which is {@link ClusterMetadata#EMPTY} the first time). */
    default void onMetadataChanged(ClusterMetadata previous, ClusterMetadata current) {
    }

    /**
     * The ZooKeeper session changed state. On {@link SessionState#SUSPENDED} or {@link SessionState#LOST} a
     * broker must stop leadership actions and report NOT_SERVING until it sees {@link SessionState#CONNECTED}
     * and a fresh snapshot.
     */
    default void onSessionStateChanged(SessionState state) {
    }
}
