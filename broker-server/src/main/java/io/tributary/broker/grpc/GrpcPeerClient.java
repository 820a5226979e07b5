package io.tributary.broker.grpc;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.OffsetForLeaderEpochResponse;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicationGrpc;
import io.tributary.broker.cluster.PeerClient;
import io.tributary.coordination.BrokerInfo;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@link PeerClient} over gRPC: calls go to each peer's endpoint on the inter-broker listener (over TLS when that
 * listener is SSL, presenting this broker's certificate for mutual TLS), one channel per peer address, created on
 * first use and shared by every broker-to-broker call. Thread-safe.
 */
public final class GrpcPeerClient implements PeerClient {
    private final int maxInboundMessageBytes;
    private final String listener;
    private final SslContext tls;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /** Plaintext, to each peer's primary address (tests and single-listener brokers). */
    public GrpcPeerClient(int maxInboundMessageBytes) {
        this(maxInboundMessageBytes, "", null);
    }

    /**
     * @param listener the inter-broker listener's name, whose endpoint of each peer is dialed
     * @param tls      the client TLS context when that listener is TLS, else null
     */
    public GrpcPeerClient(int maxInboundMessageBytes, String listener, SslContext tls) {
        this.maxInboundMessageBytes = maxInboundMessageBytes;
        this.listener = listener;
        this.tls = tls;
    }

    private ManagedChannel channelTo(BrokerInfo broker) {
        BrokerInfo.HostAndPort at = broker.endpointOrPrimary(listener);
        return channels.computeIfAbsent(at.host() + ":" + at.port(), t -> {
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(at.host(), at.port())
                    .maxInboundMessageSize(maxInboundMessageBytes)
                    .keepAliveTime(30, TimeUnit.SECONDS);
            return (tls == null ? b.usePlaintext() : b.sslContext(tls)).build();
        });
    }

    @Override
    public ListOffsetsResponse listOffsets(BrokerInfo peer, ListOffsetsRequest request, long timeoutMs) {
        return unary(peer, "ListOffsets", channel -> MetadataGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).listOffsets(request));
    }

    @Override
    public OffsetForLeaderEpochResponse offsetForLeaderEpoch(BrokerInfo leader, OffsetForLeaderEpochRequest request, long timeoutMs) {
        return unary(leader, "OffsetForLeaderEpoch", channel -> ReplicationGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).offsetForLeaderEpoch(request));
    }

    private <T> T unary(BrokerInfo peer, String call, Function<ManagedChannel, T> rpc) {
        try {
            return rpc.apply(channelTo(peer));
        } catch (StatusRuntimeException e) {
            throw unanswered(peer, call, e);
        }
    }

    @Override
    public ReplicaFetchStream openReplicaFetch(BrokerInfo leader, Responses<ReplicaFetchResponse> responses) {
        StreamObserver<ReplicaFetchRequest> requests = ReplicationGrpc.newStub(channelTo(leader)).replicaFetch(new StreamObserver<>() {
            @Override
            public void onNext(ReplicaFetchResponse value) {
                responses.onResponse(value);
            }

            @Override
            public void onError(Throwable t) {
                responses.onEnd(unanswered(leader, "ReplicaFetch", t));
            }

            @Override
            public void onCompleted() {
                responses.onEnd(null);
            }
        });
        return new ReplicaFetchStream() {
            @Override
            public void send(ReplicaFetchRequest request) {
                requests.onNext(request);
            }

            @Override
            public void close() {
                try {
                    requests.onCompleted();
                } catch (RuntimeException alreadyBroken) {
                    // The call failed already: nothing to close.
                }
            }
        };
    }

    /**
     * A failed peer call in the catalogue: the peer's own error when its status names one, else BROKER_NOT_AVAILABLE
     * (retriable: down, unreachable, or too slow).
     */
    private TributaryException unanswered(BrokerInfo peer, String call, Throwable t) {
        ErrorCode answered = ErrorInfos.brokerError(t);
        BrokerInfo.HostAndPort at = peer.endpointOrPrimary(listener);
        String what = call + " to the broker at " + at.host() + ":" + at.port() + " failed: " + t.getMessage();
        return new TributaryException(answered != null ? answered : ErrorCode.BROKER_NOT_AVAILABLE, what, t);
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        channels.clear();
    }
}
