package io.tributary.api;

/**
 * Who leads a partition (or coordinates a group) as far as the answering broker knows: what a leadership error tells
 * a client so it can go there at once instead of refreshing metadata first. A plain value so that the broker's
 * domain code can raise it without knowing any wire format; each front door turns it into its own (the gRPC one into
 * {@code tributary.v1.LeaderHint} and ErrorInfo metadata).
 *
 * @param leaderId the leader's broker id, or {@value #UNKNOWN} when there is none right now
 * @param leaderEpoch the leader epoch, or {@value #UNKNOWN} when unknown
 * @param host the leader's advertised host, empty when unknown
 * @param port the leader's advertised port, 0 when unknown
 */
public record LeaderHint(int leaderId, int leaderEpoch, String host, int port) {
    public static final int UNKNOWN = -1;

    /** No leader known. */
    public static final LeaderHint NONE = new LeaderHint(UNKNOWN, UNKNOWN, "", 0);

    public LeaderHint {
        host = host == null ? "" : host;
    }
}
