package io.tributary.client.consumer;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.TopicPartition;
import io.tributary.api.v1.ConsumerGrpc;
import io.tributary.api.v1.FetchCredit;
import io.tributary.api.v1.FetchPositions;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.PartitionPosition;
import io.tributary.api.v1.PartitionRef;
import io.tributary.client.Node;
import io.tributary.client.internal.ChannelPool;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;

/**
 * One pushed fetch session ({@code Consumer.Fetch}) with one broker: the partitions this consumer reads from
 * that leader. The broker pushes at most as many responses as credits granted; the consumer grants more as it
 * hands records out, which keeps a response or two in flight so poll() rarely waits (pipelining) while
 * buffered data stays bounded by credits x fetch.max.bytes.
 *
 * <p>The stream has no gRPC deadline: it lives as long as the assignment. Liveness comes from the broker's
 * empty responses every fetch.max.wait.ms and from keepalive pings on the channel.
 *
 * <p>The broker answers credits in the order they were granted, so the session keeps each outstanding credit's grant
 * time: a response's fetch latency is the time since the oldest one (see {@link ConsumerMetrics}).
 *
 * <p>Methods are called from the consumer's thread only; gRPC's threads only put events on the consumer's
 * queue.
 */
final class FetchSession implements ClientResponseObserver<FetchRequest, FetchResponse> {
    /** Data pushed by a session; {@code receivedNanos} is {@link System#nanoTime()} at its arrival. */
    record Data(FetchSession session, FetchResponse response, long receivedNanos) {
    }

    /** A session's stream ended. */
    record Failure(FetchSession session, Throwable error) {
    }

    private final Node node;
    private final BlockingQueue<Object> events;
    private final Set<TopicPartition> partitions = new HashSet<>();
    private ClientCallStreamObserver<FetchRequest> requests;
    private int outstandingCredits;
    /** Grant times of the outstanding credits, oldest at {@link #grantHead}: a ring of {@link #grantCount} entries. */
    private long[] grantNanos = new long[4];
    private int grantHead;
    private int grantCount;
    private volatile boolean failed;
    /** When the broker last answered (or the session opened); written by gRPC threads, read by the consumer's. */
    private volatile long lastResponseMs = System.currentTimeMillis();

    private FetchSession(Node node, BlockingQueue<Object> events) {
        this.node = node;
        this.events = events;
    }

    /** Opens the stream with its first partitions and up-front credits. */
    static FetchSession open(ChannelPool channels, Node node, BlockingQueue<Object> events, io.tributary.api.v1.FetchSession settings,
                             Map<TopicPartition, PartitionPosition> initial) {
        FetchSession session = new FetchSession(node, events);
        ConsumerGrpc.newStub(channels.channel(node)).fetch(session);
        session.requests.onNext(FetchRequest.newBuilder().setOpen(settings.toBuilder().addAllPartitions(initial.values())).build());
        session.partitions.addAll(initial.keySet());
        session.outstandingCredits = settings.getInitialCredits();
        session.granted(settings.getInitialCredits(), System.nanoTime());
        return session;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<FetchRequest> requestStream) {
        this.requests = requestStream;
    }

    @Override
    public void onNext(FetchResponse response) {
        lastResponseMs = System.currentTimeMillis();
        events.add(new Data(this, response, System.nanoTime()));
    }

    @Override
    public void onError(Throwable t) {
        failed = true;
        events.add(new Failure(this, t));
    }

    @Override
    public void onCompleted() {
        failed = true;
        events.add(new Failure(this, Status.UNAVAILABLE.withDescription("broker " + node + " ended the fetch session").asRuntimeException()));
    }

    Node node() {
        return node;
    }

    boolean failed() {
        return failed;
    }

    boolean contains(TopicPartition tp) {
        return partitions.contains(tp);
    }

    Set<TopicPartition> partitions() {
        return partitions;
    }

    /** Adds partitions or moves their positions. */
    void setPositions(Map<TopicPartition, PartitionPosition> positions) {
        if (positions.isEmpty() || failed) {
            return;
        }
        requests.onNext(FetchRequest.newBuilder().setPositions(FetchPositions.newBuilder().addAllSet(positions.values())).build());
        partitions.addAll(positions.keySet());
    }

    void remove(Set<TopicPartition> tps) {
        FetchPositions.Builder remove = FetchPositions.newBuilder();
        for (TopicPartition tp : tps) {
            if (partitions.remove(tp)) {
                remove.addRemove(PartitionRef.newBuilder().setTopic(tp.topic()).setPartition(tp.partition()));
            }
        }
        if (remove.getRemoveCount() > 0 && !failed) {
            requests.onNext(FetchRequest.newBuilder().setPositions(remove).build());
        }
    }

    /** The broker stopped fetching a partition on its own (after a per-partition error). */
    void forget(TopicPartition tp) {
        partitions.remove(tp);
    }

    /**
     * A response arrived at {@code receivedNanos}: it used up the oldest outstanding credit.
     *
     * @return nanoseconds since that credit was granted, or -1 when the session knew of no outstanding credit
     */
    long onResponseReceived(long receivedNanos) {
        outstandingCredits = Math.max(0, outstandingCredits - 1);
        if (grantCount == 0) {
            return -1;
        }
        long grantedAt = grantNanos[grantHead];
        grantHead = (grantHead + 1) % grantNanos.length;
        grantCount--;
        return Math.max(0, receivedNanos - grantedAt);
    }

    private void granted(int credits, long nowNanos) {
        if (grantCount + credits > grantNanos.length) {
            long[] grown = new long[Math.max(grantNanos.length * 2, grantCount + credits)];
            for (int i = 0; i < grantCount; i++) {
                grown[i] = grantNanos[(grantHead + i) % grantNanos.length];
            }
            grantNanos = grown;
            grantHead = 0;
        }
        for (int i = 0; i < credits; i++) {
            grantNanos[(grantHead + grantCount) % grantNanos.length] = nowNanos;
            grantCount++;
        }
    }

    /** Tops credits up to {@code target} responses outstanding. */
    void topUpCredits(int target) {
        int grant = target - outstandingCredits;
        if (grant > 0 && !failed) {
            if (outstandingCredits == 0) {
                // The broker owed nothing until now: its silence so far is not a fault.
                lastResponseMs = System.currentTimeMillis();
            }
            requests.onNext(FetchRequest.newBuilder().setCredit(FetchCredit.newBuilder().setResponses(grant)).build());
            outstandingCredits += grant;
            granted(grant, System.nanoTime());
        }
    }

    /**
     * Whether the broker owes a response and has been silent for longer than {@code silenceLimitMs}. A live broker
     * answers every fetch.max.wait.ms while it has credit, so silence beyond that plus request.timeout.ms means
     * the stream is stuck even if the connection still looks up: this is the session's deadline.
     */
    boolean overdue(long nowMs, long silenceLimitMs) {
        return !failed && outstandingCredits > 0 && nowMs - lastResponseMs > silenceLimitMs;
    }

    void close() {
        failed = true;
        if (requests != null) {
            requests.cancel("consumer closed or moved away from broker " + node, null);
        }
    }
}
