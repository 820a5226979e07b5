package io.tributary.broker.fetch;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.FetchCredit;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionPosition;
import io.tributary.broker.common.StreamHandler;
import io.tributary.broker.common.StreamSink;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.RequestMetrics;
import io.tributary.broker.metrics.TopicTraffic;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.PartitionRole;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.Authorizer;
import io.tributary.broker.security.RequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fetch session driven the way any front door drives it, through {@link StreamHandler} and {@link StreamSink},
 * on one broker's real logs and partition roles but with no cluster, ZooKeeper or gRPC.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FetchSessionTest {
    private static final TopicPartition TP = new TopicPartition("events", 0);
    private static final long WAIT_MS = 10_000;

    @TempDir
    Path dir;
    private LogManager logs;
    private PartitionManager partitions;
    private FetchSessions sessions;

    /** A sink that records what the session sends and can be made not ready, as a slow reader's transport is. */
    private static final class RecordingSink implements StreamSink<FetchResponse> {
        final BlockingQueue<FetchResponse> sent = new LinkedBlockingQueue<>();
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        final CountDownLatch ended = new CountDownLatch(1);
        volatile boolean ready = true;
        volatile boolean completed;

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void send(FetchResponse message) {
            sent.add(message);
        }

        @Override
        public void complete() {
            completed = true;
            ended.countDown();
        }

        @Override
        public void fail(Throwable error) {
            failed.set(error);
            ended.countDown();
        }

        @Override
        public boolean isClosed() {
            return ended.getCount() == 0;
        }
    }

    @BeforeEach
    void oneBrokerLeadingOnePartition() throws Exception {
        BrokerConfig config = BrokerConfig.fromMap(Map.of("broker.id", "1", "zookeeper.connect", "127.0.0.1:1",
                "log.dirs", dir.toString()));
        logs = new LogManager(LogManager.Config.of(List.of(dir), LogConfig.defaults()), Time.SYSTEM);
        logs.startup();
        partitions = new PartitionManager(1, logs, config::logConfigFor, () -> ClusterMetadata.EMPTY, () -> true);
        partitions.onBecomeLeader(new PartitionRole(TP, "topic-id", 1, 0, List.of(1), List.of(1), 1, 0));
        sessions = new FetchSessions(partitions, new FetchSessionConfig(2, config.fetchMaxWaitMsLimit(),
                config.fetchSessionMaxCredits(), config.socketRequestMaxBytes()), TopicTraffic.unregistered(),
                RequestMetrics.unregistered(), new Authorization(Authorizer.ALLOW_ALL));
    }

    @AfterEach
    void close() throws Exception {
        sessions.close();
        logs.close();
    }

    private static FetchRequest open(String topic, int credits) {
        return FetchRequest.newBuilder().setOpen(io.tributary.api.v1.FetchSession.newBuilder()
                .setMaxWaitMs(5_000).setMinBytes(1).setMaxBytes(1 << 20).setInitialCredits(credits)
                .addPartitions(PartitionPosition.newBuilder().setTopic(topic).setPartition(0).setFetchOffset(0)
                        .setPartitionMaxBytes(1 << 20))).build();
    }

    private void appendThreeRecords() {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < 3; i++) {
            b.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        partitions.leaderPartition(TP, OptionalInt.empty()).appendAsLeader(b.build(), OptionalInt.empty(), false);
    }

    @Test
    void aLongPollWakesForRecordsAppendedAfterTheSessionOpened() throws Exception {
        RecordingSink sink = new RecordingSink();
        StreamHandler<FetchRequest> session = sessions.open(RequestContext.INTERNAL, sink);
        session.onMessage(open(TP.topic(), 1));
        appendThreeRecords();

        FetchResponse r = sink.sent.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(r, "no response after the append");
        PartitionData pd = r.getPartitions(0);
        assertEquals(TP.topic(), pd.getTopic());
        assertTrue(pd.getError().getCode().isEmpty(), pd.getError().toString());
        assertEquals(3, pd.getHighWatermark());
        assertTrue(!pd.getRecords().isEmpty(), "the response carries the batch");
        assertNull(sink.failed.get());
    }

    @Test
    void aSinkThatIsNotReadyHoldsTheResponseUntilItSaysReady() throws Exception {
        RecordingSink sink = new RecordingSink();
        sink.ready = false;
        StreamHandler<FetchRequest> session = sessions.open(RequestContext.INTERNAL, sink);
        appendThreeRecords();
        session.onMessage(open(TP.topic(), 1));
        assertNull(sink.sent.poll(300, TimeUnit.MILLISECONDS), "sent while the transport was not ready");

        sink.ready = true;
        session.onReady();
        FetchResponse r = sink.sent.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(r, "nothing sent after onReady");
        assertEquals(3, r.getPartitions(0).getHighWatermark());
    }

    @Test
    void anUnknownTopicIsAPartitionErrorInTheResponseAndTheStreamGoesOn() throws Exception {
        RecordingSink sink = new RecordingSink();
        sessions.open(RequestContext.INTERNAL, sink).onMessage(open("no-such-topic", 1));
        FetchResponse r = sink.sent.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(r);
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.name(), r.getPartitions(0).getError().getCode());
        assertNull(sink.failed.get());
        assertEquals(1, sink.ended.getCount(), "the stream must stay open");
    }

    @Test
    void creditBeforeOpenFailsTheStreamWithInvalidRequest() throws Exception {
        RecordingSink sink = new RecordingSink();
        sessions.open(RequestContext.INTERNAL, sink).onMessage(FetchRequest.newBuilder().setCredit(FetchCredit.newBuilder().setResponses(1)).build());
        assertTrue(sink.ended.await(WAIT_MS, TimeUnit.MILLISECONDS));
        TributaryException e = assertInstanceOf(TributaryException.class, sink.failed.get());
        assertEquals(ErrorCode.INVALID_REQUEST, e.error());
    }

    @Test
    void thePeerHalfClosingCompletesTheStreamAndThePeerGoingAwayEndsItSilently() throws Exception {
        RecordingSink done = new RecordingSink();
        StreamHandler<FetchRequest> a = sessions.open(RequestContext.INTERNAL, done);
        a.onMessage(open(TP.topic(), 1));
        a.onPeerDone();
        assertTrue(done.ended.await(WAIT_MS, TimeUnit.MILLISECONDS));
        assertTrue(done.completed);

        // The session handles its events in order, and sends only on credit: with its one credit spent, the credit
        // that arrives after onPeerGone, and the data appended after it, reach a session that has already closed.
        RecordingSink gone = new RecordingSink();
        StreamHandler<FetchRequest> b = sessions.open(RequestContext.INTERNAL, gone);
        appendThreeRecords();
        b.onMessage(open(TP.topic(), 1));
        assertNotNull(gone.sent.poll(WAIT_MS, TimeUnit.MILLISECONDS), "the first response");
        b.onPeerGone();
        b.onMessage(FetchRequest.newBuilder().setCredit(FetchCredit.newBuilder().setResponses(5)).build());
        appendThreeRecords();
        assertNull(gone.sent.poll(300, TimeUnit.MILLISECONDS), "sent to a peer that went away");
        assertEquals(1, gone.ended.getCount(), "nobody to tell");
    }
}
