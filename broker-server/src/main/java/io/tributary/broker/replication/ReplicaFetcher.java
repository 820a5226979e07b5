package io.tributary.broker.replication;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.EpochEndOffset;
import io.tributary.api.v1.EpochQuery;
import io.tributary.api.v1.OffsetForLeaderEpochRequest;
import io.tributary.api.v1.ReplicaFetchPartition;
import io.tributary.api.v1.ReplicaFetchRequest;
import io.tributary.api.v1.ReplicaFetchResponse;
import io.tributary.api.v1.ReplicaPartitionData;
import io.tributary.broker.cluster.PeerClient;
import io.tributary.broker.log.LeaderEpochCache;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.coordination.BrokerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Replicates every partition this broker follows from one leader, on its own thread, over one {@code ReplicaFetch}
 * stream. Each partition first reconciles its log with the leader's (KIP-101/279: ask where our latest epoch ends on
 * the leader, truncate the divergent suffix, repeat with an older epoch if the leader never had ours; never truncate
 * to a local high watermark), then fetches from its log end. The next fetch offset is the follower's
 * acknowledgement of everything before it.
 *
 * <p>Thread-safety: {@link #add} and {@link #remove} may be called from any thread; everything else runs on the
 * fetcher's thread. A partition whose role changes between a fetch and its append is skipped: appends are fenced
 * by the leader epoch inside {@link Partition}.
 */
final class ReplicaFetcher implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    private static final int MAX_EPOCH_ROUNDS = 16;
    private static final long RPC_TIMEOUT_MS = 10_000;

    private static final class State {
        final Partition partition;
        final int leaderEpoch;
        volatile boolean reconciled;
        long retryAfterMs;
        /** Records the leader had that we did not, as of the last response; -1 before the first. */
        volatile long lag = -1;

        State(Partition partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }
    }

    private final int leaderId;
    private final PartitionManager partitions;
    private final PeerClient peers;
    private final ReplicaFetcherConfig config;
    private final LongSupplier brokerEpoch;
    private final Map<TopicPartition, State> states = new ConcurrentHashMap<>();
    private final Thread thread;
    private final Object wakeup = new Object();
    private volatile boolean running = true;
    private long correlationId;

    /** The open stream, or null; written by the fetcher's thread, closed also by {@link #shutdown}. */
    private volatile PeerClient.ReplicaFetchStream stream;
    private BlockingQueue<Object> responses;

    ReplicaFetcher(int leaderId, PartitionManager partitions, PeerClient peers, ReplicaFetcherConfig config, LongSupplier brokerEpoch) {
        this.leaderId = leaderId;
        this.partitions = partitions;
        this.peers = peers;
        this.config = config;
        this.brokerEpoch = brokerEpoch;
        this.thread = DaemonThreads.named("replica-fetcher-" + partitions.brokerId() + "-from-" + leaderId).newThread(this);
        this.thread.start();
    }

    void add(Partition partition, int leaderEpoch) {
        State current = states.get(partition.topicPartition());
        if (current != null && current.partition == partition && current.leaderEpoch == leaderEpoch) {
            return;
        }
        states.put(partition.topicPartition(), new State(partition, leaderEpoch));
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    void remove(TopicPartition tp) {
        states.remove(tp);
    }

    /** The largest lag, in records, of the partitions fetched from this leader (Kafka: ReplicaFetcherManager MaxLag). */
    long maxLag() {
        long max = 0;
        for (State s : states.values()) {
            max = Math.max(max, s.lag);
        }
        return max;
    }

    void shutdown() {
        running = false;
        thread.interrupt();
        closeStream();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (states.isEmpty()) {
                    synchronized (wakeup) {
                        wakeup.wait(200);
                    }
                    continue;
                }
                BrokerInfo leader = partitions.metadata().brokers().get(leaderId);
                if (leader == null) {
                    sleep(config.backoffMs());
                    continue;
                }
                reconcile(leader);
                fetchOnce(leader);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("fetcher from broker {} failed: {}", leaderId, e.toString());
                    closeStream();
                    sleepQuietly(config.backoffMs());
                }
            }
        }
        closeStream();
    }

    /** Truncates each newly followed partition to where its log agrees with the leader's. */
    private void reconcile(BrokerInfo leader) throws InterruptedException {
        for (State s : states.values()) {
            if (s.reconciled || !running || System.currentTimeMillis() < s.retryAfterMs) {
                continue;
            }
            PartitionLog plog = s.partition.log();
            OptionalInt latest = plog.leaderEpochCache().latestEpoch();
            if (latest.isEmpty()) {
                s.reconciled = true;
                continue;
            }
            int epoch = latest.getAsInt();
            Long target = null;
            for (int round = 0; round < MAX_EPOCH_ROUNDS && target == null; round++) {
                EpochEndOffset answer = askLeader(leader, s, epoch);
                if (answer == null) {
                    break;
                }
                if (answer.getLeaderEpoch() == LeaderEpochCache.UNDEFINED_EPOCH) {
                    // The leader knows no epoch as old as ours: nothing we hold is in its history.
                    target = plog.logStartOffset();
                    break;
                }
                LeaderEpochCache.EpochEndOffset ours = plog.leaderEpochCache().endOffsetFor(answer.getLeaderEpoch(), plog.logEndOffset());
                if (ours.epoch() == answer.getLeaderEpoch()) {
                    target = Math.min(answer.getEndOffset(), ours.endOffset());
                } else if (ours.epoch() == LeaderEpochCache.UNDEFINED_EPOCH) {
                    target = plog.logStartOffset();
                } else {
                    // We never had the leader's epoch: ask again about the newest epoch we have below it.
                    epoch = ours.epoch();
                }
            }
            if (target == null) {
                continue;
            }
            if (target < plog.logEndOffset()) {
                log.info("{}: truncating to offset {} to match leader {} (log end was {})", s.partition.topicPartition(),
                        target, leaderId, plog.logEndOffset());
                if (!s.partition.truncateAsFollower(target, s.leaderEpoch)) {
                    continue;
                }
            }
            s.reconciled = true;
        }
    }

    private EpochEndOffset askLeader(BrokerInfo leader, State s, int epoch) {
        TopicPartition tp = s.partition.topicPartition();
        try {
            EpochEndOffset r = peers.offsetForLeaderEpoch(leader, OffsetForLeaderEpochRequest.newBuilder().setReplicaId(partitions.brokerId())
                            .addPartitions(EpochQuery.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                                    .setCurrentLeaderEpoch(s.leaderEpoch).setLeaderEpoch(epoch)).build(), RPC_TIMEOUT_MS)
                    .getPartitions(0);
            if (!r.getError().getCode().isEmpty()) {
                log.debug("{}: leader {} cannot answer the epoch query yet: {}", tp, leaderId, r.getError().getCode());
                s.retryAfterMs = System.currentTimeMillis() + config.backoffMs();
                return null;
            }
            return r;
        } catch (TributaryException unanswered) {
            s.retryAfterMs = System.currentTimeMillis() + config.backoffMs();
            return null;
        }
    }

    private void fetchOnce(BrokerInfo leader) throws InterruptedException {
        long now = System.currentTimeMillis();
        Map<TopicPartition, State> batch = new HashMap<>();
        ReplicaFetchRequest.Builder request = ReplicaFetchRequest.newBuilder().setCorrelationId(++correlationId)
                .setReplicaId(partitions.brokerId()).setBrokerEpoch(brokerEpoch.getAsLong())
                .setMaxWaitMs(config.waitMaxMs()).setMinBytes(1).setMaxBytes(config.responseMaxBytes());
        for (Map.Entry<TopicPartition, State> e : states.entrySet()) {
            State s = e.getValue();
            if (!s.reconciled || now < s.retryAfterMs) {
                continue;
            }
            PartitionLog plog = s.partition.log();
            batch.put(e.getKey(), s);
            request.addPartitions(ReplicaFetchPartition.newBuilder().setTopic(e.getKey().topic()).setPartition(e.getKey().partition())
                    .setFetchOffset(plog.logEndOffset()).setCurrentLeaderEpoch(s.leaderEpoch)
                    .setPartitionMaxBytes(config.partitionMaxBytes()).setLogStartOffset(plog.logStartOffset()));
        }
        if (batch.isEmpty()) {
            sleep(Math.min(50, Math.max(1, config.backoffMs())));
            return;
        }
        if (stream == null) {
            openStream(leader);
        }
        stream.send(request.build());
        Object reply = responses.poll(config.waitMaxMs() + RPC_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (!(reply instanceof ReplicaFetchResponse response)) {
            log.warn("replica fetch from broker {} failed: {}", leaderId, reply == null ? "timed out" : reply);
            closeStream();
            sleep(config.backoffMs());
            return;
        }
        boolean anyError = false;
        for (ReplicaPartitionData d : response.getPartitionsList()) {
            State s = batch.get(new TopicPartition(d.getTopic(), d.getPartition()));
            if (s == null || states.get(s.partition.topicPartition()) != s) {
                continue; // removed or re-added while the fetch was out
            }
            anyError |= !handle(s, d);
        }
        if (anyError && response.getPartitionsList().stream().allMatch(d -> !d.getError().getCode().isEmpty())) {
            sleep(config.backoffMs());
        }
    }

    /** @return false when the partition got an error */
    private boolean handle(State s, ReplicaPartitionData d) {
        String code = d.getError().getCode();
        Partition p = s.partition;
        if (code.isEmpty()) {
            try {
                p.appendAsFollower(d.getRecords().asReadOnlyByteBuffer().duplicate(), s.leaderEpoch, d.getHighWatermark());
                s.lag = Math.max(0, d.getLogEndOffset() - p.log().logEndOffset());
            } catch (TributaryException e) {
                // The data does not continue our log: reconcile again before fetching more.
                log.warn("{}: cannot append data from leader {} ({}); reconciling again", p.topicPartition(), leaderId, e.getMessage());
                s.reconciled = false;
                return false;
            }
            return true;
        }
        ErrorCode error = ErrorCode.forName(code);
        if (error == ErrorCode.OFFSET_OUT_OF_RANGE) {
            long ourEnd = p.log().logEndOffset();
            if (ourEnd > d.getLogEndOffset()) {
                p.truncateAsFollower(d.getLogEndOffset(), s.leaderEpoch);
            } else if (ourEnd < d.getLogStartOffset()) {
                log.info("{}: behind leader {}'s log start {}; restarting the log there", p.topicPartition(), leaderId, d.getLogStartOffset());
                p.resetAsFollower(d.getLogStartOffset(), s.leaderEpoch);
            }
        } else {
            // Stale or not-yet-known epochs, leadership moves: the metadata cache brings the new role; wait for it.
            s.retryAfterMs = System.currentTimeMillis() + config.backoffMs();
            log.debug("{}: fetch from leader {} returned {}", p.topicPartition(), leaderId, code);
        }
        return false;
    }

    private void openStream(BrokerInfo leader) {
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        responses = queue;
        stream = peers.openReplicaFetch(leader, new PeerClient.Responses<>() {
            @Override
            public void onResponse(ReplicaFetchResponse response) {
                queue.add(response);
            }

            @Override
            public void onEnd(TributaryException error) {
                queue.add(error != null ? error : "stream completed by the leader");
            }
        });
    }

    private void closeStream() {
        PeerClient.ReplicaFetchStream s = stream;
        stream = null;
        if (s != null) {
            s.close();
        }
    }

    private void sleep(long ms) throws InterruptedException {
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    private void sleepQuietly(long ms) {
        try {
            sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
