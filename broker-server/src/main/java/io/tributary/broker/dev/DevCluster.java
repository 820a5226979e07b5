package io.tributary.broker.dev;

import io.tributary.api.config.ConfigException;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.server.BrokerServer;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Single-process development cluster: ZooKeeper's own embedded server ({@link ZooKeeperServerEmbedded}, standalone,
 * on 127.0.0.1) and one broker (id 1) in the same JVM, data under one directory. For first contact only — one
 * ZooKeeper and one broker tolerate no failure; the three-node ensemble ({@code scripts/cluster.sh}) is the real
 * set-up. Run by {@code scripts/tributary-dev.sh}.
 *
 * <pre>
 * DevCluster [--dir DIR] [--port 9092] [--zk-port 2181] [--override key=value ...]
 * </pre>
 * Prints {@code READY bootstrap=127.0.0.1:PORT zookeeper=127.0.0.1:ZKPORT/tributary} once the broker is SERVING;
 * stops cleanly (broker, then ZooKeeper) on SIGTERM/SIGINT.
 */
public final class DevCluster {
    private DevCluster() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("dev-data");
        int port = 9092;
        int zkPort = 2181;
        Map<String, String> overrides = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    usage();
                    return;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--dir" -> dir = Path.of(v);
                    case "--port" -> port = Integer.parseInt(v);
                    case "--zk-port" -> zkPort = Integer.parseInt(v);
                    case "--override" -> {
                        int eq = v.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--override needs key=value, got '" + v + "'");
                        }
                        overrides.put(v.substring(0, eq), v.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unexpected argument '" + a + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("DevCluster: " + e.getMessage());
            usage();
            System.exit(2);
            return;
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
            System.exit(1);
            return;
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
            System.exit(1);
            return;
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
            System.exit(1);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!broker.coordination().isServing() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!broker.coordination().isServing()) {
            System.err.println("broker did not become SERVING within 30 s");
            System.exit(1);
            return;
        }
        System.out.println("READY bootstrap=127.0.0.1:" + broker.port() + " zookeeper=127.0.0.1:" + zkPort + "/tributary");
        System.out.flush();
        stopped.await();
    }

    private static void usage() {
        System.out.println("usage: DevCluster [--dir DIR] [--port 9092] [--zk-port 2181] [--override key=value ...]");
        System.out.println("One broker (id 1) and an embedded standalone ZooKeeper in one JVM, for development only.");
    }
}
