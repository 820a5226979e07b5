package io.tributary.broker.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.ConsumerGrpc;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile and broken input: each gets its named error, nothing is appended, and the broker keeps serving. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BadInputTest {
    private static final String TOPIC = "victim";
    private static EmbeddedCluster cluster;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        cluster = EmbeddedCluster.start(1, 1, Map.of("message.max.bytes", 10_000));
        channel = cluster.channel(1);
        cluster.createTopic(TOPIC, 2, 1);
        assertOk(TestClients.produce(channel, TOPIC, 0, good(), 1));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ByteBuffer good() {
        return RecordBatchBuilder.create().append(1L, null, "ok".getBytes()).build();
    }

    private static void assertOk(PartitionProduceResult r) {
        assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
    }

    private static long logEnd() {
        return MetadataGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition.newBuilder()
                        .setTopic(TOPIC).setPartition(0).setTimestamp(-1)).build()).getPartitions(0).getLogEndOffset();
    }

    private static void assertRejected(String expectedCode, String topic, int partition, ByteBuffer batch) {
        long before = logEnd();
        PartitionProduceResult r = TestClients.produce(channel, topic, partition, batch, 1);
        assertEquals(expectedCode, r.getError().getCode(), r.getError().getMessage());
        assertTrue(!r.getError().getMessage().isBlank(), "a message a person can act on");
        assertEquals(-1, r.getBaseOffset());
        assertEquals(before, logEnd(), "nothing appended");
        // And the broker still serves good requests.
        assertOk(TestClients.produce(channel, TOPIC, 1, good(), 1));
    }

    @Test
    void unknownTopicIsUnknownTopicOrPartition() {
        assertRejected("UNKNOWN_TOPIC_OR_PARTITION", "no-such-topic", 0, good());
    }

    @Test
    void partitionOutOfRangeIsUnknownTopicOrPartition() {
        assertRejected("UNKNOWN_TOPIC_OR_PARTITION", TOPIC, 7, good());
        assertRejected("UNKNOWN_TOPIC_OR_PARTITION", TOPIC, -1, good());
    }

    @Test
    void invalidTopicNamesAreInvalidTopicException() {
        assertRejected("INVALID_TOPIC_EXCEPTION", "bad/name", 0, good());
        assertRejected("INVALID_TOPIC_EXCEPTION", "..", 0, good());
        assertRejected("INVALID_TOPIC_EXCEPTION", "x".repeat(250), 0, good());
    }

    @Test
    void corruptCrcIsCorruptMessage() {
        ByteBuffer b = good();
        b.put(b.limit() - 1, (byte) (b.get(b.limit() - 1) ^ 0x01));
        assertRejected("CORRUPT_MESSAGE", TOPIC, 0, b);
    }

    @Test
    void truncatedOrGarbageBatchBytesAreCorruptMessage() {
        ByteBuffer b = good();
        assertRejected("CORRUPT_MESSAGE", TOPIC, 0, b.limit(b.limit() - 3));
        byte[] garbage = new byte[200];
        new Random(1).nextBytes(garbage);
        assertRejected("CORRUPT_MESSAGE", TOPIC, 0, ByteBuffer.wrap(garbage));
    }

    @Test
    void nonZeroProducerBaseOffsetIsInvalidRecord() {
        ByteBuffer b = good();
        RecordBatch.wrap(b).setBaseOffset(42);
        assertRejected("INVALID_RECORD", TOPIC, 0, b);
    }

    @Test
    void oversizedBatchIsMessageTooLarge() {
        assertRejected("MESSAGE_TOO_LARGE", TOPIC, 0, RecordBatchBuilder.create().append(1L, null, new byte[20_000]).build());
    }

    @Test
    void acksOfTwoFailsTheCallWithInvalidArgument() throws Exception {
        long before = logEnd();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ProducerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .produceOnce(ProduceRequest.newBuilder().setAcks(2).addPartitions(PartitionProduceData.newBuilder()
                        .setTopic(TOPIC).setPartition(0).setRecords(ByteString.copyFrom(good()))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("INVALID_REQUIRED_ACKS", ClusterServingTest.reason(e));
        assertEquals(before, logEnd());
    }

    @Test
    void negativeOffsetsAreRejectedAsInvalidRequests() throws Exception {
        StatusRuntimeException listed = assertThrows(StatusRuntimeException.class, () -> {
            var r = MetadataGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listOffsets(ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition.newBuilder()
                            .setTopic(TOPIC).setPartition(0).setTimestamp(-7)).build()).getPartitions(0);
            throw new StatusRuntimeException(Status.INVALID_ARGUMENT.withDescription(r.getError().getCode()));
        });
        assertTrue(listed.getStatus().getDescription().contains("INVALID_REQUEST"), listed.getStatus().toString());

        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session(TOPIC, 0, -5).build())) {
            Object o = f.received.poll(10, TimeUnit.SECONDS);
            assertTrue(o instanceof StatusRuntimeException, "expected the stream to fail, got " + o);
            StatusRuntimeException e = (StatusRuntimeException) o;
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertEquals("INVALID_REQUEST", ClusterServingTest.reason(e));
        }
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session(TOPIC, 0, 999).build())) {
            var pd = f.next(10_000).getPartitions(0);
            assertEquals("OFFSET_OUT_OF_RANGE", pd.getError().getCode());
            assertEquals(0, pd.getLogStartOffset());
            assertTrue(pd.getLogEndOffset() >= 1, "the valid range travels with the error");
        }
    }

    @Test
    void aFetchSessionOpenedWithoutInitialCreditsFailsAtOnceNamingTheField() throws Exception {
        // A new-language client that forgets the field must hear why, not wait for a response that needs a credit.
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session(TOPIC, 0, 0)
                .clearInitialCredits().build())) {
            Object o = f.received.poll(10, TimeUnit.SECONDS);
            StatusRuntimeException e = assertInstanceOf(StatusRuntimeException.class, o, "expected the stream to fail, got " + o);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("initial_credits must be in [1, "), e.getStatus().toString());
        }
    }

    @Test
    void garbageBytesOnTheGrpcPortDoNotHurtTheBroker() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), cluster.port(1))) {
                s.setSoTimeout(2_000);
                OutputStream out = s.getOutputStream();
                byte[] junk = new byte[1 + random.nextInt(4096)];
                random.nextBytes(junk);
                if (i % 2 == 0) {
                    // A valid HTTP/2 preface followed by junk frames.
                    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes());
                }
                out.write(junk);
                out.flush();
                s.getInputStream().read(new byte[1024]);
            } catch (java.io.IOException expected) {
                // The broker closes such connections; that is the point.
            }
        }
        assertOk(TestClients.produce(channel, TOPIC, 0, good(), 1));
    }

    @Test
    void aClientOpeningAThousandStreamsThatNeverReadsDoesNotStarveOthers() throws Exception {
        for (int i = 0; i < 50; i++) {
            assertOk(TestClients.produce(channel, TOPIC, 0, RecordBatchBuilder.create().append(1L, null, new byte[5_000]).build(), 1));
        }
        ManagedChannel greedy = NettyChannelBuilder.forAddress("127.0.0.1", cluster.port(1)).usePlaintext().build();
        List<StreamObserver<FetchRequest>> streams = new ArrayList<>();
        try {
            for (int i = 0; i < 1_000; i++) {
                streams.add(ConsumerGrpc.newStub(greedy).fetch(new ClientResponseObserver<FetchRequest, FetchResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<FetchRequest> requestStream) {
                        requestStream.disableAutoRequestWithInitial(0); // never read a single response
                    }

                    @Override
                    public void onNext(FetchResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
                streams.get(i).onNext(FetchRequest.newBuilder().setOpen(TestClients.Fetcher.session(TOPIC, 0, 0)
                        .setInitialCredits(64).setMaxBytes(1 << 20).build()).build());
            }
            Thread.sleep(2_000);
            // Another client is served normally meanwhile.
            long start = System.nanoTime();
            assertOk(TestClients.produce(channel, TOPIC, 1, good(), 1));
            try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session(TOPIC, 0, 0).build())) {
                assertTrue(f.next(10_000).getPartitions(0).getRecords().size() > 0);
            }
            System.out.printf("produce + fetch by a polite client took %d ms beside 1000 stalled streams%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } finally {
            greedy.shutdownNow();
            greedy.awaitTermination(10, TimeUnit.SECONDS);
        }
        assertOk(TestClients.produce(channel, TOPIC, 0, good(), 1));
    }
}
