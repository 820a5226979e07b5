package io.tributary.broker.cluster;

import io.tributary.api.TributaryException;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.OffsetForLeaderEpochResponse;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.coordination.BrokerInfo;

import java.io.Closeable;

/**
 * Calls from this broker to its peers (offset lookups for admin calls, the follower's side of replication), as the
 * domain sees them: which transport carries them is the implementation's business ({@code grpc/GrpcPeerClient}
 * today). Every call is bounded by its timeout, and a call that fails as a whole is a {@link TributaryException},
 * never a transport exception: the peer's own error when it refused the call (CLUSTER_AUTHORIZATION_FAILED, ...),
 * else a retriable BROKER_NOT_AVAILABLE (down, unreachable, too slow); its message names the peer. Per-partition
 * errors come inside the responses, as from any broker.
 *
 * <p>Implementations are thread-safe and share one connection per peer address among all callers.
 */
public interface PeerClient extends Closeable {
    ListOffsetsResponse listOffsets(BrokerInfo peer, ListOffsetsRequest request, long timeoutMs);

    OffsetForLeaderEpochResponse offsetForLeaderEpoch(BrokerInfo leader, OffsetForLeaderEpochRequest request, long timeoutMs);

    /**
     * Opens a replica-fetch stream to {@code leader}. Requests go out through the returned sender; every response,
     * and then the end of the stream, comes to {@code responses} on a transport thread.
     */
    ReplicaFetchStream openReplicaFetch(BrokerInfo leader, Responses<ReplicaFetchResponse> responses);

    /** The follower's half of an open replica-fetch stream. Not thread-safe: the fetcher's thread owns it. */
    interface ReplicaFetchStream {
        void send(ReplicaFetchRequest request);

        /** Ends the stream from this side; the leader's responses still in flight are dropped. */
        void close();
    }

    /** What a peer sends back on a stream: messages, then exactly one end. */
    interface Responses<T> {
        void onResponse(T response);

        /** The stream ended: {@code error} is null when the peer completed it, else why it broke. */
        void onEnd(TributaryException error);
    }

    @Override
    void close();
}
