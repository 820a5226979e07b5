package io.tributary.broker.produce;

import com.google.protobuf.ByteString;
import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.broker.admin.TopicAutoCreator;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The produce path on one broker's real logs and partition roles, with no cluster, ZooKeeper or gRPC. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProduceHandlerTest {
    private static final TopicPartition LED = new TopicPartition("led", 0);
    private static final TopicPartition REPLICATED = new TopicPartition("replicated", 0);
    private static final TopicPartition FOLLOWED = new TopicPartition("followed", 0);

    @TempDir
    Path dir;
    private LogManager logs;
    private TopicAutoCreator autoCreator;
    private ProduceHandler handler;

    @BeforeEach
    void oneBroker() throws Exception {
        BrokerConfig config = BrokerConfig.fromMap(Map.of("broker.id", "1", "zookeeper.connect", "127.0.0.1:1",
                "log.dirs", dir.toString(), "auto.create.topics.enable", "false"));
        logs = new LogManager(LogManager.Config.of(List.of(dir), LogConfig.defaults()), Time.SYSTEM);
        logs.startup();
        PartitionManager partitions = new PartitionManager(1, logs, config::logConfigFor, () -> ClusterMetadata.EMPTY, () -> true);
        partitions.onBecomeLeader(new PartitionRole(LED, "id-1", 1, 0, List.of(1), List.of(1), 1, 0));
        // Broker 2 is in sync but never fetches here: acks=all cannot complete.
        partitions.onBecomeLeader(new PartitionRole(REPLICATED, "id-2", 1, 0, List.of(1, 2), List.of(1, 2), 1, 0));
        partitions.onBecomeFollower(new PartitionRole(FOLLOWED, "id-3", 2, 0, List.of(2, 1), List.of(2, 1), 1, 0));
        autoCreator = new TopicAutoCreator(config, () -> {
            throw new AssertionError("auto-creation is off");
        }, () -> ClusterMetadata.EMPTY);
        handler = new ProduceHandler(partitions, logs, config.requestTimeoutMs(), autoCreator, TopicTraffic.unregistered(),
                RequestMetrics.unregistered(), new Authorization(Authorizer.ALLOW_ALL));
    }

    @AfterEach
    void close() throws Exception {
        autoCreator.close();
        logs.close();
    }

    private static PartitionProduceData data(TopicPartition tp, int records) {
        RecordBatchBuilder b = RecordBatchBuilder.create();
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return PartitionProduceData.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                .setRecords(ByteString.copyFrom(b.build())).build();
    }

    private PartitionProduceResult produce(int acks, int timeoutMs, PartitionProduceData data) throws Exception {
        return handler.produce(RequestContext.INTERNAL, ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(timeoutMs).addPartitions(data).build())
                .get(30, TimeUnit.SECONDS).getPartitions(0);
    }

    @Test
    void acksOneAppendsAtTheNextOffsetsOfTheLedPartition() throws Exception {
        assertEquals(0, produce(1, 1_000, data(LED, 3)).getBaseOffset());
        PartitionProduceResult second = produce(-1, 1_000, data(LED, 2));
        assertTrue(second.getError().getCode().isEmpty(), second.getError().toString());
        assertEquals(3, second.getBaseOffset(), "acks=all completes at once when this broker is the whole ISR");
    }

    @Test
    void acksAllThatNoFollowerConfirmsTimesOutAfterTheAppendNamingTheOffset() throws Exception {
        PartitionProduceResult r = produce(-1, 200, data(REPLICATED, 1));
        assertEquals(ErrorCode.REQUEST_TIMED_OUT.name(), r.getError().getCode());
        assertTrue(r.getError().getMessage().contains("appended at offset 0"), r.getError().getMessage());
    }

    @Test
    void aPartitionThisBrokerFollowsIsNotLeaderOrFollowerAndNothingIsAppended() throws Exception {
        PartitionProduceResult r = produce(1, 1_000, data(FOLLOWED, 1));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER.name(), r.getError().getCode());
        assertTrue(r.getError().getRetriable());
        assertEquals(0, logs.getOrCreateLog(FOLLOWED).logEndOffset());
    }

    @Test
    void unknownTopicsTheOffsetsTopicAndBadAcksAreRefused() throws Exception {
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.name(),
                produce(1, 1_000, data(new TopicPartition("absent", 0), 1)).getError().getCode());
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED.name(),
                produce(1, 1_000, data(new TopicPartition("__consumer_offsets", 0), 1)).getError().getCode());
        TributaryException badAcks = assertThrows(TributaryException.class, () -> handler.produce(RequestContext.INTERNAL, ProduceRequest.newBuilder()
                .setAcks(2).addPartitions(data(LED, 1)).build()));
        assertEquals(ErrorCode.INVALID_REQUIRED_ACKS, badAcks.error());
    }
}
