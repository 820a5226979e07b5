package io.tributary.coordination;

import org.apache.curator.framework.state.ConnectionState;

/**
 * What a broker may assume about its ZooKeeper session.
 * <ul>
 *   <li>{@link #CONNECTED}: connected to a server that is part of a quorum; metadata is current.</li>
 *   <li>{@link #SUSPENDED}: disconnected (for example the ensemble lost its quorum). The session may still be
 *       alive, but the broker cannot know: it must report NOT_SERVING and take no leadership action.</li>
 *   <li>{@link #LOST}: the session is (or is treated as) expired: ephemerals are gone, another broker may
 *       already lead this broker's partitions. Leadership must be dropped; it comes back only through new
 *       metadata after reconnecting.</li>
 * </ul>
 */
public enum SessionState {
    CONNECTED, SUSPENDED, LOST;

    public static SessionState of(ConnectionState state) {
        return switch (state) {
            case CONNECTED, RECONNECTED -> CONNECTED;
            case SUSPENDED, READ_ONLY -> SUSPENDED;
            case LOST -> LOST;
        };
    }
}
