package io.tributary.broker.fetch;

import com.google.protobuf.UnsafeByteOperations;
import io.tributary.api.ErrorCode;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourceType;
import io.tributary.api.v1.FetchCredit;
import io.tributary.api.v1.FetchPositions;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionPosition;
import io.tributary.api.v1.PartitionRef;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.common.SerialExecutor;
import io.tributary.broker.common.StreamHandler;
import io.tributary.broker.common.StreamSink;
import io.tributary.broker.log.LogReadInfo;
import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.metrics.TopicTraffic;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.partition.PartitionWatchers;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One consumer's fetch stream: the partitions it reads and where, how many responses it has granted, and the
 * long-poll logic that decides when to send.
 *
 * <p>A response goes out when the client has credit and the stream is ready, and either at least {@code min_bytes}
 * of records (or an error) are there, or {@code max_wait_ms} passed since the last response (then possibly empty,
 * with fresh offsets). Otherwise the session registers with {@link PartitionWatchers} and sleeps until a high
 * watermark moves or the wait timer fires: no polling.
 *
 * <p>Thread-safety: every state change runs on the session's {@link SerialExecutor}, one task at a time, so the
 * fields need no locks; stream callbacks and watcher notifications only enqueue tasks.
 */
final class FetchSession implements StreamHandler<FetchRequest>, PartitionWatchers.Watcher {
    private static final Logger log = LoggerFactory.getLogger(FetchSession.class);
    /** Bound on partitions per session, so one stream cannot make every read walk an unbounded map. */
    static final int MAX_PARTITIONS_PER_SESSION = 100_000;

    private static final class Position {
        long offset;
        int partitionMaxBytes;
        OptionalInt leaderEpoch;
        /** Stopped after an error until the client sets a position again. */
        boolean stopped;
        /** Whether the caller may Read the topic, decided when the position is set. */
        boolean authorized;

        Position(PartitionPosition p, boolean authorized) {
            reset(p, authorized);
        }

        void reset(PartitionPosition p, boolean authorized) {
            this.authorized = authorized;
            offset = p.getFetchOffset();
            partitionMaxBytes = p.getPartitionMaxBytes();
            leaderEpoch = p.hasCurrentLeaderEpoch() ? OptionalInt.of(p.getCurrentLeaderEpoch()) : OptionalInt.empty();
            stopped = false;
        }
    }

    private final StreamSink<FetchResponse> out;
    private final PartitionManager partitions;
    private final FetchSessionConfig config;
    private final SerialExecutor serial;
    private final ScheduledExecutorService timer;

    private final LinkedHashMap<TopicPartition, Position> positions = new LinkedHashMap<>();
    private boolean opened;
    private boolean closed;
    private int maxWaitMs;
    private int minBytes;
    private int maxBytes;
    private int credits;
    private int rotation;
    private long lastSendNanos;
    /**
     * When the response about to go out was "requested": the later of its credit arriving and the previous
     * response. A credit is the stream's fetch request, so this is what Kafka's fetch TotalTimeMs measures.
     */
    private long pendingSinceNanos;
    private ScheduledFuture<?> waitTimer;
    private final TopicTraffic traffic;
    private final RequestMetrics.Type stats;
    private final Runnable onClose;
    private final RequestContext ctx;
    private final Authorization authorization;

    FetchSession(StreamSink<FetchResponse> out, PartitionManager partitions, FetchSessionConfig config,
                 Executor executor, ScheduledExecutorService timer, TopicTraffic traffic, RequestMetrics.Type stats,
                 Runnable onClose, RequestContext ctx, Authorization authorization) {
        this.out = out;
        this.ctx = ctx;
        this.authorization = authorization;
        this.traffic = traffic;
        this.stats = stats;
        this.onClose = onClose;
        this.partitions = partitions;
        this.config = config;
        this.serial = new SerialExecutor(executor);
        this.timer = timer;
    }

    @Override
    public void onMessage(FetchRequest request) {
        serial.execute(() -> handle(request));
    }

    @Override
    public void onReady() {
        serial.execute(this::tryFill);
    }

    @Override
    public void onPeerGone() {
        serial.execute(this::close);
    }

    @Override
    public void onPeerDone() {
        serial.execute(() -> {
            if (!closed) {
                close();
                out.complete();
            }
        });
    }

    @Override
    public void onDataAvailable(TopicPartition tp) {
        serial.execute(this::tryFill);
    }

    private void handle(FetchRequest request) {
        if (closed) {
            return;
        }
        try {
            switch (request.getKindCase()) {
                case OPEN -> open(request.getOpen());
                case POSITIONS -> {
                    requireOpen();
                    applyPositions(request.getPositions());
                }
                case CREDIT -> {
                    requireOpen();
                    grant(request.getCredit());
                }
                default -> throw new TributaryException(ErrorCode.INVALID_REQUEST, "fetch request with no open, positions or credit");
            }
            tryFill();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void requireOpen() {
        if (!opened) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "the first message of a fetch stream must be 'open'");
        }
    }

    private void open(io.tributary.api.v1.FetchSession s) {
        if (opened) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "the fetch session is already open; send positions or credit");
        }
        if (s.getMaxWaitMs() < 0 || s.getMaxWaitMs() > config.maxWaitMsLimit()) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "max_wait_ms must be in [0, " + config.maxWaitMsLimit()
                    + "], got " + s.getMaxWaitMs());
        }
        if (s.getMinBytes() < 0 || s.getMaxBytes() <= 0) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "min_bytes must be >= 0 and max_bytes > 0, got "
                    + s.getMinBytes() + " and " + s.getMaxBytes());
        }
        if (s.getInitialCredits() <= 0) {
            // proto3 sends an unset field as 0: a session without credits would be silent forever, so say why now.
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "initial_credits must be in [1, " + config.maxCredits()
                    + "] (fetch.session.max.credits), got " + s.getInitialCredits() + (s.getInitialCredits() == 0
                    ? " (not set?)" : "") + ": the broker sends one response per credit, so a session opened without"
                    + " credits would receive nothing");
        }
        maxWaitMs = s.getMaxWaitMs();
        minBytes = Math.max(1, s.getMinBytes());
        maxBytes = Math.min(s.getMaxBytes(), config.maxResponseBytes());
        opened = true;
        lastSendNanos = System.nanoTime();
        applyPositions(FetchPositions.newBuilder().addAllSet(s.getPartitionsList()).build());
        grant(FetchCredit.newBuilder().setResponses(s.getInitialCredits()).build());
    }

    private void applyPositions(FetchPositions p) {
        for (PartitionRef r : p.getRemoveList()) {
            TopicPartition tp = new TopicPartition(r.getTopic(), r.getPartition());
            positions.remove(tp);
            partitions.watchers().unwatch(tp, this);
        }
        for (PartitionPosition pp : p.getSetList()) {
            if (pp.getPartition() < 0 || pp.getTopic().isEmpty()) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "invalid partition '" + pp.getTopic() + "'-" + pp.getPartition());
            }
            if (pp.getFetchOffset() < 0) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "fetch_offset of " + pp.getTopic() + "-"
                        + pp.getPartition() + " is negative (" + pp.getFetchOffset() + "); resolve earliest/latest with ListOffsets first");
            }
            if (pp.getPartitionMaxBytes() <= 0) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "partition_max_bytes of " + pp.getTopic() + "-"
                        + pp.getPartition() + " must be > 0");
            }
            TopicPartition tp = new TopicPartition(pp.getTopic(), pp.getPartition());
            Position existing = positions.get(tp);
            boolean authorized = authorization.topic(ctx, AclOperation.READ, tp.topic());
            if (existing != null) {
                existing.reset(pp, authorized);
            } else {
                if (positions.size() >= MAX_PARTITIONS_PER_SESSION) {
                    throw new TributaryException(ErrorCode.THROTTLING_QUOTA_EXCEEDED, "a fetch session may hold at most "
                            + MAX_PARTITIONS_PER_SESSION + " partitions");
                }
                positions.put(tp, new Position(pp, authorized));
            }
        }
    }

    private void grant(FetchCredit c) {
        if (c.getResponses() < 0) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "credit must be >= 0, got " + c.getResponses());
        }
        long total = (long) credits + c.getResponses();
        if (total > config.maxCredits()) {
            throw new TributaryException(ErrorCode.THROTTLING_QUOTA_EXCEEDED, "a fetch session may hold at most "
                    + config.maxCredits() + " unused credits (fetch.session.max.credits); it asked for " + total);
        }
        if (credits == 0 && total > 0) {
            pendingSinceNanos = System.nanoTime();
        }
        credits = (int) total;
    }

    /** Sends as many responses as credits, readiness and available data allow; otherwise arms the wake-ups. */
    private void tryFill() {
        while (!closed && opened && credits > 0 && out.isReady()) {
            // Watch before reading: data appended between the read and the registration still wakes us.
            for (Map.Entry<TopicPartition, Position> e : positions.entrySet()) {
                if (!e.getValue().stopped) {
                    partitions.watchers().watch(e.getKey(), this);
                }
            }
            Collected c = collect();
            boolean waitedEnough = System.nanoTime() - lastSendNanos >= TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
            if (c.bytes >= minBytes || c.hasError || (waitedEnough && !positions.isEmpty())) {
                send(c, waitedEnough && c.bytes == 0 && !c.hasError);
                if (c.bytes == 0) {
                    break;
                }
            } else {
                armWaitTimer();
                return;
            }
        }
        if (!closed && opened && credits > 0) {
            armWaitTimer();
        }
    }

    private record Collected(List<PartitionData> data, List<Runnable> advances, int bytes, boolean hasError) {
    }

    private Collected collect() {
        List<PartitionData> data = new ArrayList<>();
        List<Runnable> advances = new ArrayList<>();
        int budget = maxBytes;
        int bytes = 0;
        boolean hasError = false;
        List<Map.Entry<TopicPartition, Position>> order = new ArrayList<>(positions.entrySet());
        int n = order.size();
        for (int i = 0; i < n && budget > 0; i++) {
            Map.Entry<TopicPartition, Position> e = order.get((i + rotation) % n);
            TopicPartition tp = e.getKey();
            Position pos = e.getValue();
            if (pos.stopped) {
                continue;
            }
            PartitionData.Builder pd = PartitionData.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                    .setFetchOffset(pos.offset);
            try {
                if (!pos.authorized) {
                    throw Authorization.denied(ctx, AclOperation.READ, ResourceType.TOPIC, tp.topic());
                }
                // The read checks leadership and the consumer's epoch, once, under the partition's lock.
                Partition partition = partitions.servingPartition(tp);
                LogReadInfo read = partition.readForConsumer(pos.offset, Math.min(pos.partitionMaxBytes, budget), bytes == 0, pos.leaderEpoch);
                ByteBuffer records = read.records();
                pd.setHighWatermark(read.highWatermark()).setLogStartOffset(read.logStartOffset()).setLogEndOffset(read.logEndOffset());
                if (records.hasRemaining()) {
                    int size = records.remaining();
                    long next = read.nextOffset();
                    // Zero-copy: the response references the buffer the log filled.
                    pd.setRecords(UnsafeByteOperations.unsafeWrap(records));
                    bytes += size;
                    budget -= size;
                    traffic.sent(tp.topic(), size);
                    advances.add(() -> pos.offset = next);
                }
                data.add(pd.build());
            } catch (TributaryException ex) {
                pd.setError(ErrorProtos.toProto(ex));
                stats.error(ex.error());
                if (ex instanceof OffsetOutOfRangeException oor) {
                    pd.setLogStartOffset(oor.logStartOffset()).setLogEndOffset(oor.logEndOffset());
                }
                data.add(pd.build());
                advances.add(() -> pos.stopped = true);
                hasError = true;
            }
        }
        return new Collected(data, advances, bytes, hasError);
    }

    private void send(Collected c, boolean idle) {
        FetchResponse.Builder response = FetchResponse.newBuilder();
        for (PartitionData pd : c.data) {
            // An idle response carries every partition's offsets; a data response only what has data or errors.
            if (idle || pd.hasError() || !pd.getRecords().isEmpty()) {
                response.addPartitions(pd);
            }
        }
        c.advances.forEach(Runnable::run);
        credits--;
        rotation++;
        lastSendNanos = System.nanoTime();
        stats.completed(pendingSinceNanos);
        pendingSinceNanos = lastSendNanos;
        out.send(response.build());
    }

    private void armWaitTimer() {
        // An empty session has nothing to wait for: setting positions wakes it.
        if (positions.isEmpty() || (waitTimer != null && !waitTimer.isDone())) {
            return;
        }
        long elapsed = System.nanoTime() - lastSendNanos;
        long delay = Math.max(1, TimeUnit.MILLISECONDS.toNanos(maxWaitMs) - elapsed);
        waitTimer = timer.schedule(() -> serial.execute(this::tryFill), delay, TimeUnit.NANOSECONDS);
    }

    private void fail(RuntimeException e) {
        if (closed) {
            return;
        }
        if (ErrorProtos.codeOf(e) == ErrorCode.UNKNOWN_SERVER_ERROR) {
            log.error("fetch session failed", e);
        }
        stats.error(ErrorProtos.codeOf(e));
        close();
        out.fail(e);
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClose.run();
        if (waitTimer != null) {
            waitTimer.cancel(false);
        }
        for (TopicPartition tp : positions.keySet()) {
            partitions.watchers().unwatch(tp, this);
        }
        positions.clear();
    }
}
