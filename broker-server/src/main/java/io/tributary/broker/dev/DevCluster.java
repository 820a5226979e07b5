package io.tributary.broker.dev;

import io.tributary.api.config.ConfigException;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.server.BrokerServer;
import io.tributary.broker.server.Mains;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Single-process development cluster: ZooKeeper's own embedded server ({@link ZooKeeperServerEmbedded}, standalone,
 * on 127.0.0.1) and one broker (id 1) in the same JVM, data under one directory. For first contact only — one
 * ZooKeeper and one broker tolerate no failure; the three-node ensemble ({@code scripts/cluster.sh}) is the real
 * set-up. Run by {@code scripts/tributary-dev.sh}.
 *
 * <pre>
 * DevCluster [--dir DIR] [--port 9092] [--zk-port 2181] [--metrics-port 9404] [--override key=value ...]
 * </pre>
 * Prints {@code READY bootstrap=127.0.0.1:PORT zookeeper=127.0.0.1:ZKPORT/tributary metrics=URL} once the broker is SERVING;
 * stops cleanly (broker, then ZooKeeper) on SIGTERM/SIGINT.
 */
@Command(name = "DevCluster", sortOptions = false,
        description = "One broker (id 1) and an embedded standalone ZooKeeper in one JVM, for development only.")
public final class DevCluster implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "dev-data", description = "Where ZooKeeper's and the broker's data live (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092", description = "The broker's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--zk-port", paramLabel = "PORT", defaultValue = "2181", description = "ZooKeeper's port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int zkPort;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Port of http://127.0.0.1:PORT/metrics (default: the broker's port + 312, i.e. 9404; -1: off).")
    Integer metricsPort;

    @Option(names = "--override", paramLabel = "KEY=VALUE", description = "A broker setting (repeatable).")
    List<String> overrideList = List.of();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    public static void main(String[] args) {
        int exit = Mains.commandLine(new DevCluster()).execute(args);
        // After a clean stop main just returns (the shutdown hook printed STOPPED); failures end with their status.
        if (exit != 0) {
            System.exit(exit);
        }
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String v : overrideList) {
            int eq = v.indexOf('=');
            if (eq <= 0) {
                System.err.println("DevCluster: --override needs key=value, got '" + v + "'");
                return Mains.USAGE_ERROR;
            }
            overrides.put(v.substring(0, eq), v.substring(eq + 1));
        }
        dir = dir.toAbsolutePath();
        Files.createDirectories(dir.resolve("zookeeper"));
        // ZooKeeperServerEmbedded writes its configuration to a new temporary file in baseDir at each start and
        // leaves it there; drop the previous runs' copies.
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir.resolve("zookeeper"), "zookeeper.configuration*.properties")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }

        Map<String, String> props = new LinkedHashMap<>();
        props.put(BrokerConfig.BROKER_ID, "1");
        props.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + port);
        props.put(BrokerConfig.METRICS_PORT, Integer.toString(metricsPort != null ? metricsPort : port + 312));
        props.put(BrokerConfig.LOG_DIRS, dir.resolve("broker-1").toString());
        props.put(BrokerConfig.ZOOKEEPER_CONNECT, "127.0.0.1:" + zkPort + "/tributary");
        props.put(BrokerConfig.NUM_PARTITIONS, "1");
        props.put(BrokerConfig.DEFAULT_REPLICATION_FACTOR, "1");
        // One broker: a shut-down broker has nobody to hand its partitions to, so do not linger.
        props.put(BrokerConfig.CONTROLLED_SHUTDOWN_TIMEOUT_MS, "2000");
        props.putAll(overrides);
        BrokerConfig config;
        try {
            config = BrokerConfig.fromMap(props);
        } catch (ConfigException e) {
            System.err.println("invalid configuration:\n" + e.getMessage());
            return 1;
        }

        Properties zkConfig = new Properties();
        zkConfig.setProperty("clientPort", String.valueOf(zkPort));
        zkConfig.setProperty("clientPortAddress", "127.0.0.1");
        zkConfig.setProperty("tickTime", "2000");
        zkConfig.setProperty("admin.enableServer", "false");
        zkConfig.setProperty("4lw.commands.whitelist", "srvr,stat,ruok,mntr,conf");
        zkConfig.setProperty("dataDir", dir.resolve("zookeeper/data").toString());

        CountDownLatch stopped = new CountDownLatch(1);
        ZooKeeperServerEmbedded zookeeper;
        BrokerServer broker;
        try {
            zookeeper = ZooKeeperServerEmbedded.builder()
                    .baseDir(dir.resolve("zookeeper"))
                    .configuration(zkConfig)
                    .exitHandler(ExitHandler.LOG_ONLY)
                    .build();
            zookeeper.start(30_000);
        } catch (Exception e) {
            System.err.println("embedded ZooKeeper failed to start on 127.0.0.1:" + zkPort + ": " + e);
            return 1;
        }
        broker = new BrokerServer(config, Time.SYSTEM);
        ZooKeeperServerEmbedded zk = zookeeper;
        BrokerServer b = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            b.close();
            zk.close();
            System.out.println("STOPPED");
            stopped.countDown();
        }, "dev-shutdown"));
        try {
            broker.start();
        } catch (Exception e) {
            System.err.println("broker failed to start: " + e.getMessage());
            return 1;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!broker.coordination().isServing() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!broker.coordination().isServing()) {
            System.err.println("broker did not become SERVING within 30 s");
            return 1;
        }
        System.out.println("READY bootstrap=127.0.0.1:" + broker.port() + " zookeeper=127.0.0.1:" + zkPort + "/tributary"
                + (broker.metricsPort() > 0 ? " metrics=http://127.0.0.1:" + broker.metricsPort() + "/metrics" : ""));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
