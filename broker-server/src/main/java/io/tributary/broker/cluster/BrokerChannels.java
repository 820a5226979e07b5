package io.tributary.broker.cluster;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.coordination.BrokerInfo;

import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * gRPC channels from this broker to its peers, one per peer address, created on first use and shared by every
 * broker-to-broker call (offset lookups for admin calls now; replica fetches later). Thread-safe.
 */
public final class BrokerChannels implements Closeable {
    private final int maxInboundMessageBytes;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public BrokerChannels(int maxInboundMessageBytes) {
        this.maxInboundMessageBytes = maxInboundMessageBytes;
    }

    public ManagedChannel channelTo(BrokerInfo broker) {
        String target = broker.host() + ":" + broker.port();
        return channels.computeIfAbsent(target, t -> NettyChannelBuilder.forAddress(broker.host(), broker.port())
                .usePlaintext()
                .maxInboundMessageSize(maxInboundMessageBytes)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .build());
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
