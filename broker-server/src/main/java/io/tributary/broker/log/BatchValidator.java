package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;

import java.nio.ByteBuffer;

/**
 * Checks batches before anything of them is written: sizes, CRCs and framing for every append, and for a
 * producer's batches what only they must satisfy. Runs before the log lock is taken, so a bad request costs no
 * writer time. Stateless.
 */
final class BatchValidator {
    private BatchValidator() {
    }

    /** What validation learned in its one pass over the batches, for the append and its answer. */
    record Validated(int recordCount, int bytes, boolean hasProducerIds) {
    }

    /**
     * A producer's batches: base offset 0, one record per offset, at most {@code max.message.bytes} each, and keyed
     * records only on a compacted topic.
     */
    static Validated forLeader(TopicPartition tp, ByteBuffer records, LogConfig cfg) {
        return validate(tp, records, cfg.maxMessageBytes(), cfg, true);
    }

    /**
     * Batches copied from the leader. The leader already applied {@code max.message.bytes} under its config; a
     * follower must not refuse what it accepted, so only framing and CRCs are checked.
     */
    static Validated forFollower(TopicPartition tp, ByteBuffer records, LogConfig cfg) {
        return validate(tp, records, Integer.MAX_VALUE, cfg, false);
    }

    private static Validated validate(TopicPartition tp, ByteBuffer records, int maxBatchBytes, LogConfig cfg,
                                      boolean fromProducer) {
        if (!records.hasRemaining()) {
            throw new TributaryException(ErrorCode.INVALID_RECORD, "no record batches to append to " + tp);
        }
        int bytes = records.remaining();
        if (bytes > cfg.segmentBytes()) {
            throw new TributaryException(ErrorCode.MESSAGE_TOO_LARGE, bytes + " bytes of batches exceed segment.bytes "
                    + cfg.segmentBytes() + " of " + tp);
        }
        int count = 0;
        boolean producerIds = false;
        for (RecordBatch batch : RecordBatch.iterate(records)) {
            batch.ensureValid(maxBatchBytes);
            producerIds |= batch.hasProducerId();
            if (fromProducer) {
                validateProducerBatch(tp, batch, cfg);
            }
            count += batch.recordCount();
        }
        return new Validated(count, bytes, producerIds);
    }

    /** What only a producer's batch must satisfy: stored batches may be compacted, a producer's may not. */
    private static void validateProducerBatch(TopicPartition tp, RecordBatch batch, LogConfig cfg) {
        if (batch.baseOffset() != 0) {
            throw new TributaryException(ErrorCode.INVALID_RECORD, "a producer batch must have base offset 0, got "
                    + batch.baseOffset() + "; offsets are assigned by the broker");
        }
        if (batch.recordCount() < 1 || batch.recordCount() != batch.lastOffsetDelta() + 1L || batch.hasDeleteHorizon()) {
            throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "a producer batch holds one record per offset and no "
                    + "delete horizon; got " + batch.recordCount() + " record(s) for last_offset_delta "
                    + batch.lastOffsetDelta() + (batch.hasDeleteHorizon() ? " with a delete horizon" : ""));
        }
        if (cfg.compact()) {
            // Only compacted topics pay for decoding on produce: compaction works by key, so a keyless record
            // could never be compacted away (Kafka refuses it the same way).
            for (io.tributary.api.v1.Record r : batch.decodeRecords().getRecordsList()) {
                if (!r.hasKey()) {
                    throw new TributaryException(ErrorCode.INVALID_RECORD, "compacted topic " + tp.topic()
                            + " (cleanup.policy=" + cfg.cleanupPolicy().configValue() + ") cannot accept a record without a key");
                }
            }
        }
    }
}
