package io.tributary.client.consumer;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.BrokerNode;
import io.tributary.api.v1.ConsumerGrpc;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.TopicMetadata;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer's side of the fetch protocol against a scripted broker on loopback: what it asks for, and what it
 * does with data it must not trust (a bad CRC) or no longer wants (a stale fetch_offset).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsumerFetchProtocolTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private Server server;
    private final BlockingQueue<FetchRequest> received = new LinkedBlockingQueue<>();
    private volatile StreamObserver<FetchResponse> responses;

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new MetadataGrpc.MetadataImplBase() {
                    @Override
                    public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> out) {
                        out.onNext(MetadataResponse.newBuilder().setClusterId("fake").setControllerId(1)
                                .addBrokers(BrokerNode.newBuilder().setId(1).setHost("127.0.0.1").setPort(server.getPort()))
                                .addTopics(TopicMetadata.newBuilder().setName("t").addPartitions(PartitionMetadata.newBuilder()
                                        .setPartition(0).setLeaderId(1).addReplicas(1).addIsr(1))).build());
                        out.onCompleted();
                    }

                    @Override
                    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> out) {
                        out.onNext(ListOffsetsResponse.newBuilder().addPartitions(ListOffsetsResult.newBuilder().setTopic("t")
                                .setPartition(0).setOffset(request.getPartitions(0).getTimestamp() == -2 ? 0 : 10)).build());
                        out.onCompleted();
                    }
                })
                .addService(new ConsumerGrpc.ConsumerImplBase() {
                    @Override
                    public StreamObserver<FetchRequest> fetch(StreamObserver<FetchResponse> out) {
                        responses = out;
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(FetchRequest value) {
                                received.add(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                                out.onCompleted();
                            }
                        };
                    }
                })
                .build().start();
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private TributaryConsumer<String, String> consumer() {
        return new TributaryConsumer<>(ConsumerConfig.builder().bootstrapServers("127.0.0.1:" + server.getPort())
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).set("fetch.credits", 3).build(),
                new StringDeserializer(), new StringDeserializer());
    }

    private static ByteBuffer batch(long baseOffset, String... values) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (String v : values) {
            b.append(1_000, null, v.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer bytes = b.build();
        RecordBatch.wrap(bytes).setBaseOffset(baseOffset);
        return bytes;
    }

    private static FetchResponse data(long fetchOffset, ByteBuffer records) {
        return FetchResponse.newBuilder().addPartitions(PartitionData.newBuilder().setTopic("t").setPartition(0)
                .setFetchOffset(fetchOffset).setHighWatermark(100).setRecords(ByteString.copyFrom(records))).build();
    }

    private FetchRequest openAndAwaitSession(TributaryConsumer<String, String> consumer) throws InterruptedException {
        consumer.assign(List.of(TP));
        assertTrue(consumer.poll(Duration.ofMillis(200)).isEmpty());
        FetchRequest open = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(open, "the consumer opens a fetch session");
        return open;
    }

    @Test
    void sessionOpensWithPositionsLimitsAndPipelinedCredits() throws Exception {
        try (TributaryConsumer<String, String> consumer = consumer()) {
            FetchRequest open = openAndAwaitSession(consumer);
            assertTrue(open.hasOpen());
            assertEquals(3, open.getOpen().getInitialCredits(), "fetch.credits responses may be in flight at once");
            assertEquals(0, open.getOpen().getPartitions(0).getFetchOffset());
            assertEquals(52_428_800, open.getOpen().getMaxBytes());
            responses.onNext(data(0, batch(0, "a", "b")));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (values.size() < 2 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            assertEquals(List.of("a", "b"), values);
            FetchRequest credit = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(credit);
            assertEquals(1, credit.getCredit().getResponses(), "each consumed response is granted back");
        }
    }

    @Test
    void recordsBeforeTheFetchOffsetInTheFirstBatchAreSkipped() throws Exception {
        try (TributaryConsumer<String, String> consumer = consumer()) {
            openAndAwaitSession(consumer);
            consumer.seek(TP, 1);
            FetchRequest seek = received.poll(10, TimeUnit.SECONDS);
            assertEquals(1, seek.getPositions().getSet(0).getFetchOffset(), "seek moves the broker's position");
            responses.onNext(data(1, batch(0, "a", "b", "c")));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            long deadline = System.currentTimeMillis() + 10_000;
            while (records.isEmpty() && System.currentTimeMillis() < deadline) {
                records = consumer.poll(Duration.ofMillis(200));
            }
            assertEquals(1, records.iterator().next().offset());
            assertEquals(2, records.count());
        }
    }

    @Test
    void dataForAPositionLeftBySeekIsDropped() throws Exception {
        try (TributaryConsumer<String, String> consumer = consumer()) {
            openAndAwaitSession(consumer);
            consumer.seek(TP, 5);
            responses.onNext(data(0, batch(0, "stale")));
            assertTrue(consumer.poll(Duration.ofMillis(500)).isEmpty(), "fetch_offset 0 no longer matches position 5");
            responses.onNext(data(5, batch(5, "fresh")));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            long deadline = System.currentTimeMillis() + 10_000;
            while (records.isEmpty() && System.currentTimeMillis() < deadline) {
                records = consumer.poll(Duration.ofMillis(200));
            }
            assertEquals("fresh", records.iterator().next().value());
        }
    }

    @Test
    void batchWithABadCrcIsRejectedNotDelivered() throws Exception {
        try (TributaryConsumer<String, String> consumer = consumer()) {
            openAndAwaitSession(consumer);
            ByteBuffer corrupt = batch(0, "tampered");
            corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 0x40));
            responses.onNext(data(0, corrupt));
            TributaryException e = null;
            long deadline = System.currentTimeMillis() + 10_000;
            while (e == null && System.currentTimeMillis() < deadline) {
                try {
                    assertTrue(consumer.poll(Duration.ofMillis(200)).isEmpty(), "corrupt records are never handed out");
                } catch (TributaryException thrown) {
                    e = thrown;
                }
            }
            assertNotNull(e);
            assertEquals(ErrorCode.CORRUPT_MESSAGE, e.error());
            assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
            assertEquals(0, consumer.position(TP), "the position stays before the corrupt batch");
        }
    }
}
