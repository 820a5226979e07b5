package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import io.tributary.api.testing.StablePorts;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingCluster;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * A 3-server in-process ZooKeeper ensemble (tickTime 500 ms so sessions can be short) plus helpers to start,
 * crash and restart brokers' coordination and to read znodes as an operator would. Not thread-safe; one per test.
 */
final class ZkTestCluster implements AutoCloseable {
    static final int SESSION_TIMEOUT_MS = 4_000;
    static final Duration WAIT = Duration.ofSeconds(20);

    final TestingCluster zk;
    final ZkLayout layout = ZkLayout.defaultLayout();
    private final Map<Integer, BrokerCoordination> brokers = new ConcurrentHashMap<>();
    private final Map<Integer, List<TcpProxy>> proxies = new ConcurrentHashMap<>();
    private final List<TcpProxy> closeables = new ArrayList<>();
    private CuratorFramework operator;

    ZkTestCluster() throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // Ports below the ephemeral range: servers killed and restarted here must get their ports back.
            specs.add(new InstanceSpec(null, StablePorts.next(), StablePorts.next(), StablePorts.next(), true, -1, 500, -1));
        }
        zk = new TestingCluster(specs);
        zk.start();
    }

    String connectString() {
        return zk.getConnectString() + layout.root();
    }

    CoordinationConfig config(int id, String rack) {
        return config(id, rack, connectString());
    }

    /** A config whose ZooKeeper traffic goes through proxies that {@link #partitionBroker(int)} can cut. */
    CoordinationConfig proxiedConfig(int id, String rack) throws Exception {
        List<TcpProxy> list = new ArrayList<>();
        StringBuilder hosts = new StringBuilder();
        for (InstanceSpec spec : zk.getInstances()) {
            TcpProxy proxy = new TcpProxy(spec.getPort());
            list.add(proxy);
            closeables.add(proxy);
            hosts.append(hosts.length() == 0 ? "" : ",").append("127.0.0.1:").append(proxy.port());
        }
        proxies.put(id, list);
        return config(id, rack, hosts + layout.root());
    }

    CoordinationConfig config(int id, String rack, String connect) {
        return CoordinationConfig.builder(id, connect)
                .sessionTimeoutMs(SESSION_TIMEOUT_MS)
                .connectionTimeoutMs(2_000)
                .hostPort("127.0.0.1", 19_000 + id)
                .rack(rack)
                .controllerReconcileIntervalMs(2_000)
                .build();
    }

    BrokerCoordination startBroker(int id) throws Exception {
        return startBroker(config(id, null), null);
    }

    BrokerCoordination startBroker(CoordinationConfig config, PartitionRoleListener roles) throws Exception {
        BrokerCoordination broker = BrokerCoordination.create(config);
        if (roles != null) {
            broker.addPartitionRoleListener(roles);
        }
        try {
            broker.start(WAIT);
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        brokers.put(config.brokerId(), broker);
        return broker;
    }

    BrokerCoordination broker(int id) {
        return brokers.get(id);
    }

    /** The {@code ,"leader_broker_epoch":N} a controller stamps into the state of a partition {@code leader} leads. */
    String leaderStamp(int leader) {
        return ",\"leader_broker_epoch\":" + brokers.get(leader).metadata().brokers().get(leader).brokerEpoch();
    }

    /** Clean shutdown: ephemerals deleted at once. */
    void stopBroker(int id) {
        BrokerCoordination b = brokers.remove(id);
        if (b != null) {
            b.close();
        }
    }

    /**
     * Expires the broker's session for real: the server closes it (through a second handle on the same session
     * id, the classic way), then curator-test's KillSession delivers the expiry to the client at once. KillSession
     * alone only fakes it on the client side, and in ZooKeeper 3.9 the old connection can keep the server-side
     * session (and its ephemerals) alive.
     */
    void expireSession(BrokerCoordination broker) throws Exception {
        ZooKeeper zk = broker.client().getZookeeperClient().getZooKeeper();
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper twin = new ZooKeeper(zkConnectString(),
                SESSION_TIMEOUT_MS, event -> {
                    if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        connected.countDown();
                    }
                }, zk.getSessionId(), zk.getSessionPasswd());
        try {
            if (!connected.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not attach to session 0x" + Long.toHexString(zk.getSessionId()));
            }
        } finally {
            twin.close();
        }
        KillSession.kill(zk);
    }

    private String zkConnectString() {
        return zk.getConnectString();
    }

    /**
     * kill -9 (or a network partition) as ZooKeeper sees it: the broker's connections drop and no
     * close-session request is sent, so its ephemerals stay until the session times out. The broker process
     * lives on as a zombie that sees SUSPENDED, then LOST. Needs a broker started with {@link #proxiedConfig}.
     */
    void partitionBroker(int id) {
        proxies.get(id).forEach(TcpProxy::cut);
    }

    void healBroker(int id) {
        proxies.get(id).forEach(TcpProxy::heal);
    }

    /** The broker that is acting as controller, if exactly one is. */
    Optional<BrokerCoordination> activeController() {
        List<BrokerCoordination> active = brokers.values().stream().filter(BrokerCoordination::isController).toList();
        return active.size() == 1 ? Optional.of(active.get(0)) : Optional.empty();
    }

    long countActiveControllers() {
        return brokers.values().stream().filter(BrokerCoordination::isController).count();
    }

    synchronized CuratorFramework operator() {
        if (operator == null) {
            operator = CuratorFrameworkFactory.newClient(zk.getConnectString(), 10_000, 5_000, new RetryNTimes(10, 200));
            operator.start();
        }
        return operator;
    }

    /** The znode's text as zkCli's {@code get} shows it, or null when absent. */
    String get(String path) throws Exception {
        try {
            return new String(operator().getData().forPath(path), StandardCharsets.UTF_8);
        } catch (KeeperException.NoNodeException absent) {
            return null;
        }
    }

    Stat stat(String path) throws Exception {
        return operator().checkExists().forPath(path);
    }

    void put(String path, String json) throws Exception {
        operator().create().orSetData().creatingParentsIfNeeded().forPath(path, json.getBytes(StandardCharsets.UTF_8));
    }

    Optional<PartitionState> state(TopicPartition tp) throws Exception {
        String json = get(layout.partitionStatePath(tp));
        return json == null ? Optional.empty()
                : Optional.of(PartitionState.CODEC.decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            sleep(25);
        }
        if (!condition.getAsBoolean()) {
            fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
        }
    }

    static <T> T awaitValue(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            sleep(25);
        }
        return fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
    }

    /** Waits until the partition's state satisfies {@code condition}; returns it. */
    PartitionState awaitState(TopicPartition tp, String what, java.util.function.Predicate<PartitionState> condition) {
        return awaitValue(tp + " " + what, WAIT, () -> {
            try {
                return state(tp).filter(condition);
            } catch (Exception e) {
                return Optional.empty();
            }
        });
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void report(String measurement, long millis) {
        System.out.printf("[coordination-timing] %s: %d ms%n", measurement, millis);
    }

    @Override
    public void close() throws IOException {
        proxies.values().forEach(list -> list.forEach(TcpProxy::heal));
        for (BrokerCoordination b : brokers.values()) {
            b.close();
        }
        brokers.clear();
        if (operator != null) {
            operator.close();
        }
        for (TcpProxy c : closeables) {
            c.close();
        }
        zk.close();
    }
}
