package io.tributary.client.producer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.Compression;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.ProduceRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idempotent producer's sequence rules, driving {@link Sender#runOnce} by hand against a fake transport that also
 * answers InitProducerId: no threads, no network.
 */
class IdempotentSenderTest {
    private static final TopicPartition TP0 = new TopicPartition("t", 0);
    private static final TopicPartition TP1 = new TopicPartition("t", 1);
    private static final long PID = 4_000L;
    /** linger.ms of the accumulator below; retry.backoff.ms is 100. */
    private static final long LINGER = 10;


    private final FakeProducerTransport transport = new FakeProducerTransport();
    private final SenderTest.FixedMetadata metadata = new SenderTest.FixedMetadata(PartitionerTest.cluster("t", 2));
    private final RecordAccumulator accumulator = new RecordAccumulator(16_384, 1 << 20, LINGER, 100, 60_000, Compression.NONE);

    private Sender sender(int retries, int maxInFlight) {
        return new Sender(accumulator, metadata, transport, -1, retries, maxInFlight, 1 << 20, 1_000, "test",
                new IdempotenceManager(maxInFlight, 100), new ProducerMetrics("test", accumulator.memory()));
    }

    private Future<RecordMetadata> append(TopicPartition tp, long nowMs) {
        return accumulator.append(tp, nowMs, null, ("v" + nowMs).getBytes(), null, null, 0, false, nowMs).future();
    }

    /** A sender that already holds producer id {@link #PID} epoch 0. */
    private Sender initialisedSender(int retries, int maxInFlight) {
        Sender sender = sender(retries, maxInFlight);
        sender.runOnce(0);
        assertEquals(1, transport.inits.size());
        transport.answerInit(0, PID, 0);
        sender.runOnce(0);
        return sender;
    }

    private static ErrorCode errorOf(Future<RecordMetadata> f) {
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        return ((TributaryException) e.getCause()).error();
    }

    @Test
    void aProducerIdIsFetchedBeforeTheFirstBatchAndSequencesCountRecordsPerPartition() throws Exception {
        Sender sender = sender(3, 5);
        Future<RecordMetadata> a = append(TP0, 0);
        append(TP0, 0);
        sender.runOnce(LINGER);
        assertTrue(transport.requests.isEmpty(), "no batch leaves before the producer has an id");
        assertEquals(1, transport.inits.size());
        assertFalse(transport.inits.get(0).hasProducerId(), "a first InitProducerId asks for a new id");
        sender.runOnce(LINGER + 1);
        assertEquals(1, transport.inits.size(), "one InitProducerId at a time");
        transport.answerInit(0, PID, 0);
        sender.runOnce(LINGER + 2);
        assertEquals(1, transport.requests.size());
        RecordBatch first = transport.batch(0);
        assertEquals(PID, first.producerId());
        assertEquals(0, first.producerEpoch());
        assertEquals(0, first.baseSequence());
        assertEquals(1, first.lastSequence());
        transport.respond(0, 40);
        sender.runOnce(LINGER + 3);
        assertEquals(40, a.get().offset());

        for (int i = 0; i < 3; i++) {
            append(TP0, 20);
        }
        append(TP1, 20);
        sender.runOnce(20 + LINGER);
        assertEquals(2, transport.requests.size());
        ProduceRequest both = transport.requests.get(1);
        for (PartitionProduceData p : both.getPartitionsList()) {
            RecordBatch b = RecordBatch.wrap(p.getRecords().asReadOnlyByteBuffer());
            b.ensureValid(Integer.MAX_VALUE);
            assertEquals(p.getPartition() == 0 ? 2 : 0, b.baseSequence(), "partition " + p.getPartition() + " counts on its own");
            assertEquals(PID, b.producerId());
        }
    }

    @Test
    void aRetryResendsTheIdenticalBytesAndADuplicateAckCompletesWithTheOriginalOffset() throws Exception {
        Sender sender = initialisedSender(5, 5);
        Future<RecordMetadata> f = append(TP0, 0);
        sender.runOnce(LINGER);
        assertEquals(1, transport.requests.size());
        // No answer within request.timeout.ms (1000): the request expires and the batch is retried.
        sender.runOnce(LINGER + 1_000);
        sender.runOnce(LINGER + 1_100);
        assertEquals(2, transport.requests.size());
        assertEquals(transport.bytes(0), transport.bytes(1), "the retry carries the same producer id, epoch, sequence and CRC");
        transport.respondError(1, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        sender.runOnce(LINGER + 1_101);
        sender.runOnce(LINGER + 1_201);
        assertEquals(3, transport.requests.size());
        assertEquals(transport.bytes(0), transport.bytes(2));
        transport.respond(2, 17); // the broker found the first attempt among the last 5 batches: original offset
        sender.runOnce(LINGER + 1_202);
        assertEquals(17, f.get().offset());
        assertEquals(0, sender.idempotence().outstandingCount(TP0));
        assertEquals(1, sender.idempotence().nextSequence(TP0));
    }

    @Test
    void outOfOrderAfterAnEarlierRetriableFailureIsRetriedInSequenceOrder() throws Exception {
        Sender sender = initialisedSender(5, 5);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long t = i * 20L;
            futures.add(append(TP0, t));
            sender.runOnce(t + LINGER);
        }
        assertEquals(3, transport.requests.size(), "three batches of one partition in flight");
        for (int i = 0; i < 3; i++) {
            assertEquals(i, transport.batch(i).baseSequence());
        }
        // The first was not written (leader moved); the later ones then hit a gap at the broker.
        transport.respondError(0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        transport.respondError(1, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        transport.respondError(2, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        sender.runOnce(60);
        futures.forEach(f -> assertFalse(f.isDone(), "nothing fails: an earlier batch was outstanding"));
        sender.runOnce(200);
        assertEquals(4, transport.requests.size(), "retries go one at a time");
        assertEquals(transport.bytes(0), transport.bytes(3), "the oldest batch goes first");
        sender.runOnce(201);
        assertEquals(4, transport.requests.size(), "the next retry waits for the first one's outcome");
        transport.respond(3, 100);
        sender.runOnce(202);
        assertEquals(5, transport.requests.size());
        assertEquals(transport.bytes(1), transport.bytes(4));
        transport.respond(4, 101);
        sender.runOnce(203);
        assertEquals(transport.bytes(2), transport.bytes(5));
        transport.respond(5, 102);
        sender.runOnce(204);
        for (int i = 0; i < 3; i++) {
            assertEquals(100 + i, futures.get(i).get().offset());
        }
        assertEquals(1, transport.inits.size(), "no epoch bump");
    }

    @Test
    void aRealGapBumpsTheEpochFailsTheAffectedSendsAndRestartsAtSequenceZero() throws Exception {
        Sender sender = initialisedSender(5, 5);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long t = i * 20L;
            futures.add(append(TP0, t));
            sender.runOnce(t + LINGER);
        }
        transport.respond(0, 0);
        sender.runOnce(60);
        assertEquals(0, futures.get(0).get().offset());
        // Batch 2 must be retried (queued behind batch 1); then batch 1, the oldest outstanding, hits a gap: the
        // broker lost this producer's state (e.g. it expired).
        transport.respondError(2, ErrorCode.NOT_LEADER_OR_FOLLOWER);
        sender.runOnce(61);
        transport.respondError(1, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        Future<RecordMetadata> later = append(TP0, 62);
        sender.runOnce(62);
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, errorOf(futures.get(1)));
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, errorOf(futures.get(2)), "the later queued batch fails too");
        ExecutionException e = assertThrows(ExecutionException.class, () -> futures.get(1).get());
        assertTrue(e.getCause().getMessage().contains("not written"), e.getCause().getMessage());

        assertEquals(2, transport.inits.size(), "an epoch bump was asked for");
        InitProducerIdRequest bump = transport.inits.get(1);
        assertEquals(PID, bump.getProducerId());
        assertEquals(0, bump.getProducerEpoch());
        sender.runOnce(62 + LINGER);
        assertEquals(3, transport.requests.size(), "nothing new goes before the new epoch");
        transport.answerInit(1, PID, 1);
        sender.runOnce(63 + LINGER);
        assertEquals(4, transport.requests.size());
        RecordBatch restarted = transport.batch(3);
        assertEquals(PID, restarted.producerId());
        assertEquals(1, restarted.producerEpoch());
        assertEquals(0, restarted.baseSequence(), "a new epoch starts at sequence 0");
        transport.respond(3, 5);
        sender.runOnce(64 + LINGER);
        assertEquals(5, later.get().offset());
    }

    @Test
    void unknownProducerIdForTheOldestBatchAlsoBumpsAndFailsIt() {
        Sender sender = initialisedSender(5, 5);
        Future<RecordMetadata> f = append(TP0, 0);
        sender.runOnce(LINGER);
        transport.respondError(0, ErrorCode.UNKNOWN_PRODUCER_ID);
        sender.runOnce(LINGER + 1);
        assertEquals(ErrorCode.UNKNOWN_PRODUCER_ID, errorOf(f));
        assertEquals(2, transport.inits.size());
        assertTrue(transport.inits.get(1).hasProducerEpoch());
    }

    @Test
    void anInflightBatchOfTheGappedEpochFailsWhenItsAnswerComesBackWithoutASecondBump() {
        Sender sender = initialisedSender(5, 5);
        Future<RecordMetadata> a = append(TP0, 0);
        sender.runOnce(LINGER);
        Future<RecordMetadata> b = append(TP0, 20);
        sender.runOnce(20 + LINGER);
        transport.respondError(0, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        sender.runOnce(31);
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, errorOf(a));
        assertFalse(b.isDone(), "still in flight");
        transport.respondError(1, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        sender.runOnce(32);
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, errorOf(b));
        assertEquals(2, transport.inits.size(), "one bump for the one gap");
    }

    @Test
    void invalidProducerEpochIsFatal() {
        Sender sender = initialisedSender(5, 5);
        Future<RecordMetadata> a = append(TP0, 0);
        sender.runOnce(LINGER);
        Future<RecordMetadata> queued = append(TP1, 15);
        transport.respondError(0, ErrorCode.INVALID_PRODUCER_EPOCH);
        sender.runOnce(LINGER + 1);
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, errorOf(a));
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, errorOf(queued), "everything unsent fails too");
        assertNotNull(sender.idempotenceFatalError());
        assertTrue(sender.idempotenceFatalError().getMessage().contains("fenced"), sender.idempotenceFatalError().getMessage());
        assertEquals(1, transport.requests.size());
    }

    @Test
    void aBatchTheBrokerRejectedOnItsOnlyAttemptGivesItsSequenceBack() throws Exception {
        Sender sender = initialisedSender(5, 5);
        Future<RecordMetadata> a = append(TP0, 0);
        sender.runOnce(LINGER);
        transport.respondError(0, ErrorCode.MESSAGE_TOO_LARGE);
        sender.runOnce(LINGER + 1);
        assertEquals(ErrorCode.MESSAGE_TOO_LARGE, errorOf(a));
        Future<RecordMetadata> b = append(TP0, 20);
        sender.runOnce(20 + LINGER);
        assertEquals(0, transport.batch(1).baseSequence(), "the rejected batch was never written: no gap, no bump");
        assertEquals(1, transport.inits.size());
        transport.respond(1, 0);
        sender.runOnce(31);
        assertEquals(0, b.get().offset());
    }

    @Test
    void aBatchWithAnUnknownOutcomeAndNothingAckedAfterItBumpsTheEpochBeforeMore() throws Exception {
        Sender sender = initialisedSender(0, 5);
        Future<RecordMetadata> a = append(TP0, 0);
        sender.runOnce(LINGER);
        transport.respondError(0, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND); // written, maybe; retries=0
        sender.runOnce(LINGER + 1);
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, errorOf(a));
        assertEquals(2, transport.inits.size(), "sequence 0 may or may not be in the log: a new epoch avoids both a gap and a duplicate");
        Future<RecordMetadata> b = append(TP0, 20);
        sender.runOnce(20 + LINGER);
        assertEquals(1, transport.requests.size(), "held until the bump");
        transport.answerInit(1, PID, 1);
        sender.runOnce(21 + LINGER);
        RecordBatch next = transport.batch(1);
        assertEquals(1, next.producerEpoch());
        assertEquals(0, next.baseSequence());
        transport.respond(1, 1);
        sender.runOnce(40);
        assertEquals(1, b.get().offset());
    }

    @Test
    void aFailedInitProducerIdIsRetriedAfterTheBackoff() throws Exception {
        Sender sender = sender(3, 5);
        Future<RecordMetadata> f = append(TP0, 0);
        sender.runOnce(0);
        transport.initListeners.get(0).onFailure(io.grpc.Status.UNAVAILABLE.withDescription("down").asRuntimeException());
        sender.runOnce(1);
        assertEquals(1, transport.inits.size(), "backing off");
        sender.runOnce(101);
        assertEquals(2, transport.inits.size());
        transport.answerInit(1, PID, 0);
        sender.runOnce(102);
        transport.respond(0, 3);
        sender.runOnce(103);
        assertEquals(3, f.get().offset());
    }
}
