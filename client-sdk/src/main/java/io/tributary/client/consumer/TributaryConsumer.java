package io.tributary.client.consumer;

import io.tributary.api.OffsetOutOfRangeException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.client.Cluster;
import io.tributary.client.PartitionInfo;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ConsumerConfig.OffsetReset;
import io.tributary.client.consumer.SubscriptionState.PartitionState;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.GroupsClient;
import io.tributary.client.internal.Instances;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.internal.OffsetsClient;
import io.tributary.client.metrics.ClientMetrics;
import io.tributary.client.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * <p>This class is the façade and the poll loop. Behind it: {@link SubscriptionState} (what is assigned and each
 * partition's position), {@link FetchSessionPool} (which leader serves each partition, and what its sessions push),
 * {@link FetchBuffer} and {@link FetchCollector} (fetched records until poll() hands them out), {@link OffsetResolver}
 * (positions from committed offsets or auto.offset.reset), and {@link ConsumerCoordinator} for the group. What is
 * left here (~690 lines) is Kafka's consumer API, each method a thread guard and a delegation, with its javadoc.
 *
 * <p>Not thread-safe: use a consumer from one thread at a time (a second thread gets a
 * {@link ConcurrentModificationException}). The exceptions are {@link #wakeup()}, which any thread may call
 * to make a blocked or the next poll() throw {@link WakeupException}, and {@link #metrics()}.
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
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final OffsetsClient offsets;
    /** Null without group.id. */
    private final ConsumerCoordinator coordinator;
    private final String clientId;
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean wakeupRequested = new AtomicBoolean();
    private final AtomicLong owningThread = new AtomicLong(NO_THREAD);
    private final SubscriptionState subscriptions;
    private final FetchBuffer buffer;
    private final FetchSessionPool fetcher;
    private final FetchCollector<K, V> collector;
    private final OffsetResolver resolver;
    private final ConsumerMetrics metrics;
    private int depth;
    private boolean closed;

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
        Deserializer<K> keys = keyDeserializer != null ? keyDeserializer
                : Instances.create(config.getString(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG), Deserializer.class,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        Deserializer<V> values = valueDeserializer != null ? valueDeserializer
                : Instances.create(config.getString(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG), Deserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        this.clientId = config.clientId().isEmpty() ? "consumer-" + CLIENT_SEQUENCE.getAndIncrement() : config.clientId();
        this.metrics = new ConsumerMetrics(clientId);
        this.collector = new FetchCollector<>(keys, values, config.maxPollRecords(), metrics);
        this.subscriptions = new SubscriptionState(config.groupId().isPresent(), metrics);
        this.buffer = new FetchBuffer(config.fetchMaxBytes(), config.checkCrcs());
        // The first batch of a response is sent even when larger than fetch.max.bytes: leave room above it.
        this.channels = new ChannelPool((int) Math.min(Integer.MAX_VALUE - 1, Math.max(64L << 20, config.fetchMaxBytes() + (16L << 20))), clientId,
                config.tls(), config.sasl(), config.requestTimeoutMs());
        this.metadata = new MetadataManager(channels, config.bootstrapServers(), config.requestTimeoutMs(), config.retryBackoffMs(),
                config.reconnectBackoff(), config.metadataMaxAgeMs(), false);
        this.offsets = new OffsetsClient(channels, metadata, config.requestTimeoutMs(), config.retryBackoffMs());
        this.fetcher = new FetchSessionPool(config, clientId, channels, metadata, subscriptions, buffer, events, metrics);
        if (config.groupId().isPresent()) {
            GroupsClient groups = new GroupsClient(channels, metadata, config.bootstrapServers(), config.requestTimeoutMs(), config.retryBackoffMs());
            this.coordinator = new ConsumerCoordinator(config, clientId, groups, channels, new OwnedPartitions(),
                    () -> metadata.fetchAll(false).topics(), () -> events.offer(GROUP_WAKE), metrics);
        } else {
            this.coordinator = null;
        }
        this.resolver = new OffsetResolver(subscriptions, offsets, coordinator, config.autoOffsetReset(), fetcher);
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
            for (TopicPartition tp : subscriptions.partitions()) {
                if (!wanted.contains(tp)) {
                    fetcher.stopFetching(tp);
                    buffer.drop(subscriptions.remove(tp));
                }
            }
            Set<String> topics = new HashSet<>();
            for (TopicPartition tp : partitions) {
                subscriptions.add(tp);
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
            return subscriptions.partitions();
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
            if (subscriptions.isEmpty() && !subscribed) {
                throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions");
            }
            metrics.pollStarted(System.nanoTime());
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
                fetcher.expireSilent(now);
                resolver.resolve(Math.max(1, Math.min(deadline - now, config.requestTimeoutMs())));
                fetcher.reconcile(now);
                ConsumerRecords<K, V> records = collector.collect(subscriptions, buffer);
                fetcher.grantCredits();
                if (!records.isEmpty()) {
                    return records;
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    break;
                }
                awaitEvent(Math.min(left, subscriptions.needsRetry() ? config.retryBackoffMs() : left));
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
            PartitionState st = subscriptions.require(tp);
            resolver.seek(st, offset);
            fetcher.movePosition(tp, st);
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
            Collection<TopicPartition> tps = partitions.isEmpty() ? subscriptions.partitions() : partitions;
            for (TopicPartition tp : tps) {
                PartitionState st = subscriptions.require(tp);
                fetcher.stopFetching(tp);
                buffer.drop(st);
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
            PartitionState st = subscriptions.require(tp);
            if (st.position == null) {
                resolver.resolve(timeout.toMillis());
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
                PartitionState st = subscriptions.require(tp);
                st.paused = true;
                fetcher.stopFetching(tp);
                buffer.drop(st);
            }
        } finally {
            release();
        }
    }

    public void resume(Collection<TopicPartition> partitions) {
        acquire();
        try {
            for (TopicPartition tp : partitions) {
                subscriptions.require(tp).paused = false;
            }
        } finally {
            release();
        }
    }

    public Set<TopicPartition> paused() {
        acquire();
        try {
            return subscriptions.paused();
        } finally {
            release();
        }
    }

    /**
     * The consumer's metrics ({@code tributary_consumer_*}, labelled with its {@code client.id}), to register with the
     * application's Prometheus registry or to read directly. Safe from any thread, like {@link #wakeup()}. Closing the
     * consumer unregisters them from every registry; their values stay readable.
     */
    public ClientMetrics metrics() {
        return metrics.view();
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
                fetcher.close();
                collector.close();
                channels.close(1_000);
                metrics.view().close();
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
            requireGroup().commitSync(subscriptions.consumedPositions(), timeout.toMillis());
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
            requireGroup().commitAsync(subscriptions.consumedPositions(), callback);
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
        if (!subscriptions.isEmpty() && !coordinator.subscribed()) {
            throw new IllegalStateException("Subscription to topics, partitions and pattern are mutually exclusive");
        }
    }

    /** The consumer's partition state as the group coordinator sees it. Consumer thread only. */
    private final class OwnedPartitions implements ConsumerCoordinator.Partitions {
        @Override
        public Set<TopicPartition> owned() {
            return subscriptions.partitions();
        }

        @Override
        public void add(Collection<TopicPartition> partitions) {
            Set<String> topics = new HashSet<>();
            for (TopicPartition tp : partitions) {
                subscriptions.add(tp);
                topics.add(tp.topic());
            }
            metadata.addTopics(topics);
        }

        @Override
        public void remove(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                fetcher.stopFetching(tp);
                buffer.drop(subscriptions.remove(tp));
            }
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> consumed(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> all = subscriptions.consumedPositions();
            all.keySet().retainAll(new HashSet<>(partitions));
            return all;
        }
    }

    // ---- internals, consumer thread only ----

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
        if (event != WAKEUP && event != GROUP_WAKE) {
            fetcher.handle(event);
        }
    }

    private void throwPendingError() {
        RuntimeException e = fetcher.takePendingError();
        if (e != null) {
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
