package io.tributary.client.producer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.util.DaemonThreads;
import io.tributary.client.Cluster;
import io.tributary.client.PartitionInfo;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Instances;
import io.tributary.client.internal.MetadataManager;
import io.tributary.client.metrics.ClientMetrics;
import io.tributary.client.serialization.Serializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes records to a Tributary cluster.
 *
 * <p>{@link #send} serializes the record, picks its partition, and appends it to a per-partition batch in a
 * bounded {@link RecordAccumulator}; one background {@link Sender} thread ships batches to partition leaders
 * and settles the returned futures and callbacks. send() blocks only for metadata of a new topic or for
 * {@code buffer.memory}, each at most {@code max.block.ms}.
 *
 * <p>Idempotent by default ({@code enable.idempotence}): the sender asks a broker for a producer id before its first
 * batch, stamps id, epoch and a per-partition sequence on each batch when it is first sent, and resends the same
 * bytes on every retry, so the partition leader drops repeats and refuses gaps (see {@link IdempotenceManager}).
 *
 * <p>Thread-safe: share one producer among threads; that batches better than one producer per thread.
 *
 * <pre>{@code
 * try (var producer = new TributaryProducer<>(ProducerConfig.builder().bootstrapServers("127.0.0.1:9092").build(),
 *         new StringSerializer(), new StringSerializer())) {
 *     producer.send(new ProducerRecord<>("orders", "key", "value"), (md, e) -> ...);
 * }
 * }</pre>
 */
public final class TributaryProducer<K, V> implements AutoCloseable {
    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger(1);

    private final ProducerConfig config;
    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final Partitioner partitioner;
    private final ChannelPool channels;
    private final MetadataManager metadata;
    private final RecordAccumulator accumulator;
    private final Sender sender;
    private final ProducerMetrics metrics;
    private final Thread senderThread;
    private final long maxBlockMs;
    private final int maxRequestSizeBytes;
    private final ConcurrentHashMap<String, TopicPartition[]> topicPartitions = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    public TributaryProducer(Properties props) {
        this(new ProducerConfig(props), null, null);
    }

    public TributaryProducer(Map<String, ?> props) {
        this(new ProducerConfig(props), null, null);
    }

    public TributaryProducer(Properties props, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(new ProducerConfig(props), keySerializer, valueSerializer);
    }

    public TributaryProducer(ProducerConfig config, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(config, keySerializer, valueSerializer, (ProducerTransport) null);
    }

    /** With an explicit transport (tests); null means gRPC. */
    TributaryProducer(ProducerConfig config, Serializer<K> keySerializer, Serializer<V> valueSerializer, ProducerTransport transport) {
        this(config, keySerializer, valueSerializer, transport == null ? null : channels -> transport);
    }

    /** With a transport built on the producer's channels (tests wrap gRPC calls, e.g. to drop responses); null means gRPC. */
    TributaryProducer(ProducerConfig config, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                      java.util.function.Function<ChannelPool, ProducerTransport> transportFactory) {
        this.config = config;
        this.keySerializer = keySerializer != null ? keySerializer
                : Instances.create(config.getString(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG), Serializer.class, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        this.valueSerializer = valueSerializer != null ? valueSerializer
                : Instances.create(config.getString(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG), Serializer.class, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        String partitionerClass = config.getString(ProducerConfig.PARTITIONER_CLASS_CONFIG);
        this.partitioner = partitionerClass == null
                ? new DefaultPartitioner(config.getBoolean(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG))
                : Instances.create(partitionerClass, Partitioner.class, ProducerConfig.PARTITIONER_CLASS_CONFIG);
        this.maxBlockMs = config.maxBlockMs();
        this.maxRequestSizeBytes = config.maxRequestSizeBytes();
        String clientId = config.clientId().isEmpty() ? "producer-" + CLIENT_SEQUENCE.getAndIncrement() : config.clientId();
        // Responses are small; a generous inbound bound still caps what a misbehaving broker can make us buffer.
        this.channels = new ChannelPool(16 * 1024 * 1024, clientId, config.tls(), config.sasl(), config.requestTimeoutMs());
        this.metadata = new MetadataManager(channels, config.bootstrapServers(), config.requestTimeoutMs(), config.retryBackoffMs(),
                config.reconnectBackoff(), config.metadataMaxAgeMs(), true);
        this.accumulator = new RecordAccumulator(config.batchSizeBytes(), config.bufferMemoryBytes(), config.lingerMs(),
                config.retryBackoffMs(), config.deliveryTimeoutMs(), config.compression());
        IdempotenceManager idempotence = config.idempotenceEnabled()
                ? new IdempotenceManager(config.maxInFlightRequestsPerConnection(), config.retryBackoffMs()) : null;
        this.metrics = new ProducerMetrics(clientId, accumulator.memory());
        this.sender = new Sender(accumulator, metadata,
                transportFactory != null ? transportFactory.apply(channels) : new GrpcProducerTransport(channels),
                config.acks(), config.retries(), config.maxInFlightRequestsPerConnection(), maxRequestSizeBytes,
                config.requestTimeoutMs(), clientId, idempotence, metrics);
        this.senderThread = DaemonThreads.named("tributary-producer-network-thread | " + clientId).newThread(sender);
        senderThread.start();
    }

    public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    /**
     * Sends asynchronously. Failures to wait for metadata or memory in time (and records over
     * {@code max.request.size}) are reported through the returned future and the callback, as are all delivery
     * failures; serialization errors and use after close are thrown.
     *
     * @return a future completed when the record is acknowledged (or with acks=0, sent)
     */
    public Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
        if (closed.get()) {
            throw new IllegalStateException("cannot send after the producer is closed");
        }
        try {
            return doSend(record, callback);
        } catch (TributaryException e) {
            metrics.failed(1);
            if (callback != null) {
                callback.onCompletion(null, e);
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    private Future<RecordMetadata> doSend(ProducerRecord<K, V> record, Callback callback) {
        TributaryException fatal = sender.idempotenceFatalError();
        if (fatal != null) {
            throw fatal;
        }
        // One clock read per record unless metadata has to be fetched: the profile of the perf tool showed the clock
        // reads (four per record before) at 7% of its CPU.
        long nowMs = System.currentTimeMillis();
        long remainingMs = maxBlockMs;
        Cluster cluster = metadata.cachedWithTopic(record.topic());
        if (cluster == null) {
            cluster = metadata.awaitTopic(record.topic(), maxBlockMs);
            long afterMs = System.currentTimeMillis();
            remainingMs = Math.max(0, maxBlockMs - (afterMs - nowMs));
            nowMs = afterMs;
        }
        byte[] keyBytes = keySerializer.serialize(record.topic(), record.key());
        byte[] valueBytes = valueSerializer.serialize(record.topic(), record.value());
        int size = RecordAccumulator.estimateRecordSizeBytes(keyBytes, valueBytes, record.headers());
        if (size > maxRequestSizeBytes) {
            throw new TributaryException(ErrorCode.MESSAGE_TOO_LARGE, "the record is " + size
                    + " bytes when serialized, larger than max.request.size " + maxRequestSizeBytes + " bytes");
        }
        if (size > config.bufferMemoryBytes()) {
            throw new TributaryException(ErrorCode.MESSAGE_TOO_LARGE, "the record is " + size
                    + " bytes when serialized, larger than buffer.memory " + config.bufferMemoryBytes() + " bytes");
        }
        long timestampMs = record.timestampMs() != null ? record.timestampMs() : nowMs;
        int partition = partition(record, keyBytes, valueBytes, cluster);
        TopicPartition tp = topicPartition(record.topic(), partition);
        boolean abortOnNewBatch = record.partition() == null;
        RecordAccumulator.AppendResult result = accumulator.append(tp, timestampMs, keyBytes, valueBytes, record.headers(),
                callback, remainingMs, abortOnNewBatch, nowMs);
        if (result.abortedForNewBatch()) {
            partitioner.onNewBatch(record.topic(), cluster, partition);
            partition = partition(record, keyBytes, valueBytes, cluster);
            tp = topicPartition(record.topic(), partition);
            long retryMs = System.currentTimeMillis();
            remainingMs = Math.max(0, remainingMs - (retryMs - nowMs));
            result = accumulator.append(tp, timestampMs, keyBytes, valueBytes, record.headers(), callback, remainingMs, false,
                    retryMs);
        }
        if (result.batchIsFull() || result.newBatchCreated()) {
            sender.wakeup();
        }
        return result.future();
    }

    /**
     * The interned TopicPartition: send() would otherwise allocate one per record. Races only ever store equal
     * objects, so plain array writes are enough.
     */
    private TopicPartition topicPartition(String topic, int partition) {
        TopicPartition[] known = topicPartitions.get(topic);
        if (known == null || partition >= known.length) {
            TopicPartition[] grown = new TopicPartition[partition + 1];
            if (known != null) {
                System.arraycopy(known, 0, grown, 0, known.length);
            }
            topicPartitions.put(topic, grown);
            known = grown;
        }
        TopicPartition tp = known[partition];
        if (tp == null) {
            tp = new TopicPartition(topic, partition);
            known[partition] = tp;
        }
        return tp;
    }

    private int partition(ProducerRecord<K, V> record, byte[] keyBytes, byte[] valueBytes, Cluster cluster) {
        int count = cluster.partitionsForTopic(record.topic()).size();
        if (record.partition() != null) {
            if (record.partition() >= count) {
                throw new TributaryException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + record.partition()
                        + " of topic " + record.topic() + " does not exist (it has " + count + ")");
            }
            return record.partition();
        }
        int p = partitioner.partition(record.topic(), record.key(), keyBytes, record.value(), valueBytes, cluster);
        if (p < 0 || p >= count) {
            throw new IllegalArgumentException("partitioner returned partition " + p + " for topic " + record.topic()
                    + " with " + count + " partitions");
        }
        return p;
    }

    /** Sends everything buffered now, and waits until every record sent before this call has its outcome. */
    public void flush() {
        accumulator.beginFlush();
        sender.wakeup();
        accumulator.awaitFlushCompletion();
    }

    /** The topic's partitions, waiting up to {@code max.block.ms} for metadata. */
    public List<PartitionInfo> partitionsFor(String topic) {
        return metadata.awaitTopic(topic, maxBlockMs).partitionsForTopic(topic);
    }

    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Stops accepting sends, waits up to {@code timeout} for everything buffered to be sent and acknowledged,
     * then fails whatever is left and releases the connections.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return; // closed already, or closing on another thread (e.g. a shutdown hook)
        }
        long timeoutMs = timeout.toMillis() < 0 ? 0 : timeout.toMillis();
        accumulator.close();
        sender.initiateClose();
        try {
            senderThread.join(timeoutMs == Long.MAX_VALUE ? 0 : Math.max(1, timeoutMs));
            if (senderThread.isAlive()) {
                sender.forceClose();
                senderThread.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            sender.forceClose();
            Thread.currentThread().interrupt();
        } finally {
            partitioner.close();
            keySerializer.close();
            valueSerializer.close();
            channels.close(1_000);
            metrics.view().close();
        }
    }

    /**
     * The producer's metrics ({@code tributary_producer_*}, labelled with its {@code client.id}), to register with the
     * application's Prometheus registry or to read directly. The same object for the producer's life; closing the
     * producer unregisters it from every registry, its values stay readable.
     */
    public ClientMetrics metrics() {
        return metrics.view();
    }

    /** The live metadata snapshot (for tools and tests). */
    public Cluster cluster() {
        return metadata.cluster();
    }
}
