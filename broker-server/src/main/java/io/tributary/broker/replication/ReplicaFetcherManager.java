package io.tributary.broker.replication;

import io.tributary.api.TopicPartition;
import io.tributary.broker.cluster.PeerClient;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;

import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The follower's side of replication: one {@link ReplicaFetcher} (thread + stream) per leader broker, carrying every
 * partition this broker follows from that leader. Told about roles by the {@link PartitionManager} (on its single
 * metadata thread).
 *
 * <p>Thread-safe.
 */
public final class ReplicaFetcherManager implements PartitionManager.ReplicaRoleHooks, Closeable {
    private final PartitionManager partitions;
    private final PeerClient peers;
    private final ReplicaFetcherConfig config;
    private final LongSupplier brokerEpoch;
    private final IsrManager isrManager;
    private final Map<Integer, ReplicaFetcher> fetchers = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Integer> leaderOf = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public ReplicaFetcherManager(PartitionManager partitions, PeerClient peers, ReplicaFetcherConfig config,
                                 LongSupplier brokerEpoch, IsrManager isrManager) {
        this.partitions = partitions;
        this.peers = peers;
        this.config = config;
        this.brokerEpoch = brokerEpoch;
        this.isrManager = isrManager;
    }

    @Override
    public synchronized void onLeader(Partition partition) {
        remove(partition.topicPartition());
    }

    @Override
    public synchronized void onFollower(Partition partition) {
        TopicPartition tp = partition.topicPartition();
        int leader = partition.state().leader();
        if (closed) {
            return;
        }
        if (leader < 0) {
            remove(tp);
            return;
        }
        Integer previous = leaderOf.put(tp, leader);
        if (previous != null && previous != leader) {
            ReplicaFetcher old = fetchers.get(previous);
            if (old != null) {
                old.remove(tp);
            }
        }
        fetchers.computeIfAbsent(leader, id -> new ReplicaFetcher(id, partitions, peers, config, brokerEpoch))
                .add(partition, partition.state().leaderEpoch());
    }

    @Override
    public synchronized void onStopped(TopicPartition tp) {
        remove(tp);
    }

    private void remove(TopicPartition tp) {
        Integer leader = leaderOf.remove(tp);
        if (leader != null) {
            ReplicaFetcher f = fetchers.get(leader);
            if (f != null) {
                f.remove(tp);
            }
        }
    }

    /** The largest lag, in records, of any partition this broker follows: 0 when all caught up or none followed. */
    public long maxLag() {
        long max = 0;
        for (ReplicaFetcher f : fetchers.values()) {
            max = Math.max(max, f.maxLag());
        }
        return max;
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (ReplicaFetcher f : fetchers.values()) {
            f.shutdown();
        }
        fetchers.clear();
        leaderOf.clear();
        isrManager.close();
    }
}
