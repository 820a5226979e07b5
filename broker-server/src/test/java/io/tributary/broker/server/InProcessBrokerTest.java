package io.tributary.broker.server;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.CreateTopicsResponse;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.NewTopic;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole broker (logs, ZooKeeper coordination, every service and interceptor) serving on an in-process gRPC
 * server instead of a socket: how handler-level tests reach the real request path without ports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InProcessBrokerTest {
    @Test
    void aBrokerOnAnInProcessServerCreatesProducesAndFetches(@TempDir Path dir) throws Exception {
        String name = InProcessServerBuilder.generateName();
        try (TestingServer zk = new TestingServer(true)) {
            BrokerConfig config = BrokerConfig.fromMap(Map.of(BrokerConfig.BROKER_ID, 1,
                    BrokerConfig.ZOOKEEPER_CONNECT, zk.getConnectString() + "/tributary",
                    BrokerConfig.LOG_DIRS, dir.toString(), BrokerConfig.CONTROLLED_SHUTDOWN_TIMEOUT_MS, 2_000L));
            BrokerServer broker = new BrokerServer(config, Time.SYSTEM, InProcessServerBuilder.forName(name));
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            try {
                broker.start();
                CreateTopicsResponse created = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(20_000).addTopics(NewTopic.newBuilder()
                                .setName("in-process").setNumPartitions(1).setReplicationFactor(1)).build());
                assertTrue(created.getTopics(0).getError().getCode().isEmpty(), created.toString());
                // CreateTopics returns once the metadata shows the topic; the broker takes up its leader role right
                // after, on its metadata thread.
                TopicPartition tp = new TopicPartition("in-process", 0);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (broker.partitionManager().partition(tp).map(p -> !p.isLeader()).orElse(true)) {
                    assertTrue(System.nanoTime() < deadline, "broker 1 did not take up the leadership of " + tp + " in 30 s");
                    Thread.sleep(10);
                }

                PartitionProduceResult produced = TestClients.produce(channel, "in-process", 0, RecordBatchBuilder.create()
                        .append(1L, null, "hello".getBytes(StandardCharsets.UTF_8)).build(), -1);
                assertTrue(produced.getError().getCode().isEmpty(), produced.toString());
                assertEquals(0, produced.getBaseOffset());

                try (TestClients.Fetcher fetcher = new TestClients.Fetcher(channel,
                        TestClients.Fetcher.session("in-process", 0, 0).build())) {
                    FetchResponse r = fetcher.next(10_000);
                    PartitionData pd = r.getPartitions(0);
                    assertEquals(1, pd.getHighWatermark());
                    assertTrue(!pd.getRecords().isEmpty());
                }
            } finally {
                channel.shutdownNow();
                broker.close();
            }
        }
    }
}
