package io.tributary.broker.group;

import io.tributary.api.TopicPartition;
import io.tributary.api.v1.GroupValue;
import io.tributary.broker.common.MockTime;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.PartitionLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A new coordinator rebuilds groups from a real partition log: later records win, tombstones delete. */
class GroupLoaderTest {
    private static final TopicPartition OFFSETS_0 = new TopicPartition(OffsetsTopic.NAME, 0);
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);

    @TempDir
    Path dir;
    private PartitionLog log;

    @AfterEach
    void close() throws Exception {
        if (log != null) {
            log.close();
        }
    }

    private void append(GroupRecords.Entry... entries) {
        // A tiny batch limit spreads the entries over several batches, and the tiny read buffer below over many reads.
        for (ByteBuffer batch : GroupRecords.toBatches(List.of(entries), 64, 1_000L)) {
            log.appendAsLeader(batch, 0);
        }
    }

    private static OffsetAndMetadata offset(long offset) {
        return new OffsetAndMetadata(offset, 2, "meta", 1_000L, -1);
    }

    @Test
    void laterRecordsReplaceEarlierOnesAndTombstonesDeleteOffsetsAndGroups() throws Exception {
        log = PartitionLog.open(dir.resolve(OFFSETS_0.toString()), OFFSETS_0, LogConfig.defaults(), 0L, false, new MockTime(), null);
        append(GroupRecords.offsetCommit("g1", T0, offset(3)), GroupRecords.offsetCommit("g1", T1, offset(4)),
                GroupRecords.groupMetadata("g1", GroupValue.newBuilder().setGenerationId(3).build()),
                GroupRecords.offsetCommit("g2", T0, offset(9)),
                GroupRecords.groupMetadata("g2", GroupValue.newBuilder().setGenerationId(1).build()),
                GroupRecords.groupMetadata("g3", GroupValue.newBuilder().setGenerationId(7).setAssignor("range").build()));
        append(GroupRecords.offsetCommit("g1", T0, offset(5)), GroupRecords.offsetTombstone("g1", T1),
                GroupRecords.groupMetadata("g1", GroupValue.newBuilder().setGenerationId(4).build()),
                GroupRecords.offsetTombstone("g2", T0), GroupRecords.groupTombstone("g2"));

        Map<String, GroupLoader.LoadedGroup> groups = GroupLoader.load(log, 100, () -> true);

        assertEquals(2, groups.size(), "g2 was deleted: " + groups.keySet());
        GroupLoader.LoadedGroup g1 = groups.get("g1");
        assertEquals(4, g1.value.getGenerationId());
        assertEquals(Map.of(T0, 5L), Map.of(T0, g1.offsets.get(T0).offset()));
        assertFalse(g1.offsets.containsKey(T1));
        assertEquals("meta", g1.offsets.get(T0).metadata());
        assertEquals(2, g1.offsets.get(T0).leaderEpoch());
        assertTrue(g1.offsets.get(T0).logOffset() > 3, "the log position of the winning record is kept");
        assertTrue(groups.get("g3").offsets.isEmpty());
        assertEquals("range", groups.get("g3").value.getAssignor());
        assertNull(groups.get("g2"));
    }

    @Test
    void aLoadWhoseLeadershipEndedIsAbandoned() throws Exception {
        log = PartitionLog.open(dir.resolve(OFFSETS_0.toString()), OFFSETS_0, LogConfig.defaults(), 0L, false, new MockTime(), null);
        append(GroupRecords.offsetCommit("g1", T0, offset(3)));
        assertThrows(CancellationException.class, () -> GroupLoader.load(log, 100, () -> false));
    }
}
