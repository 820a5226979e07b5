package io.tributary.broker.cluster;

import io.tributary.api.ErrorCode;
import io.tributary.api.v1.BrokerNode;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.TopicMetadata;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.coordination.BrokerInfo;
import io.tributary.coordination.ClusterMetadata;

import java.util.Map;

/** Turns the coordination layer's cluster snapshot into the API's metadata messages. Stateless. */
public final class MetadataViews {
    private MetadataViews() {
    }

    /**
     * A broker as a client of listener {@code listener} must reach it: a client on the SSL listener is told SSL
     * addresses, never another listener's (that would route it around TLS).
     *
     * @param listener the listener the request came in on; "" for the primary address
     */
    public static BrokerNode broker(int id, BrokerInfo info, String listener) {
        BrokerInfo.HostAndPort at = info.endpointOrPrimary(listener);
        return BrokerNode.newBuilder().setId(id).setHost(at.host()).setPort(at.port())
                .setRack(info.rack() == null ? "" : info.rack()).build();
    }

    /** Every live broker that has an endpoint for {@code listener} (see {@link #broker}). */
    public static Iterable<BrokerNode> brokers(ClusterMetadata md, String listener) {
        return md.brokers().entrySet().stream()
                .filter(e -> listener.isEmpty() || e.getValue().endpoints().isEmpty() || e.getValue().endpoint(listener).isPresent())
                .map(e -> broker(e.getKey(), e.getValue(), listener)).toList();
    }

    public static boolean isInternal(String topic) {
        return topic.startsWith("__");
    }

    public static TopicMetadata topic(ClusterMetadata md, io.tributary.coordination.TopicMetadata t) {
        TopicMetadata.Builder b = TopicMetadata.newBuilder().setName(t.name()).setTopicId(t.topicId())
                .setInternal(isInternal(t.name()));
        for (Map.Entry<Integer, io.tributary.coordination.PartitionMetadata> e : t.partitions().entrySet()) {
            io.tributary.coordination.PartitionMetadata pm = e.getValue();
            PartitionMetadata.Builder p = PartitionMetadata.newBuilder().setPartition(e.getKey())
                    .setLeaderId(pm.leader()).addAllReplicas(pm.replicas()).addAllIsr(pm.isr())
                    .setLeaderEpoch(pm.stateOptional().map(s -> s.state().leaderEpoch()).orElse(-1));
            for (int r : pm.replicas()) {
                if (!md.isAlive(r)) {
                    p.addOfflineReplicas(r);
                }
            }
            if (pm.leader() < 0) {
                p.setError(ErrorProtos.toProto(ErrorCode.LEADER_NOT_AVAILABLE,
                        "partition " + e.getKey() + " of " + t.name() + " has no live leader"));
            }
            b.addPartitions(p);
        }
        return b.build();
    }
}
