package io.tributary.broker.partition;

import io.tributary.api.ErrorCode;
import io.tributary.api.LeaderHint;
import io.tributary.api.LeaderHintException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.broker.common.Time;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One partition's roles, epochs and fencing on a real log, without a cluster. Broker 1 is the local broker; the
 * metadata says broker 2 leads at epoch 6 (the hint leadership errors carry).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PartitionTest {
    private static final TopicPartition TP = new TopicPartition("p", 0);

    @TempDir
    Path dir;
    private LogManager logs;
    private Partition partition;

    @BeforeEach
    void open() throws Exception {
        logs = new LogManager(LogManager.Config.of(List.of(dir), LogConfig.defaults()), Time.SYSTEM);
        logs.startup();
        partition = new Partition(TP, 1, logs.getOrCreateLog(TP), new PartitionWatchers(), new PartitionWatchers(),
                () -> new LeaderHint(2, 6, "127.0.0.1", 9093), new IsrChangeStats());
    }

    @AfterEach
    void close() throws Exception {
        logs.close();
    }

    private static ByteBuffer batch(int records) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < records; i++) {
            b.append(1_000L + i, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    private static ErrorCode codeOf(Runnable call) {
        return assertThrows(TributaryException.class, call::run).error();
    }

    @Test
    void aClientsLeaderEpochIsCheckedBeforeLeadership() {
        partition.applyState(new LeaderState(1, 5, List.of(1), List.of(1), 1, 0));
        partition.checkLeader(OptionalInt.of(5));
        partition.checkLeader(OptionalInt.empty());
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, codeOf(() -> partition.checkLeader(OptionalInt.of(4))));
        assertEquals(ErrorCode.UNKNOWN_LEADER_EPOCH, codeOf(() -> partition.checkLeader(OptionalInt.of(6))));

        partition.applyState(new LeaderState(2, 6, List.of(2, 1), List.of(1, 2), 1, 1));
        LeaderHintException notLeader = assertThrows(LeaderHintException.class, () -> partition.checkLeader(OptionalInt.of(6)));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, notLeader.error());
        assertEquals(new LeaderHint(2, 6, "127.0.0.1", 9093), notLeader.hint(), "the error names who leads now");
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                codeOf(() -> partition.appendAsLeader(batch(1), OptionalInt.empty(), false)));
        assertEquals(0, partition.log().logEndOffset());
    }

    @Test
    void acksAllBelowMinInSyncReplicasIsRefusedAndAppendsNothingWhileAcksOneAppends() {
        partition.log().updateConfig(LogConfig.fromProps(Map.of(LogConfig.MIN_IN_SYNC_REPLICAS, "2")));
        partition.applyState(new LeaderState(1, 0, List.of(1), List.of(1, 2), 1, 0));
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, codeOf(() -> partition.appendAsLeader(batch(2), OptionalInt.empty(), true)));
        assertEquals(0, partition.log().logEndOffset());
        assertEquals(0, partition.appendAsLeader(batch(2), OptionalInt.empty(), false).firstOffset());
        assertEquals(2, partition.log().logEndOffset());
    }

    @Test
    void aFollowerAppendsOnlyAtTheLeaderEpochItFollowsAndNeverPastTheLeadersHighWatermark() {
        partition.applyState(new LeaderState(2, 3, List.of(2, 1), List.of(1, 2), 1, 0));
        ByteBuffer fromLeader = batch(4);
        assertFalse(partition.appendAsFollower(fromLeader.duplicate(), 2, 4), "data fetched under an older epoch got in");
        assertEquals(0, partition.log().logEndOffset());

        assertTrue(partition.appendAsFollower(fromLeader.duplicate(), 3, 2));
        assertEquals(4, partition.log().logEndOffset());
        assertEquals(2, partition.log().highWatermark());

        assertFalse(partition.truncateAsFollower(0, 2), "a truncation for an older epoch was applied");
        assertEquals(4, partition.log().logEndOffset());
        assertTrue(partition.truncateAsFollower(0, 3));
        assertEquals(0, partition.log().logEndOffset());
    }

    @Test
    void theHighWatermarkWaitsForEveryInSyncFollower() throws Exception {
        partition.applyState(new LeaderState(1, 0, List.of(1, 2), List.of(1, 2), 1, 0));
        partition.appendAsLeader(batch(3), OptionalInt.empty(), true);
        assertEquals(0, partition.log().highWatermark());
        var acked = partition.awaitHighWatermark(3);
        partition.updateFollowerFetchState(2, 2, System.currentTimeMillis());
        assertEquals(2, partition.log().highWatermark());
        assertFalse(acked.isDone());
        partition.updateFollowerFetchState(2, 3, System.currentTimeMillis());
        acked.get(5, TimeUnit.SECONDS);
        assertEquals(3, partition.log().highWatermark());
    }
}
