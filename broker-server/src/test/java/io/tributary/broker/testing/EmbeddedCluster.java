package io.tributary.broker.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.api.testing.StablePorts;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.CreateTopicsResponse;
import io.tributary.api.v1.NewTopic;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.server.BrokerServer;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.TopicMetadata;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real cluster inside the test JVM: a curator-test ZooKeeper ensemble and N brokers on loopback ports, each
 * with its own log directory. Brokers keep their port and data across {@link #stopBroker}/{@link #startBroker},
 * so restarts look like a real broker coming back.
 *
 * <p>Not thread-safe: one test drives it.
 */
public final class EmbeddedCluster implements AutoCloseable {
    private final TestingCluster zookeeper;
    private final Path dataDir;
    private final Map<Integer, Integer> ports = new TreeMap<>();
    private final Map<Integer, Map<String, Object>> brokerProps = new TreeMap<>();
    private final Map<Integer, BrokerServer> brokers = new TreeMap<>();
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

    private EmbeddedCluster(TestingCluster zookeeper, Path dataDir) {
        this.zookeeper = zookeeper;
        this.dataDir = dataDir;
    }

    /** Starts {@code zkServers} ZooKeeper servers and {@code brokerCount} brokers with ids 1..N. */
    public static EmbeddedCluster start(int zkServers, int brokerCount, Map<String, Object> extraBrokerProps) throws Exception {
        // Ports below the ephemeral range: a ZooKeeper server a test restarts must get its ports back.
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 0; i < zkServers; i++) {
            specs.add(new InstanceSpec(null, StablePorts.next(), StablePorts.next(), StablePorts.next(), true, -1, -1, -1));
        }
        TestingCluster zk = new TestingCluster(specs);
        zk.start();
        EmbeddedCluster cluster = new EmbeddedCluster(zk, Files.createTempDirectory("tributary-cluster"));
        try {
            for (int id = 1; id <= brokerCount; id++) {
                cluster.addBroker(id, extraBrokerProps);
            }
            for (int id = 1; id <= brokerCount; id++) {
                cluster.startBroker(id);
            }
            cluster.awaitCondition(() -> cluster.anyRunningBroker().coordination().metadata().brokers().size() == brokerCount
                    && cluster.anyRunningBroker().coordination().metadata().controllerId() > 0, 30_000, "brokers registered and a controller elected");
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public static EmbeddedCluster start(int brokerCount) throws Exception {
        return start(1, brokerCount, Map.of());
    }

    private void addBroker(int id, Map<String, Object> extra) {
        // A stopped broker starts again on the same port: one below the ephemeral range stays free meanwhile.
        int port = StablePorts.next();
        ports.put(id, port);
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(BrokerConfig.BROKER_ID, id);
        props.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port);
        props.put(BrokerConfig.LOG_DIRS, dataDir.resolve("broker-" + id).toString());
        props.put(BrokerConfig.ZOOKEEPER_CONNECT, zookeeper.getConnectString() + "/tributary");
        props.put(BrokerConfig.ZOOKEEPER_SESSION_TIMEOUT_MS, 6_000);
        props.put(BrokerConfig.ZOOKEEPER_CONNECTION_TIMEOUT_MS, 15_000);
        props.put(BrokerConfig.CONTROLLED_SHUTDOWN_TIMEOUT_MS, 2_000L);
        props.putAll(extra);
        // Several listeners: "{PORT}" is the broker's port above, "{PORT2}" and "{PORT3}" more of its own.
        Object listeners = props.get(BrokerConfig.LISTENERS);
        if (listeners instanceof String l && l.contains("{PORT")) {
            props.put(BrokerConfig.LISTENERS, l.replace("{PORT}", Integer.toString(port))
                    .replace("{PORT2}", Integer.toString(StablePorts.next())).replace("{PORT3}", Integer.toString(StablePorts.next())));
        }
        brokerProps.put(id, props);
    }

    public void startBroker(int id) throws Exception {
        BrokerServer broker = new BrokerServer(BrokerConfig.fromMap(brokerProps.get(id)), Time.SYSTEM);
        broker.start();
        brokers.put(id, broker);
    }

    /** Clean shutdown of one broker (SIGTERM-like); its port and data stay for {@link #startBroker}. */
    public void stopBroker(int id) {
        BrokerServer b = brokers.remove(id);
        if (b != null) {
            b.close();
        }
    }

    public BrokerServer broker(int id) {
        BrokerServer b = brokers.get(id);
        if (b == null) {
            throw new IllegalStateException("broker " + id + " is not running");
        }
        return b;
    }

    public Map<Integer, BrokerServer> runningBrokers() {
        return Map.copyOf(brokers);
    }

    public BrokerServer anyRunningBroker() {
        return brokers.values().iterator().next();
    }

    public int port(int brokerId) {
        return ports.get(brokerId);
    }

    public String bootstrap() {
        return ports.values().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public TestingCluster zookeeper() {
        return zookeeper;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A channel to one broker, kept open until {@link #close()}. */
    public ManagedChannel channel(int brokerId) {
        int port = ports.get(brokerId);
        return channels.computeIfAbsent("127.0.0.1:" + port, t -> NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build());
    }

    /** Creates a topic through the Admin API and waits until every partition has a leader that knows it. */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        CreateTopicsResponse r = AdminGrpc.newBlockingStub(channel(brokers.keySet().iterator().next()))
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(20_000).addTopics(NewTopic.newBuilder()
                        .setName(name).setNumPartitions(partitions).setReplicationFactor(replicationFactor)
                        .putAllConfigs(configs)).build());
        if (r.getTopics(0).hasError() && !r.getTopics(0).getError().getCode().isEmpty()) {
            throw new IllegalStateException("create topic failed: " + r.getTopics(0).getError());
        }
        awaitLeadersKnown(name, partitions);
    }

    public void createTopic(String name, int partitions, int replicationFactor) {
        createTopic(name, partitions, replicationFactor, Map.of());
    }

    /** Waits until each partition of {@code topic} has a leader, and that leader has taken up its role. */
    public void awaitLeadersKnown(String topic, int partitions) {
        awaitCondition(() -> {
            for (int p = 0; p < partitions; p++) {
                int leader = leaderOf(topic, p);
                BrokerServer b = brokers.get(leader);
                if (b == null || b.partitionManager().partition(new io.tributary.api.TopicPartition(topic, p))
                        .map(x -> !x.isLeader()).orElse(true)) {
                    return false;
                }
            }
            return true;
        }, 30_000, "leaders of " + topic);
    }

    /** The leader of a partition as the running brokers' metadata says, -1 when none. */
    public int leaderOf(String topic, int partition) {
        for (BrokerServer b : brokers.values()) {
            ClusterMetadata md = b.coordination().metadata();
            Optional<TopicMetadata> t = md.topic(topic);
            if (t.isPresent() && t.get().partitions().containsKey(partition)) {
                return t.get().partitions().get(partition).leader();
            }
        }
        return -1;
    }

    public void awaitCondition(BooleanSupplier condition, long timeoutMs, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // State still settling: try again.
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
    }

    @Override
    public void close() throws Exception {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        List<Integer> ids = new ArrayList<>(brokers.keySet());
        for (int id : ids) {
            stopBroker(id);
        }
        zookeeper.close();
        try (Stream<Path> walk = Files.walk(dataDir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
