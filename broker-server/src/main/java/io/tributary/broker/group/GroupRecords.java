package io.tributary.broker.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.GroupKey;
import io.tributary.api.v1.GroupLogKey;
import io.tributary.api.v1.GroupValue;
import io.tributary.api.v1.OffsetKey;
import io.tributary.api.v1.OffsetValue;
import io.tributary.api.v1.Record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of {@code __consumer_offsets} (schema in groups.proto): key = {@link GroupLogKey}, value =
 * {@link OffsetValue} or {@link GroupValue}, no value = tombstone. Encodes them into record batches and decodes
 * batches read back. Stateless.
 */
public final class GroupRecords {
    /** Room for the batch header and per-record framing beyond key and value bytes. */
    private static final int RECORD_OVERHEAD_BYTES = 32;

    private GroupRecords() {
    }

    /** One record to write. {@code value} null = tombstone. */
    public record Entry(byte[] key, byte[] value) {
        int sizeInBytes() {
            return key.length + (value == null ? 0 : value.length) + RECORD_OVERHEAD_BYTES;
        }
    }

    public static Entry offsetCommit(String groupId, TopicPartition tp, OffsetAndMetadata offset) {
        return new Entry(offsetKey(groupId, tp), offset.toValue().toByteArray());
    }

    public static Entry offsetTombstone(String groupId, TopicPartition tp) {
        return new Entry(offsetKey(groupId, tp), null);
    }

    public static Entry groupMetadata(String groupId, GroupValue value) {
        return new Entry(groupKey(groupId), value.toByteArray());
    }

    public static Entry groupTombstone(String groupId) {
        return new Entry(groupKey(groupId), null);
    }

    private static byte[] offsetKey(String groupId, TopicPartition tp) {
        return GroupLogKey.newBuilder().setOffset(OffsetKey.newBuilder().setGroupId(groupId).setTopic(tp.topic())
                .setPartition(tp.partition())).build().toByteArray();
    }

    private static byte[] groupKey(String groupId) {
        return GroupLogKey.newBuilder().setGroup(GroupKey.newBuilder().setGroupId(groupId)).build().toByteArray();
    }

    /**
     * Packs entries, in order, into as few batches as fit {@code maxBatchBytes} each (a single entry larger than that
     * gets a batch of its own, which the log then refuses with MESSAGE_TOO_LARGE).
     */
    public static List<ByteBuffer> toBatches(List<Entry> entries, int maxBatchBytes, long timestampMs) {
        List<ByteBuffer> batches = new ArrayList<>();
        RecordBatchBuilder builder = null;
        int size = 0;
        for (Entry e : entries) {
            if (builder != null && size + e.sizeInBytes() > maxBatchBytes) {
                batches.add(builder.build());
                builder = null;
            }
            if (builder == null) {
                builder = RecordBatchBuilder.create();
                size = RecordBatch.HEADER_SIZE;
            }
            builder.append(timestampMs, e.key(), e.value());
            size += e.sizeInBytes();
        }
        if (builder != null) {
            batches.add(builder.build());
        }
        return batches;
    }

    /** Told each record of a partition, in log order. */
    public interface Visitor {
        void offset(long logOffset, OffsetKey key, OffsetValue valueOrNull);

        void group(long logOffset, GroupKey key, GroupValue valueOrNull);
    }

    /**
     * Decodes every record of {@code batches} (whole batches, as a log read returns them), checking each batch before
     * trusting it.
     *
     * @return the offset after the last batch, or -1 when there was none
     * @throws TributaryException CORRUPT_MESSAGE for a batch that fails its checks or a record that does not parse
     */
    public static long decode(ByteBuffer batches, int maxBatchBytes, Visitor visitor) {
        long next = -1;
        for (RecordBatch batch : RecordBatch.iterate(batches)) {
            batch.ensureValid(maxBatchBytes);
            for (Record r : batch.decodeRecords().getRecordsList()) {
                long logOffset = batch.baseOffset() + r.getOffsetDelta();
                if (!r.hasKey()) {
                    continue;
                }
                try {
                    GroupLogKey key = GroupLogKey.parseFrom(r.getKey());
                    switch (key.getKindCase()) {
                        case OFFSET -> visitor.offset(logOffset, key.getOffset(),
                                r.hasValue() ? OffsetValue.parseFrom(r.getValue()) : null);
                        case GROUP -> visitor.group(logOffset, key.getGroup(),
                                r.hasValue() ? GroupValue.parseFrom(r.getValue()) : null);
                        default -> {
                            // A record kind from a newer broker: skipping it keeps older offsets readable.
                        }
                    }
                } catch (InvalidProtocolBufferException e) {
                    throw new TributaryException(ErrorCode.CORRUPT_MESSAGE, "record at offset " + logOffset
                            + " of __consumer_offsets does not parse: " + e.getMessage(), e);
                }
            }
            next = batch.nextOffset();
        }
        return next;
    }
}
