package io.tributary.client.producer;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProduceResponse;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.client.admin.PartitionDescription;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.config.ProducerConfig;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.serialization.StringDeserializer;
import io.tributary.client.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idempotent producer against three real brokers: responses are dropped (the requests reach the broker and are
 * written) so that every batch is retried at least once, with up to 5 requests in flight, and leaders fail over and
 * restart under it. Every record must be acknowledged once, read once, and in send order within its partition.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class IdempotentProducerIntegrationTest {
    private static final int PARTITIONS = 3;
    private EmbeddedCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 3, Map.of());
    }

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * Swallows the first response to every produce request that carries a batch not seen before, identified by
     * partition, producer id, epoch and base sequence: the broker has written the batch, the producer never hears so,
     * times out (request.timeout.ms) and sends the same batch again. Also counts sends per batch and the most
     * requests outstanding on one stream.
     */
    static final class ResponseDropper implements ClientInterceptor {
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final Map<String, AtomicInteger> sendsPerBatch = new ConcurrentHashMap<>();
        /** Per batch, the brokers (host:port) it was sent to. */
        final Map<String, Set<String>> brokersPerBatch = new ConcurrentHashMap<>();
        final Set<Long> toDrop = ConcurrentHashMap.newKeySet();
        final AtomicInteger dropped = new AtomicInteger();
        final AtomicInteger maxOutstanding = new AtomicInteger();
        volatile boolean enabled = true;

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            if (!method.getFullMethodName().equals(ProducerGrpc.getProduceMethod().getFullMethodName())) {
                return next.newCall(method, options);
            }
            AtomicInteger outstanding = new AtomicInteger();
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(R message) {
                            outstanding.decrementAndGet();
                            if (toDrop.remove(((ProduceResponse) message).getCorrelationId())) {
                                dropped.incrementAndGet();
                                return;
                            }
                            super.onMessage(message);
                        }
                    }, headers);
                }

                @Override
                public void sendMessage(Q message) {
                    ProduceRequest request = (ProduceRequest) message;
                    boolean fresh = false;
                    for (PartitionProduceData p : request.getPartitionsList()) {
                        RecordBatch b = RecordBatch.wrap(p.getRecords().asReadOnlyByteBuffer());
                        String key = p.getTopic() + "-" + p.getPartition() + "/" + b.producerId() + "/" + b.producerEpoch() + "/" + b.baseSequence();
                        sendsPerBatch.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                        brokersPerBatch.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(next.authority());
                        fresh |= seen.add(key);
                    }
                    if (fresh && enabled) {
                        toDrop.add(request.getCorrelationId());
                    }
                    maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
                    super.sendMessage(message);
                }
            };
        }
    }

    private TributaryProducer<String, String> producer(ResponseDropper dropper, Map<String, Object> extra) {
        ProducerConfig.Builder b = ProducerConfig.builder().bootstrapServers(cluster.bootstrap())
                .enableIdempotence(true).acks("all").maxInFlightRequestsPerConnection(5)
                .lingerMs(5).batchSizeBytes(512).retryBackoffMs(50).deliveryTimeoutMs(180_000);
        extra.forEach(b::set);
        return new TributaryProducer<>(b.build(), new StringSerializer(), new StringSerializer(),
                channels -> new GrpcProducerTransport(channels, dropper));
    }

    /** What the callbacks saw: per record, how many callbacks, the offset, and any error. */
    private static final class Acks {
        final AtomicIntegerArray callbacks;
        final AtomicLongArray offsets;
        final AtomicReferenceArray<Exception> errors;

        Acks(int n) {
            callbacks = new AtomicIntegerArray(n);
            offsets = new AtomicLongArray(n);
            errors = new AtomicReferenceArray<>(n);
        }

        Callback callback(int i) {
            return (md, e) -> {
                callbacks.incrementAndGet(i);
                if (e != null) {
                    errors.set(i, e);
                } else {
                    offsets.set(i, md.offset());
                }
            };
        }

        /** Every record acknowledged exactly once, and offsets rising in send order within each partition. */
        void assertEachAckedOnceInOrder(int n) {
            long[] previous = new long[PARTITIONS];
            java.util.Arrays.fill(previous, -1);
            for (int i = 0; i < n; i++) {
                assertEquals(1, callbacks.get(i), "record " + i + " got exactly one callback");
                assertEquals(null, errors.get(i), "record " + i + " was acknowledged");
                int p = i % PARTITIONS;
                assertTrue(offsets.get(i) > previous[p], "record " + i + ": offsets rise in send order in partition " + p);
                previous[p] = offsets.get(i);
            }
        }
    }

    /** Reads every partition from the start; checks no value twice and per-partition order; returns the count. */
    private int consumeAndCheck(String topic, int expected) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        Set<String> values = new HashSet<>();
        Map<Integer, Integer> lastPerPartition = new HashMap<>();
        int read = 0;
        int duplicates = 0;
        int reordered = 0;
        ConsumerConfig config = ConsumerConfig.builder().bootstrapServers(cluster.bootstrap()).requestTimeoutMs(10_000)
                .fetchMaxWaitMs(100).autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build();
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.currentTimeMillis() + 60_000;
            while (read < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    read++;
                    if (!values.add(r.value())) {
                        duplicates++;
                    }
                    int seq = Integer.parseInt(r.value());
                    assertEquals(seq % PARTITIONS, r.partition(), "record " + seq + " in its partition");
                    Integer last = lastPerPartition.put(r.partition(), seq);
                    if (last != null && seq <= last) {
                        reordered++;
                    }
                }
            }
            // Anything more than expected would be a duplicate: look a little longer.
            for (int i = 0; i < 3; i++) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
                    read++;
                    if (!values.add(r.value())) {
                        duplicates++;
                    }
                }
            }
        }
        System.out.printf("idempotence %s: acked %d, consumed %d, lost %d, duplicates %d, reordered %d%n", topic, expected, read,
                expected - values.size(), duplicates, reordered);
        assertEquals(0, duplicates, "duplicates");
        assertEquals(0, reordered, "records out of send order within a partition");
        assertEquals(expected, values.size(), "every acknowledged record is in the log");
        assertEquals(expected, read, "every record read exactly once");
        return read;
    }

    @Test
    void droppedResponsesRetryEveryBatchYetEachRecordIsWrittenOnceAndInOrder() throws Exception {
        String topic = "dropped-responses";
        cluster.createTopic(topic, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersKnown(topic, PARTITIONS);
        ResponseDropper dropper = new ResponseDropper();
        int n = 1_500;
        Acks acks = new Acks(n);
        try (TributaryProducer<String, String> producer = producer(dropper, Map.of("request.timeout.ms", 1_500))) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, Integer.toString(i)), acks.callback(i));
            }
            producer.flush();
        }
        acks.assertEachAckedOnceInOrder(n);
        assertTrue(dropper.dropped.get() > 0, "responses were dropped");
        dropper.sendsPerBatch.forEach((batch, sends) -> assertTrue(sends.get() >= 2, "batch " + batch + " was retried: sent " + sends));
        System.out.printf("dropped %d responses of %d batches; at most %d requests outstanding on one stream%n",
                dropper.dropped.get(), dropper.sendsPerBatch.size(), dropper.maxOutstanding.get());
        assertTrue(dropper.maxOutstanding.get() > 1, "requests were pipelined (max.in.flight.requests.per.connection=5)");
        assertTrue(dropper.maxOutstanding.get() <= 5, "never more than 5 in flight on a connection: " + dropper.maxOutstanding.get());
        consumeAndCheck(topic, n);
    }

    @Test
    void failedOverAndRestartedLeadersStillDeduplicate() throws Exception {
        String topic = "failover";
        cluster.createTopic(topic, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersKnown(topic, PARTITIONS);
        ResponseDropper dropper = new ResponseDropper();
        int n = 3_000;
        Acks acks = new Acks(n);
        AtomicInteger sent = new AtomicInteger();
        try (TributaryProducer<String, String> producer = producer(dropper, Map.of("request.timeout.ms", 2_000));
             TributaryAdmin admin = new TributaryAdmin(Map.of("bootstrap.servers", cluster.bootstrap(), "request.timeout.ms", 5_000))) {
            Thread sending = new Thread(() -> {
                for (int i = 0; i < n; i++) {
                    producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, Integer.toString(i)), acks.callback(i));
                    sent.incrementAndGet();
                    if (i % 20 == 0) {
                        sleep(5);
                    }
                }
            }, "idempotence-it-sender");
            sending.start();
            awaitSent(sent, n / 4);
            int first = cluster.leaderOf(topic, 0);
            cluster.stopBroker(first); // the leader goes away mid-production: the others take over with its producer state
            cluster.awaitCondition(() -> cluster.leaderOf(topic, 0) > 0 && cluster.leaderOf(topic, 0) != first, 30_000, "a new leader");
            awaitSent(sent, n / 2);
            cluster.startBroker(first); // recovers producer state from its log and snapshots
            cluster.awaitCondition(() -> fullIsr(admin, topic), 60_000, "the restarted broker back in every ISR");
            int second = cluster.leaderOf(topic, 0);
            cluster.stopBroker(second); // leadership may now move to the restarted broker
            cluster.awaitCondition(() -> cluster.leaderOf(topic, 0) > 0 && cluster.leaderOf(topic, 0) != second, 30_000, "another leader");
            sending.join(120_000);
            producer.flush();
            cluster.startBroker(second);
        }
        assertEquals(n, sent.get());
        acks.assertEachAckedOnceInOrder(n);
        dropper.sendsPerBatch.forEach((batch, sends) -> assertTrue(sends.get() >= 2, "batch " + batch + " was retried: sent " + sends));
        long movedBatches = dropper.brokersPerBatch.values().stream().filter(b -> b.size() > 1).count();
        System.out.printf("failover: %d batches, %d of them sent to more than one broker (retried at a new leader)%n",
                dropper.brokersPerBatch.size(), movedBatches);
        assertTrue(movedBatches > 0, "some batch written at one leader was retried at another, which had to deduplicate it");
        consumeAndCheck(topic, n);
    }

    private static boolean fullIsr(TributaryAdmin admin, String topic) {
        try {
            for (PartitionDescription p : admin.describeTopics(List.of(topic)).get(topic).partitions()) {
                if (p.isr().size() < 3) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void awaitSent(AtomicInteger sent, int atLeast) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (sent.get() < atLeast && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
