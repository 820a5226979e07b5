package io.tributary.broker.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.tributary.api.batch.Header;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.BatchData;
import io.tributary.api.v1.Compression;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.api.v1.Record;
import io.tributary.api.v1.RecordHeader;
import io.tributary.api.v1.RecordSet;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProduceFetchTest {
    private static EmbeddedCluster cluster;
    private static ManagedChannel channel;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = EmbeddedCluster.start(1);
        channel = cluster.channel(1);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    record Got(long offset, long timestamp, Record record, RecordBatch batch) {
    }

    private static List<Got> decode(PartitionData pd) {
        List<Got> out = new ArrayList<>();
        for (RecordBatch b : RecordBatch.iterate(pd.getRecords().asReadOnlyByteBuffer())) {
            b.ensureValid(Integer.MAX_VALUE);
            for (Record r : b.decodeRecords().getRecordsList()) {
                long offset = b.baseOffset() + r.getOffsetDelta();
                long ts = b.timestampType() == io.tributary.api.batch.TimestampType.LOG_APPEND_TIME
                        ? b.maxTimestamp() : b.firstTimestamp() + r.getTimestampDelta();
                if (offset >= pd.getFetchOffset()) {
                    out.add(new Got(offset, ts, r, b));
                }
            }
        }
        return out;
    }

    @Test
    void produceThenFetchRoundTripsKeysNullValuesHeadersAndTimestamps() throws Exception {
        cluster.createTopic("roundtrip", 1, 1);
        ByteBuffer batch = RecordBatchBuilder.create()
                .append(1_000L, utf8("k1"), utf8("v1"), List.of(new Header("trace", utf8("abc")), new Header("nullh", null)))
                .append(1_005L, null, null)
                .append(1_002L, new byte[0], utf8(""))
                .build();
        PartitionProduceResult r = TestClients.produce(channel, "roundtrip", 0, batch, 1);
        assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
        assertEquals(0, r.getBaseOffset());
        assertEquals(-1, r.getLogAppendTimeMs(), "CreateTime topic");

        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session("roundtrip", 0, 0).build())) {
            PartitionData pd = f.next(10_000).getPartitions(0);
            assertTrue(pd.getError().getCode().isEmpty());
            assertEquals(3, pd.getHighWatermark());
            List<Got> got = decode(pd);
            assertEquals(3, got.size());
            Record r0 = got.get(0).record();
            assertEquals(0, got.get(0).offset());
            assertEquals(1_000L, got.get(0).timestamp());
            assertArrayEquals(utf8("k1"), r0.getKey().toByteArray());
            assertArrayEquals(utf8("v1"), r0.getValue().toByteArray());
            assertEquals(List.of("trace", "nullh"), r0.getHeadersList().stream().map(RecordHeader::getKey).toList());
            assertArrayEquals(utf8("abc"), r0.getHeaders(0).getValue().toByteArray());
            assertFalse(r0.getHeaders(1).hasValue());
            assertFalse(got.get(1).record().hasKey());
            assertFalse(got.get(1).record().hasValue(), "a null value (tombstone) stays null");
            assertEquals(1_005L, got.get(1).timestamp());
            assertTrue(got.get(2).record().hasKey() && got.get(2).record().getKey().isEmpty(), "an empty key is not null");
            assertEquals(1_002L, got.get(2).timestamp());
            assertEquals(got.get(0).batch().leaderEpoch(), 0, "stored batches carry the leader epoch");
        }
    }

    @Test
    void logAppendTimeTopicsCarryTheBrokerClock() throws Exception {
        cluster.createTopic("append-time", 1, 1, Map.of("message.timestamp.type", "LogAppendTime"));
        long before = System.currentTimeMillis();
        PartitionProduceResult r = TestClients.produce(channel, "append-time", 0,
                RecordBatchBuilder.create().append(5L, null, utf8("x")).build(), 1);
        long after = System.currentTimeMillis();
        assertTrue(r.getLogAppendTimeMs() >= before && r.getLogAppendTimeMs() <= after, "append time " + r.getLogAppendTimeMs());
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session("append-time", 0, 0).build())) {
            List<Got> got = decode(f.next(10_000).getPartitions(0));
            assertEquals(r.getLogAppendTimeMs(), got.get(0).timestamp());
        }
    }

    @Test
    void aClientWithOnlyProtobufCanProduceABatchFieldByField() throws Exception {
        cluster.createTopic("protobuf-only", 1, 1);
        RecordSet records = RecordSet.newBuilder()
                .addRecords(Record.newBuilder().setKey(ByteString.copyFromUtf8("a")).setValue(ByteString.copyFromUtf8("1")))
                .addRecords(Record.newBuilder().setOffsetDelta(1).setTimestampDelta(3).setValue(ByteString.copyFromUtf8("2")))
                .build();
        PartitionProduceResult r = ProducerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .produceOnce(ProduceRequest.newBuilder().setAcks(-1).addPartitions(PartitionProduceData.newBuilder()
                        .setTopic("protobuf-only").setPartition(0).setBatch(BatchData.newBuilder()
                                .setRecordsBody(records.toByteString()).setCompression(Compression.COMPRESSION_NONE)
                                .setRecordCount(2).setFirstTimestamp(100).setMaxTimestamp(103))).build())
                .getPartitions(0);
        assertTrue(r.getError().getCode().isEmpty(), r.getError().toString());
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session("protobuf-only", 0, 0).build())) {
            List<Got> got = decode(f.next(10_000).getPartitions(0));
            assertEquals(2, got.size());
            assertEquals("2", got.get(1).record().getValue().toStringUtf8());
            assertEquals(103, got.get(1).timestamp());
        }
    }

    @Test
    void longPollFetchWakesWithinMillisecondsOfAProduce() throws Exception {
        cluster.createTopic("longpoll", 1, 1);
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session("longpoll", 0, 0)
                .setMaxWaitMs(20_000).build())) {
            Thread.sleep(300); // the session is now parked waiting for data
            assertTrue(f.received.isEmpty(), "no data, no response before max_wait_ms");
            List<Long> wakeMs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                TestClients.produce(channel, "longpoll", 0, RecordBatchBuilder.create().append(1L, null, utf8("p" + i)).build(), 1);
                FetchResponse resp = f.next(5_000);
                wakeMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                assertEquals("p" + i, decode(resp.getPartitions(0)).get(0).record().getValue().toStringUtf8());
                f.credit(1);
            }
            wakeMs.sort(null);
            long median = wakeMs.get(wakeMs.size() / 2);
            System.out.println("long-poll produce-to-fetch latency ms (sorted): " + wakeMs);
            // A parked session wakes on the append, not on its 20 s timer.
            assertTrue(median < 200, "median wake-up " + median + " ms");
        }
    }

    @Test
    void fetchRespectsPartitionAndResponseByteLimitsButAlwaysReturnsOneBatch() throws Exception {
        cluster.createTopic("limits", 1, 1);
        for (int i = 0; i < 10; i++) {
            TestClients.produce(channel, "limits", 0, RecordBatchBuilder.create().append(1L, null, new byte[1000]).build(), 1);
        }
        int batchSize = RecordBatchBuilder.create().append(1L, null, new byte[1000]).build().remaining();
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session("limits", 0, 0)
                .setMaxBytes(batchSize * 3 + 10).setInitialCredits(1).build())) {
            PartitionData pd = f.next(10_000).getPartitions(0);
            assertEquals(batchSize * 3, pd.getRecords().size(), "three whole batches fit the response limit");
            f.credit(1);
            PartitionData next = f.next(10_000).getPartitions(0);
            assertEquals(3, next.getFetchOffset(), "the session advanced past what it sent");
        }
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session("limits", 0, 0)
                .setMaxBytes(10).setInitialCredits(1).build())) {
            assertEquals(batchSize, f.next(10_000).getPartitions(0).getRecords().size(), "one batch even over the limit");
        }
    }

    @Test
    void creditsBoundHowManyResponsesArrive() throws Exception {
        cluster.createTopic("credits", 1, 1);
        try (TestClients.Fetcher f = new TestClients.Fetcher(channel, TestClients.Fetcher.session("credits", 0, 0)
                .setMaxBytes(100).setInitialCredits(2).build())) {
            for (int i = 0; i < 5; i++) {
                TestClients.produce(channel, "credits", 0, RecordBatchBuilder.create().append(1L, null, new byte[200]).build(), 1);
            }
            f.next(10_000);
            f.next(10_000);
            Thread.sleep(700);
            assertTrue(f.received.isEmpty(), "no third response without a third credit");
            f.credit(3);
            for (int i = 0; i < 3; i++) {
                assertEquals(1, decode(f.next(10_000).getPartitions(0)).size());
            }
        }
    }

    @Test
    void listOffsetsByEarliestLatestAndTimestamp() {
        cluster.createTopic("offsets", 1, 1);
        for (int i = 0; i < 5; i++) {
            TestClients.produce(channel, "offsets", 0, RecordBatchBuilder.create().append(1_000L * (i + 1), null, utf8("" + i)).build(), 1);
        }
        ListOffsetsResult earliest = listOffset("offsets", -2);
        ListOffsetsResult latest = listOffset("offsets", -1);
        ListOffsetsResult byTime = listOffset("offsets", 2_500);
        ListOffsetsResult future = listOffset("offsets", 9_999);
        assertEquals(0, earliest.getOffset());
        assertEquals(5, latest.getOffset());
        assertEquals(2, byTime.getOffset());
        assertEquals(3_000, byTime.getTimestamp());
        assertEquals(-1, future.getOffset());
        assertEquals(5, latest.getHighWatermark());
    }

    private static ListOffsetsResult listOffset(String topic, long ts) {
        return MetadataGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition.newBuilder()
                        .setTopic(topic).setPartition(0).setTimestamp(ts)).build()).getPartitions(0);
    }
}
