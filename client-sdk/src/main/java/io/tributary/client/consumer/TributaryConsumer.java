package io.tributary.client.consumer;

import com.google.protobuf.ByteString;
import io.tributary.api.ErrorCode;
import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.Header;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBodies;
import io.tributary.api.batch.RecordReader;
import io.tributary.api.batch.TimestampType;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionPosition;
import io.tributary.client.Cluster;
import io.tributary.client.Node;
import io.tributary.client.PartitionInfo;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ConsumerConfig.OffsetReset;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.GroupsClient;
import io.tributary.client.internal.Instances;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.internal.OffsetsClient;
import io.tributary.client.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Reads records from partitions assigned manually ({@link #assign}) or by a consumer group ({@link #subscribe}).
 *
 * <p>Each partition leader pushes data over one fetch session ({@link FetchSession}); responses are buffered
 * per partition and {@link #poll} hands out up to {@code max.poll.records} from the buffers, granting the
 * brokers more credit as it goes, so the next data is usually already here when poll() is called. Every batch's
 * CRC32C is checked before its records are handed out ({@code check.crcs}).
 *
 * <p>With {@code group.id}: {@link #subscribe} joins the group through a background membership stream
 * ({@link MembershipManager}: heartbeats, reconnection, max.poll.interval.ms); the assignments it receives are applied
 * on the calling thread inside poll(), where {@link ConsumerRebalanceListener} callbacks run ({@link ConsumerCoordinator}).
 * Newly owned partitions (subscribed or assigned) start at the group's committed offset, else per auto.offset.reset.
 * Commits: {@link #commitSync}, {@link #commitAsync}, and auto-commit (enable.auto.commit) from poll(), before
 * revocation and in close().
 *
 * <p>Not thread-safe: use a consumer from one thread at a time (a second thread gets a
 * {@link ConcurrentModificationException}). The one exception is {@link #wakeup()}, which any thread may call
 * to make a blocked or the next poll() throw {@link WakeupException}.
 */
public final class TributaryConsumer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TributaryConsumer.class);
    private static final Object WAKEUP = new Object();
    /** Queued by the membership and commit threads so a waiting poll() applies their news at once. */
    private static final Object GROUP_WAKE = new Object();
    private static final long DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger(1);
    private static final long NO_THREAD = -1L;

    private final ConsumerConfig config;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final OffsetsClient offsets;
    /** Null without group.id. */
    private final ConsumerCoordinator coordinator;
    private final String clientId;
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean wakeupRequested = new AtomicBoolean();
    private final AtomicLong owningThread = new AtomicLong(NO_THREAD);
    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private final Map<Integer, Long> sessionRetryAtMs = new HashMap<>();
    private final int maxPollRecords;
    private final int fetchCredits;
    private final long bufferedBytesLimit;
    private long bufferedBytes;
    private int depth;
    private RuntimeException pendingError;
    private boolean closed;

    /** What this consumer knows of one assigned partition. Consumer thread only. */
    private static final class PartitionState {
        Long position;
        /** Leader epoch of the record before {@link #position} (-1 unknown): committed with the position. */
        int positionEpoch = -1;
        OffsetReset resetStrategy;
        /** Newly owned with a group: the position comes from the committed offset, looked up before any reset. */
        boolean awaitingCommitted;
        /** Where the broker's session continues: data starting anywhere else is stale. */
        long nextFetchOffset;
        int sessionNodeId = -1;
        boolean paused;
        long highWatermark = -1;
        long logStartOffset = -1;
        long logEndOffset = -1;
        final Deque<BufferedRecord> buffer = new ArrayDeque<>();
    }

    private record BufferedRecord(long offset, long timestampMs, TimestampType timestampType, byte[] key, byte[] value,
                                  List<Header> headers, int leaderEpoch, int sizeBytes) {
    }

    public TributaryConsumer(Properties props) {
        this(new ConsumerConfig(props), null, null);
    }

    public TributaryConsumer(Map<String, ?> props) {
        this(new ConsumerConfig(props), null, null);
    }

    public TributaryConsumer(Properties props, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this(new ConsumerConfig(props), keyDeserializer, valueDeserializer);
    }

    public TributaryConsumer(ConsumerConfig config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this.config = config;
        this.keyDeserializer = keyDeserializer != null ? keyDeserializer
                : Instances.create(config.getString(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG), Deserializer.class,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        this.valueDeserializer = valueDeserializer != null ? valueDeserializer
                : Instances.create(config.getString(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG), Deserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        this.clientId = config.clientId().isEmpty() ? "consumer-" + CLIENT_SEQUENCE.getAndIncrement() : config.clientId();
        this.maxPollRecords = config.maxPollRecords();
        this.fetchCredits = config.fetchCredits();
        this.bufferedBytesLimit = config.fetchMaxBytes();
        // The first batch of a response is sent even when larger than fetch.max.bytes: leave room above it.
        this.channels = new ChannelPool((int) Math.min(Integer.MAX_VALUE - 1, Math.max(64L << 20, config.fetchMaxBytes() + (16L << 20))), clientId);
        this.metadata = new MetadataManager(channels, config.bootstrapServers(), config.requestTimeoutMs(), config.retryBackoffMs(),
                config.metadataMaxAgeMs(), false);
        this.offsets = new OffsetsClient(channels, metadata, config.requestTimeoutMs(), config.retryBackoffMs());
        if (config.groupId().isPresent()) {
            GroupsClient groups = new GroupsClient(channels, metadata, config.bootstrapServers(), config.requestTimeoutMs(), config.retryBackoffMs());
            this.coordinator = new ConsumerCoordinator(config, clientId, groups, channels, new OwnedPartitions(),
                    () -> metadata.fetchAll(false).topics(), () -> events.offer(GROUP_WAKE));
        } else {
            this.coordinator = null;
        }
    }

    /**
     * Joins the consumer group ({@code group.id}) and reads the partitions the coordinator assigns of these topics.
     * The join happens in the next poll(); replaces any earlier subscription. An empty collection unsubscribes.
     *
     * @throws IllegalStateException when partitions were assigned manually
     */
    public void subscribe(Collection<String> topics) {
        subscribe(topics, null);
    }

    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        for (String t : topics) {
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("topic collection to subscribe to cannot contain null or empty topic");
            }
        }
        if (topics.isEmpty()) {
            unsubscribe();
            return;
        }
        acquire();
        try {
            ConsumerCoordinator c = requireGroup();
            requireNotManuallyAssigned();
            c.subscribe(topics, listener);
            metadata.addTopics(topics);
        } finally {
            release();
        }
    }

    /** Subscribes to every topic whose whole name matches {@code pattern}, re-checked every metadata.max.age.ms. */
    public void subscribe(Pattern pattern) {
        subscribe(pattern, null);
    }

    public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
        if (pattern == null || pattern.pattern().isEmpty()) {
            throw new IllegalArgumentException("topic pattern to subscribe to cannot be null or empty");
        }
        acquire();
        try {
            ConsumerCoordinator c = requireGroup();
            requireNotManuallyAssigned();
            c.subscribe(pattern, listener);
        } finally {
            release();
        }
    }

    /** The subscribed topics (a pattern's current matches); empty when not subscribed. */
    public Set<String> subscription() {
        acquire();
        try {
            return coordinator == null ? Set.of() : coordinator.subscription();
        } finally {
            release();
        }
    }

    /**
     * Replaces the assignment. Positions of partitions kept stay; new ones start at a seek, else (with group.id) the
     * group's committed offset, else per auto.offset.reset.
     *
     * @throws IllegalStateException while subscribed to a group
     */
    public void assign(Collection<TopicPartition> partitions) {
        acquire();
        try {
            if (coordinator != null && coordinator.subscribed()) {
                throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive");
            }
            Set<TopicPartition> wanted = new HashSet<>(partitions);
            for (TopicPartition tp : new ArrayList<>(assigned.keySet())) {
                if (!wanted.contains(tp)) {
                    stopFetching(tp);
                    dropBuffer(assigned.remove(tp));
                }
            }
            Set<String> topics = new HashSet<>();
            for (TopicPartition tp : partitions) {
                assigned.computeIfAbsent(tp, k -> newPartitionState());
                topics.add(tp.topic());
            }
            metadata.addTopics(topics);
        } finally {
            release();
        }
    }

    public Set<TopicPartition> assignment() {
        acquire();
        try {
            return Set.copyOf(assigned.keySet());
        } finally {
            release();
        }
    }

    /**
     * Subscribed: commits consumed positions (with auto-commit), revokes every partition (onPartitionsRevoked) and
     * leaves the group (a static member keeps its place until its session times out). Assigned: drops the assignment.
     */
    public void unsubscribe() {
        acquire();
        try {
            if (coordinator != null && coordinator.subscribed()) {
                coordinator.unsubscribe();
            } else {
                assign(List.of());
            }
        } finally {
            release();
        }
    }

    /**
     * Returns the records available now, or waits up to {@code timeout} for some.
     *
     * @throws WakeupException if {@link #wakeup()} was called
     * @throws OffsetOutOfRangeException when a position fell out of the log and auto.offset.reset=none
     * @throws NoOffsetForPartitionException when a partition has no position and auto.offset.reset=none
     */
    public ConsumerRecords<K, V> poll(Duration timeout) {
        acquire();
        try {
            boolean subscribed = coordinator != null && coordinator.subscribed();
            if (assigned.isEmpty() && !subscribed) {
                throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions");
            }
            long deadline = System.currentTimeMillis() + Math.max(0, timeout.toMillis());
            do {
                checkWakeup();
                processEvents();
                throwPendingError();
                long now = System.currentTimeMillis();
                if (coordinator != null) {
                    coordinator.poll(now);
                }
                metadata.maybeRefresh(now);
                expireSilentSessions(now);
                long budgetMs = Math.max(1, Math.min(deadline - now, config.requestTimeoutMs()));
                initPositionsFromCommitted(budgetMs);
                resetPositions(budgetMs);
                reconcileSessions(now);
                ConsumerRecords<K, V> records = collect();
                grantCredits();
                if (!records.isEmpty()) {
                    return records;
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                awaitEvent(Math.min(left, needsRetry() ? config.retryBackoffMs() : left));
            } while (System.currentTimeMillis() < deadline);
            checkWakeup();
            return ConsumerRecords.empty();
        } finally {
            release();
        }
    }

    public void seek(TopicPartition tp, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("seek offset must be >= 0, got " + offset);
        }
        acquire();
        try {
            PartitionState st = state(tp);
            setPosition(tp, st, offset);
            moveSessionPosition(tp, st);
        } finally {
            release();
        }
    }

    public void seekToBeginning(Collection<TopicPartition> partitions) {
        requestReset(partitions, OffsetReset.EARLIEST);
    }

    public void seekToEnd(Collection<TopicPartition> partitions) {
        requestReset(partitions, OffsetReset.LATEST);
    }

    private void requestReset(Collection<TopicPartition> partitions, OffsetReset strategy) {
        acquire();
        try {
            Collection<TopicPartition> tps = partitions.isEmpty() ? assigned.keySet() : partitions;
            for (TopicPartition tp : tps) {
                PartitionState st = state(tp);
                stopFetching(tp);
                dropBuffer(st);
                st.position = null;
                st.awaitingCommitted = false;
                st.resetStrategy = strategy;
            }
        } finally {
            release();
        }
    }

    /** The offset of the next record poll() would return, resolving auto.offset.reset now if needed. */
    public long position(TopicPartition tp) {
        return position(tp, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    public long position(TopicPartition tp, Duration timeout) {
        acquire();
        try {
            PartitionState st = state(tp);
            if (st.position == null) {
                initPositionsFromCommitted(timeout.toMillis());
                resetPositions(timeout.toMillis());
            }
            if (st.position == null) {
                throw new io.tributary.client.TributaryTimeoutException("no position for " + tp + " within " + timeout.toMillis() + " ms");
            }
            return st.position;
        } finally {
            release();
        }
    }

    /**
     * The first offset at or after each given time (ms since the epoch); null for a partition with no record that
     * new. Asks each partition's leader.
     */
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsMs) {
        return offsetsForTimes(timestampsMs, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsMs, Duration timeout) {
        for (Map.Entry<TopicPartition, Long> e : timestampsMs.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("timestamp for " + e.getKey() + " must be >= 0, got " + e.getValue());
            }
        }
        acquire();
        try {
            Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
            offsets.listOffsets(timestampsMs, timeout.toMillis()).forEach((tp, r) ->
                    out.put(tp, r.getOffset() < 0 ? null : new OffsetAndTimestamp(r.getOffset(), r.getTimestamp(), r.getLeaderEpoch())));
            return out;
        } finally {
            release();
        }
    }

    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return listAll(partitions, OffsetsClient.EARLIEST);
    }

    /** The high watermark of each partition: the offset after the last record a consumer can read. */
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return listAll(partitions, OffsetsClient.LATEST);
    }

    private Map<TopicPartition, Long> listAll(Collection<TopicPartition> partitions, long which) {
        acquire();
        try {
            Map<TopicPartition, Long> request = new HashMap<>();
            partitions.forEach(tp -> request.put(tp, which));
            Map<TopicPartition, Long> out = new HashMap<>();
            offsets.listOffsets(request, config.defaultApiTimeoutMs()).forEach((tp, r) -> out.put(tp, r.getOffset()));
            return out;
        } finally {
            release();
        }
    }

    /** The topic's partitions, from metadata. */
    public List<PartitionInfo> partitionsFor(String topic) {
        acquire();
        try {
            return metadata.awaitTopic(topic, config.defaultApiTimeoutMs()).partitionsForTopic(topic);
        } finally {
            release();
        }
    }

    /** Every topic the cluster has, with its partitions. */
    public Map<String, List<PartitionInfo>> listTopics() {
        acquire();
        try {
            Cluster all = metadata.fetchAll(false);
            Map<String, List<PartitionInfo>> out = new HashMap<>();
            all.topics().forEach(t -> out.put(t, all.partitionsForTopic(t)));
            return out;
        } finally {
            release();
        }
    }

    /** Stops returning records of these partitions (and fetching them) until {@link #resume}; positions are kept. */
    public void pause(Collection<TopicPartition> partitions) {
        acquire();
        try {
            for (TopicPartition tp : partitions) {
                PartitionState st = state(tp);
                st.paused = true;
                stopFetching(tp);
                dropBuffer(st);
            }
        } finally {
            release();
        }
    }

    public void resume(Collection<TopicPartition> partitions) {
        acquire();
        try {
            for (TopicPartition tp : partitions) {
                state(tp).paused = false;
            }
        } finally {
            release();
        }
    }

    public Set<TopicPartition> paused() {
        acquire();
        try {
            Set<TopicPartition> out = new HashSet<>();
            assigned.forEach((tp, st) -> {
                if (st.paused) {
                    out.add(tp);
                }
            });
            return out;
        } finally {
            release();
        }
    }

    /** Makes the poll() in progress, or the next one, throw {@link WakeupException}. Safe from any thread. */
    public void wakeup() {
        wakeupRequested.set(true);
        events.offer(WAKEUP);
    }

    /** Closes within 30 s: see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(Duration.ofMillis(DEFAULT_CLOSE_TIMEOUT_MS));
    }

    /**
     * With a group: commits consumed positions (auto-commit), revokes the partitions (onPartitionsRevoked), leaves the
     * group (dynamic members only) and runs pending commitAsync callbacks, all within {@code timeout}; then stops
     * fetching and releases connections.
     */
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        acquire();
        try {
            try {
                if (coordinator != null) {
                    // First, while the consumer is still usable: the listener may call it (commitSync in onPartitionsRevoked).
                    coordinator.close(Math.max(0, timeout.toMillis()));
                }
            } finally {
                closed = true;
                sessions.values().forEach(FetchSession::close);
                sessions.clear();
                keyDeserializer.close();
                valueDeserializer.close();
                channels.close(1_000);
            }
        } finally {
            release();
        }
    }

    // ---- groups and commits ----

    /** Commits the positions of every owned partition, retrying retriable errors within default.api.timeout.ms. */
    public void commitSync() {
        commitSync(Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    /**
     * @throws CommitFailedException when the group rebalanced and this member's commit was refused
     * @throws io.tributary.client.TributaryTimeoutException when the commit did not complete in time
     */
    public void commitSync(Duration timeout) {
        acquire();
        try {
            requireGroup().commitSync(consumedPositions(), timeout.toMillis());
        } finally {
            release();
        }
    }

    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        commitSync(offsets, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        acquire();
        try {
            requireGroup().commitSync(offsets, timeout.toMillis());
        } finally {
            release();
        }
    }

    public void commitAsync() {
        commitAsync((OffsetCommitCallback) null);
    }

    /** Commits the owned partitions' positions in the background; the callback runs in a later poll/commitSync/close. */
    public void commitAsync(OffsetCommitCallback callback) {
        acquire();
        try {
            requireGroup().commitAsync(consumedPositions(), callback);
        } finally {
            release();
        }
    }

    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        acquire();
        try {
            requireGroup().commitAsync(offsets, callback);
        } finally {
            release();
        }
    }

    /** The group's committed offsets; a partition without one maps to null. */
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return committed(partitions, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        acquire();
        try {
            return requireGroup().committed(partitions, timeout.toMillis());
        } finally {
            release();
        }
    }

    /** Asks the coordinator for a new assignment round; this member keeps fetching meanwhile. */
    public void enforceRebalance() {
        enforceRebalance(null);
    }

    public void enforceRebalance(String reason) {
        acquire();
        try {
            requireGroup().enforceRebalance(reason);
        } finally {
            release();
        }
    }

    /** Group id, the generation of the latest assignment and the member id ("" and -1 before joining). */
    public ConsumerGroupMetadata groupMetadata() {
        acquire();
        try {
            return requireGroup().groupMetadata();
        } finally {
            release();
        }
    }

    private ConsumerCoordinator requireGroup() {
        if (coordinator == null) {
            throw new TributaryException(io.tributary.api.ErrorCode.INVALID_GROUP_ID,
                    "To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.");
        }
        return coordinator;
    }

    private void requireNotManuallyAssigned() {
        if (!assigned.isEmpty() && !coordinator.subscribed()) {
            throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive");
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> consumedPositions() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        assigned.forEach((tp, st) -> {
            if (st.position != null) {
                out.put(tp, new OffsetAndMetadata(st.position, st.positionEpoch >= 0 ? Optional.of(st.positionEpoch) : Optional.empty(), ""));
            }
        });
        return out;
    }

    /** New partitions with a group start at their committed offsets; looked up before auto.offset.reset applies. */
    private void initPositionsFromCommitted(long timeoutMs) {
        if (coordinator == null) {
            return;
        }
        List<TopicPartition> need = new ArrayList<>();
        assigned.forEach((tp, st) -> {
            if (st.awaitingCommitted && st.position == null) {
                need.add(tp);
            }
        });
        if (need.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = coordinator.fetchCommitted(need, timeoutMs);
        } catch (TributaryException e) {
            if (!e.retriable()) {
                throw e;
            }
            log.debug("fetching committed offsets failed, will retry: {}", e.getMessage());
            return;
        }
        for (TopicPartition tp : need) {
            PartitionState st = assigned.get(tp);
            if (st == null || !st.awaitingCommitted) {
                continue; // revoked or sought meanwhile
            }
            st.awaitingCommitted = false;
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                setPosition(tp, st, o.offset());
                st.positionEpoch = o.leaderEpoch().orElse(-1);
                log.debug("{} starts at committed offset {}", tp, o.offset());
            }
        }
    }

    private PartitionState newPartitionState() {
        PartitionState st = new PartitionState();
        st.awaitingCommitted = coordinator != null;
        return st;
    }

    /** The consumer's partition state as the group coordinator sees it. Consumer thread only. */
    private final class OwnedPartitions implements ConsumerCoordinator.Partitions {
        @Override
        public Set<TopicPartition> owned() {
            return Set.copyOf(assigned.keySet());
        }

        @Override
        public void add(Collection<TopicPartition> partitions) {
            Set<String> topics = new HashSet<>();
            for (TopicPartition tp : partitions) {
                assigned.computeIfAbsent(tp, k -> newPartitionState());
                topics.add(tp.topic());
            }
            metadata.addTopics(topics);
        }

        @Override
        public void remove(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                stopFetching(tp);
                dropBuffer(assigned.remove(tp));
            }
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> consumed(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> all = consumedPositions();
            all.keySet().retainAll(new HashSet<>(partitions));
            return all;
        }
    }

    // ---- internals, consumer thread only ----

    private PartitionState state(TopicPartition tp) {
        PartitionState st = assigned.get(tp);
        if (st == null) {
            throw new IllegalStateException("partition " + tp + " is not assigned to this consumer");
        }
        return st;
    }

    private void setPosition(TopicPartition tp, PartitionState st, long offset) {
        dropBuffer(st);
        st.position = offset;
        st.positionEpoch = -1;
        st.awaitingCommitted = false;
        st.resetStrategy = null;
        st.nextFetchOffset = offset;
        if (pendingError instanceof OffsetOutOfRangeException) {
            pendingError = null;
        }
    }

    private void moveSessionPosition(TopicPartition tp, PartitionState st) {
        FetchSession s = sessions.get(st.sessionNodeId);
        if (s != null && s.contains(tp) && !st.paused) {
            s.setPositions(Map.of(tp, position(tp, st.nextFetchOffset)));
        }
    }

    private PartitionPosition position(TopicPartition tp, long offset) {
        return PartitionPosition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition()).setFetchOffset(offset)
                .setPartitionMaxBytes(config.maxPartitionFetchBytes()).build();
    }

    private void stopFetching(TopicPartition tp) {
        PartitionState st = assigned.get(tp);
        if (st == null) {
            return;
        }
        FetchSession s = sessions.get(st.sessionNodeId);
        if (s != null) {
            s.remove(Set.of(tp));
        }
        st.sessionNodeId = -1;
    }

    private void dropBuffer(PartitionState st) {
        if (st == null) {
            return;
        }
        for (BufferedRecord r : st.buffer) {
            bufferedBytes -= r.sizeBytes();
        }
        st.buffer.clear();
    }

    private void resetPositions(long timeoutMs) {
        Map<TopicPartition, Long> request = new HashMap<>();
        Set<TopicPartition> noPolicy = new HashSet<>();
        for (Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            PartitionState st = e.getValue();
            if (st.position != null || st.awaitingCommitted) {
                continue;
            }
            OffsetReset strategy = st.resetStrategy != null ? st.resetStrategy : config.autoOffsetReset();
            if (strategy == OffsetReset.NONE) {
                noPolicy.add(e.getKey());
            } else {
                request.put(e.getKey(), strategy == OffsetReset.EARLIEST ? OffsetsClient.EARLIEST : OffsetsClient.LATEST);
            }
        }
        if (!noPolicy.isEmpty()) {
            throw new NoOffsetForPartitionException(noPolicy);
        }
        if (request.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult> results;
        try {
            results = offsets.listOffsets(request, timeoutMs);
        } catch (TributaryException e) {
            if (!e.retriable()) {
                throw e;
            }
            log.debug("resetting positions failed, will retry: {}", e.getMessage());
            return;
        }
        results.forEach((tp, r) -> {
            PartitionState st = assigned.get(tp);
            if (st != null && st.position == null) {
                setPosition(tp, st, r.getOffset());
            }
        });
    }

    /** Puts every fetchable partition into its leader's session at its position, opening sessions as needed. */
    private void reconcileSessions(long nowMs) {
        Cluster cluster = metadata.cluster();
        Map<Node, Map<TopicPartition, PartitionPosition>> additions = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            TopicPartition tp = e.getKey();
            PartitionState st = e.getValue();
            if (st.paused || st.position == null) {
                continue;
            }
            Node leader = cluster.leaderFor(tp);
            if (leader == null) {
                metadata.requestUpdate();
                continue;
            }
            FetchSession current = sessions.get(st.sessionNodeId);
            if (st.sessionNodeId == leader.id() && current != null && current.contains(tp)) {
                continue;
            }
            if (current != null) {
                current.remove(Set.of(tp));
            }
            st.sessionNodeId = -1;
            if (nowMs < sessionRetryAtMs.getOrDefault(leader.id(), 0L)) {
                continue;
            }
            // A new session starts from what the application has consumed; anything buffered past it is refetched.
            dropBuffer(st);
            st.nextFetchOffset = st.position;
            additions.computeIfAbsent(leader, n -> new HashMap<>()).put(tp, position(tp, st.position));
        }
        for (Map.Entry<Node, Map<TopicPartition, PartitionPosition>> e : additions.entrySet()) {
            Node node = e.getKey();
            FetchSession s = sessions.get(node.id());
            if (s == null || s.failed()) {
                s = FetchSession.open(channels, node, events, io.tributary.api.v1.FetchSession.newBuilder()
                        .setClientId(clientId).setMaxWaitMs(config.fetchMaxWaitMs()).setMinBytes(config.fetchMinBytes())
                        .setMaxBytes(config.fetchMaxBytes()).setInitialCredits(fetchCredits).build(), e.getValue());
                sessions.put(node.id(), s);
            } else {
                s.setPositions(e.getValue());
            }
            for (TopicPartition tp : e.getValue().keySet()) {
                assigned.get(tp).sessionNodeId = node.id();
            }
        }
    }

    private void expireSilentSessions(long nowMs) {
        long limitMs = (long) config.fetchMaxWaitMs() + config.requestTimeoutMs();
        for (FetchSession s : new ArrayList<>(sessions.values())) {
            if (s.overdue(nowMs, limitMs)) {
                log.warn("fetch session with broker {} sent nothing for over {} ms; reopening it", s.node(), limitMs);
                s.close();
                handleEvent(new FetchSession.Failure(s, io.grpc.Status.DEADLINE_EXCEEDED
                        .withDescription("fetch session silent for " + limitMs + " ms").asRuntimeException()));
            }
        }
    }

    private boolean needsRetry() {
        for (PartitionState st : assigned.values()) {
            if (!st.paused && (st.position == null || st.sessionNodeId < 0)) {
                return true;
            }
        }
        return false;
    }

    private void processEvents() {
        Object event;
        while ((event = events.poll()) != null) {
            handleEvent(event);
        }
    }

    private void awaitEvent(long timeoutMs) {
        try {
            Object event = events.poll(Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
            if (event != null) {
                handleEvent(event);
            }
        } catch (InterruptedException e) {
            throw new io.tributary.client.InterruptException("interrupted in poll", e);
        }
    }

    private void handleEvent(Object event) {
        if (event == WAKEUP || event == GROUP_WAKE) {
            return;
        }
        if (event instanceof FetchSession.Failure f) {
            if (sessions.get(f.session().node().id()) != f.session()) {
                return; // a session this consumer already replaced or closed
            }
            TributaryException e = Errors.fromThrowable(f.error());
            log.debug("fetch session with {} failed: {}", f.session().node(), e.getMessage());
            sessions.remove(f.session().node().id());
            sessionRetryAtMs.put(f.session().node().id(), System.currentTimeMillis() + config.retryBackoffMs());
            for (TopicPartition tp : f.session().partitions()) {
                PartitionState st = assigned.get(tp);
                if (st != null) {
                    st.sessionNodeId = -1;
                }
            }
            metadata.requestUpdate();
        } else if (event instanceof FetchSession.Data d) {
            if (sessions.get(d.session().node().id()) != d.session()) {
                return;
            }
            d.session().onResponseReceived();
            for (PartitionData pd : d.response().getPartitionsList()) {
                handlePartitionData(d.session(), pd);
            }
        }
    }

    private void handlePartitionData(FetchSession session, PartitionData pd) {
        TopicPartition tp = new TopicPartition(pd.getTopic(), pd.getPartition());
        PartitionState st = assigned.get(tp);
        if (st == null || st.paused || st.sessionNodeId != session.node().id() || pd.getFetchOffset() != st.nextFetchOffset) {
            return; // unassigned, paused, moved to another leader, or data for a position since left by a seek
        }
        if (Errors.isError(pd.getError())) {
            handlePartitionError(session, tp, st, pd);
            return;
        }
        st.highWatermark = pd.getHighWatermark();
        st.logStartOffset = pd.getLogStartOffset();
        st.logEndOffset = pd.getLogEndOffset();
        ByteString records = pd.getRecords();
        if (records.isEmpty()) {
            return;
        }
        long next = st.nextFetchOffset;
        try {
            // Batches lie back to back from position 0; each is also parsed from its ByteString substring, in place.
            int batchStart = 0;
            for (RecordBatch batch : RecordBatch.iterate(records.asReadOnlyByteBuffer())) {
                int thisStart = batchStart;
                batchStart += batch.sizeInBytes();
                if (config.checkCrcs()) {
                    batch.ensureValid(Integer.MAX_VALUE);
                }
                if (batch.nextOffset() <= next) {
                    continue;
                }
                ByteString batchBytes = records.substring(thisStart, batchStart);
                long from = next;
                TimestampType type = batch.timestampType();
                long baseOffset = batch.baseOffset();
                long firstTimestamp = batch.firstTimestamp();
                long maxTimestamp = batch.maxTimestamp();
                int leaderEpoch = batch.leaderEpoch();
                RecordReader.read(batch, batchBytes, RecordBodies.DEFAULT_MAX_DECOMPRESSED_BYTES, (offsetDelta, timestampDelta, key, value, headers) -> {
                    long offset = baseOffset + offsetDelta;
                    if (offset < from) {
                        return; // the first batch may start before the position asked for
                    }
                    long ts = type == TimestampType.LOG_APPEND_TIME ? maxTimestamp : firstTimestamp + timestampDelta;
                    int size = 32 + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
                    st.buffer.addLast(new BufferedRecord(offset, ts, type, key, value, headers, leaderEpoch, size));
                    bufferedBytes += size;
                });
                next = batch.nextOffset();
            }
        } catch (TributaryException corrupt) {
            // Refetch from the position on the next poll; tell the application now, as Kafka does.
            stopFetching(tp);
            pendingError = new TributaryException(corrupt.error(), "fetched data of " + tp + " failed validation: " + corrupt.getMessage(), corrupt);
            return;
        }
        st.nextFetchOffset = next;
    }

    private void handlePartitionError(FetchSession session, TopicPartition tp, PartitionState st, PartitionData pd) {
        ErrorCode code = Errors.code(pd.getError());
        // The broker stops fetching a partition after an error until its position is set again.
        session.forget(tp);
        st.sessionNodeId = -1;
        if (code == ErrorCode.OFFSET_OUT_OF_RANGE) {
            OffsetReset strategy = config.autoOffsetReset();
            if (strategy == OffsetReset.NONE) {
                pendingError = new OffsetOutOfRangeException(tp.toString(), st.nextFetchOffset, pd.getLogStartOffset(), pd.getLogEndOffset());
            } else {
                log.info("fetch position {} of {} is out of range; resetting to {}", st.nextFetchOffset, tp, strategy);
                dropBuffer(st);
                st.position = null;
                st.resetStrategy = strategy;
            }
            return;
        }
        if (Errors.needsMetadataRefresh(code) || code.retriable()) {
            metadata.requestUpdate();
            return;
        }
        pendingError = Errors.toException(pd.getError(), "fetch of " + tp);
    }

    private ConsumerRecords<K, V> collect() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int remaining = maxPollRecords;
        for (Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            if (remaining == 0) {
                break;
            }
            PartitionState st = e.getValue();
            if (st.paused || st.position == null) {
                continue;
            }
            TopicPartition tp = e.getKey();
            while (remaining > 0 && !st.buffer.isEmpty()) {
                BufferedRecord r = st.buffer.pollFirst();
                bufferedBytes -= r.sizeBytes();
                if (r.offset() < st.position) {
                    continue;
                }
                K key = keyDeserializer.deserialize(tp.topic(), r.key());
                V value = valueDeserializer.deserialize(tp.topic(), r.value());
                out.computeIfAbsent(tp, k -> new ArrayList<>()).add(new ConsumerRecord<>(tp.topic(), tp.partition(), r.offset(),
                        r.timestampMs(), r.timestampType(), key, value, r.headers(), r.leaderEpoch(),
                        r.key() == null ? -1 : r.key().length, r.value() == null ? -1 : r.value().length));
                st.position = r.offset() + 1;
                st.positionEpoch = r.leaderEpoch();
                remaining--;
            }
        }
        rotate();
        return out.isEmpty() ? ConsumerRecords.empty() : new ConsumerRecords<>(out);
    }

    /** Moves the first partition to the back so one busy partition cannot starve the others across polls. */
    private void rotate() {
        if (assigned.size() > 1) {
            TopicPartition first = assigned.keySet().iterator().next();
            PartitionState st = assigned.remove(first);
            assigned.put(first, st);
        }
    }

    private void grantCredits() {
        if (bufferedBytes >= bufferedBytesLimit) {
            return; // let poll() drain the buffers first: this is what bounds the consumer's memory
        }
        for (FetchSession s : sessions.values()) {
            s.topUpCredits(fetchCredits);
        }
    }

    private void throwPendingError() {
        if (pendingError != null) {
            RuntimeException e = pendingError;
            pendingError = null;
            throw e;
        }
    }

    private void checkWakeup() {
        if (wakeupRequested.compareAndSet(true, false)) {
            throw new WakeupException();
        }
    }

    /** Re-entrant guard: the owning thread may nest calls; any other thread is refused until it is released. */
    private void acquire() {
        if (closed) {
            throw new IllegalStateException("this consumer has already been closed");
        }
        long me = Thread.currentThread().getId();
        if (owningThread.get() != me && !owningThread.compareAndSet(NO_THREAD, me)) {
            throw new ConcurrentModificationException("TributaryConsumer is not safe for multi-threaded access");
        }
        depth++;
    }

    private void release() {
        if (--depth == 0) {
            owningThread.set(NO_THREAD);
        }
    }
}
