package io.tributary.client.faults;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.testing.StablePorts;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.CreateTopicsResponse;
import io.tributary.api.v1.ListOffsetsPartition;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.NewTopic;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.api.v1.TopicMetadata;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real cluster of separate JVM processes on 127.0.0.1: a ZooKeeper ensemble ({@code QuorumPeerMain}) and
 * brokers ({@code BrokerMain}), each started as {@code java -cp <this JVM's class path> <main>} with its config,
 * data and log file in one temporary directory. Every process is recorded with its PID; signals go to exactly
 * those PIDs: SIGKILL ({@link Process#destroyForcibly()}), SIGTERM ({@link Process#destroy()}), SIGSTOP/SIGCONT
 * ({@code kill -STOP/-CONT <pid>}). {@link #close()} kills every process it started and verifies none is left.
 *
 * <p>Brokers keep their port and log directory across restarts. Not thread-safe: one test thread drives it
 * (the producer driver only reads {@link #bootstrap()}).
 */
final class ProcessCluster implements AutoCloseable {
    /** Broker settings every fault test uses (tuned down so failovers fit CI's time). */
    static final int ZK_SESSION_TIMEOUT_MS = 6_000;
    static final long REPLICA_LAG_TIME_MAX_MS = 5_000;

    private final Path dir;
    private final String javaBin;
    private final String classPath;
    private final Path log4jConfig;
    private final int[] zkClientPorts;
    private final int[] zkQuorumPorts;
    private final int[] zkElectionPorts;
    private final Map<Integer, Integer> brokerPorts = new TreeMap<>();
    private final Map<Integer, Map<String, String>> brokerProps = new TreeMap<>();
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    /** Every process ever started, to verify at close that none survives. */
    private final List<Process> everStarted = new ArrayList<>();
    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
    private final Set<Integer> paused = new HashSet<>();
    /** Set on a failure: the directory (configs, data, logs) stays for diagnosis. */
    volatile boolean keepDir;

    private ProcessCluster(Path dir, int zkNodes) throws IOException {
        this.dir = dir;
        this.javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.classPath = System.getProperty("java.class.path");
        if (!classPath.contains("zookeeper") || !classPath.contains("broker-server")) {
            throw new IllegalStateException("the test class path lacks ZooKeeper or broker-server: " + classPath);
        }
        this.log4jConfig = dir.resolve("log4j2.xml");
        Files.writeString(log4jConfig, """
                <?xml version="1.0" encoding="UTF-8"?>
                <Configuration status="warn">
                  <Appenders>
                    <Console name="stdout" target="SYSTEM_OUT">
                      <PatternLayout pattern="%d{HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n"/>
                    </Console>
                  </Appenders>
                  <Loggers>
                    <Logger name="org.apache.zookeeper" level="warn"/>
                    <Logger name="org.apache.zookeeper.server.quorum.QuorumPeer" level="info"/>
                    <Logger name="org.apache.curator" level="warn"/>
                    <Logger name="io.grpc" level="warn"/>
                    <Logger name="io.netty" level="warn"/>
                    <Root level="info"><AppenderRef ref="stdout"/></Root>
                  </Loggers>
                </Configuration>
                """);
        zkClientPorts = new int[zkNodes];
        zkQuorumPorts = new int[zkNodes];
        zkElectionPorts = new int[zkNodes];
        for (int i = 0; i < zkNodes; i++) {
            zkClientPorts[i] = freePort();
            zkQuorumPorts[i] = freePort();
            zkElectionPorts[i] = freePort();
        }
    }

    /** Starts a {@code zkNodes}-node ZooKeeper ensemble and brokers 1..{@code brokers}, and waits until all serve. */
    static ProcessCluster start(int zkNodes, int brokers, Map<String, String> brokerOverrides) throws Exception {
        ProcessCluster c = new ProcessCluster(Files.createTempDirectory("tributary-faults"), zkNodes);
        // Safety net only (close() is the real cleanup): if the test JVM is stopped (e.g. Surefire's fork timeout)
        // before @AfterAll runs, no broker or ZooKeeper process may outlive it.
        Runtime.getRuntime().addShutdownHook(new Thread(c::killAllNow, "process-cluster-reaper"));
        log("cluster directory " + c.dir);
        try {
            for (int n = 1; n <= zkNodes; n++) {
                c.writeZkConfig(n);
                c.startZk(n);
            }
            c.awaitZkEnsemble(60_000);
            for (int id = 1; id <= brokers; id++) {
                c.defineBroker(id, brokerOverrides);
                c.startBrokerProcess(id);
            }
            for (int id = 1; id <= brokers; id++) {
                c.awaitBrokerServing(id, 60_000);
            }
            c.awaitCondition(() -> {
                MetadataResponse md = c.metadata();
                return md.getBrokersCount() == brokers && md.getControllerId() > 0;
            }, 30_000, "all brokers registered and a controller elected");
        } catch (Throwable e) {
            c.printAllLogTails(60);
            c.close();
            throw e;
        }
        return c;
    }

    static void log(String line) {
        System.out.printf("[faults %tT.%<tL] %s%n", System.currentTimeMillis(), line);
        System.out.flush();
    }

    /** Below the ephemeral range: a process killed and restarted here must get its port back (see StablePorts). */
    private static int freePort() {
        return StablePorts.next();
    }

    // ---------------------------------------------------------------- ZooKeeper

    String zkConnect() {
        StringBuilder sb = new StringBuilder();
        for (int p : zkClientPorts) {
            sb.append(sb.isEmpty() ? "" : ",").append("127.0.0.1:").append(p);
        }
        return sb.toString();
    }

    private void writeZkConfig(int n) throws IOException {
        Path nodeDir = dir.resolve("zk-" + n);
        Files.createDirectories(nodeDir.resolve("data"));
        Files.writeString(nodeDir.resolve("data").resolve("myid"), n + "\n");
        StringBuilder cfg = new StringBuilder()
                // tickTime 1000: sessions expire on time to the second, and 2 s..20 s timeouts are allowed.
                .append("tickTime=1000\ninitLimit=20\nsyncLimit=5\n")
                .append("dataDir=").append(nodeDir.resolve("data")).append('\n')
                .append("clientPort=").append(zkClientPorts[n - 1]).append('\n')
                .append("clientPortAddress=127.0.0.1\nmaxClientCnxns=0\nadmin.enableServer=false\n")
                .append("4lw.commands.whitelist=srvr\n");
        for (int i = 1; i <= zkClientPorts.length; i++) {
            cfg.append("server.").append(i).append("=127.0.0.1:").append(zkQuorumPorts[i - 1]).append(':')
                    .append(zkElectionPorts[i - 1]).append('\n');
        }
        Files.writeString(nodeDir.resolve("zoo.cfg"), cfg.toString());
    }

    /** The ZooKeeper node currently leading the ensemble, or -1. */
    int zkLeader() {
        for (int n = 1; n <= zkClientPorts.length; n++) {
            if ("leader".equals(zkMode(n))) {
                return n;
            }
        }
        return -1;
    }

    void kill9Zk(int n) throws InterruptedException {
        Process p = running.remove("zk-" + n);
        log("kill -9 zk-" + n + " (pid " + p.pid() + ")");
        p.destroyForcibly();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("zk-" + n + " survived SIGKILL");
        }
    }

    /** Restarts a ZooKeeper node on its config and data and waits until the whole ensemble serves again. */
    void restartZk(int n) throws IOException {
        startZk(n);
        awaitZkEnsemble(60_000);
    }

    private void startZk(int n) throws IOException {
        Path nodeDir = dir.resolve("zk-" + n);
        launch("zk-" + n, nodeDir, List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.admin.enableServer=false"),
                "org.apache.zookeeper.server.quorum.QuorumPeerMain", List.of(nodeDir.resolve("zoo.cfg").toString()));
    }

    /** The node's {@code srvr} mode ("leader", "follower", "standalone") or null if it does not serve. */
    String zkMode(int n) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", zkClientPorts[n - 1]), 1_000);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : reply.split("\n")) {
                if (line.startsWith("Mode: ")) {
                    return line.substring(6).trim();
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private void awaitZkEnsemble(long timeoutMs) {
        awaitCondition(() -> {
            int leaders = 0;
            for (int n = 1; n <= zkClientPorts.length; n++) {
                String mode = zkMode(n);
                if (mode == null) {
                    return false;
                }
                leaders += mode.equals("leader") || mode.equals("standalone") ? 1 : 0;
            }
            return leaders == 1;
        }, timeoutMs, "ZooKeeper ensemble serving with a leader");
    }

    // ---------------------------------------------------------------- brokers

    private void defineBroker(int id, Map<String, String> overrides) throws IOException {
        int port = freePort();
        brokerPorts.put(id, port);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("broker.id", Integer.toString(id));
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("log.dirs", dir.resolve("broker-" + id).resolve("data").toString());
        p.put("zookeeper.connect", zkConnect() + "/tributary");
        p.put("zookeeper.session.timeout.ms", Integer.toString(ZK_SESSION_TIMEOUT_MS));
        p.put("zookeeper.connection.timeout.ms", "20000");
        p.put("replica.lag.time.max.ms", Long.toString(REPLICA_LAG_TIME_MAX_MS));
        p.put("default.replication.factor", "3");
        p.put("min.insync.replicas", "2");
        p.put("controlled.shutdown.timeout.ms", "2000");
        p.put("num.io.threads", "4");
        p.putAll(overrides);
        brokerProps.put(id, p);
        Path brokerDir = dir.resolve("broker-" + id);
        Files.createDirectories(brokerDir);
        StringBuilder sb = new StringBuilder("# written by ProcessCluster\n");
        p.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(brokerDir.resolve("server.properties"), sb.toString());
    }

    Set<Integer> brokerIds() {
        return brokerPorts.keySet();
    }

    int port(int brokerId) {
        return brokerPorts.get(brokerId);
    }

    String bootstrap() {
        return brokerPorts.values().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    Path logDir(int brokerId) {
        return Path.of(brokerProps.get(brokerId).get("log.dirs"));
    }

    private void startBrokerProcess(int id) throws IOException {
        Path brokerDir = dir.resolve("broker-" + id);
        launch("broker-" + id, brokerDir, List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                "io.tributary.broker.server.BrokerMain", List.of(brokerDir.resolve("server.properties").toString()));
    }

    boolean isRunning(int brokerId) {
        Process p = running.get("broker-" + brokerId);
        return p != null && p.isAlive();
    }

    Set<Integer> runningBrokers() {
        Set<Integer> ids = new HashSet<>();
        for (int id : brokerPorts.keySet()) {
            if (isRunning(id) && !paused.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    long pid(int brokerId) {
        return running.get("broker-" + brokerId).pid();
    }

    /**
     * Starts broker {@code id} and waits until it serves. A broker restarted right after a kill -9 refuses to
     * start while its previous ZooKeeper session still holds its id (until that session expires); then the start
     * is retried.
     *
     * @return how many starts were refused that way
     */
    int startBroker(int id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int refused = 0;
        while (true) {
            startBrokerProcess(id);
            Process p = running.get("broker-" + id);
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    break;
                }
                if (healthServing(id)) {
                    return refused;
                }
                Thread.sleep(100);
            }
            if (p.isAlive()) {
                printLogTail("broker-" + id, 80);
                throw new AssertionError("broker " + id + " did not serve within 60 s");
            }
            String tail = logTail("broker-" + id, 20);
            running.remove("broker-" + id);
            if (p.exitValue() == 1 && tail.contains("already registered") && System.nanoTime() < deadline) {
                refused++;
                Thread.sleep(500);
                continue;
            }
            printLogTail("broker-" + id, 80);
            throw new AssertionError("broker " + id + " exited with " + p.exitValue() + " while starting");
        }
    }

    private void awaitBrokerServing(int id, long timeoutMs) {
        awaitCondition(() -> {
            if (!isRunning(id)) {
                throw new AssertionError("broker " + id + " exited with " + running.get("broker-" + id).exitValue());
            }
            return healthServing(id);
        }, timeoutMs, "broker " + id + " serving");
    }

    boolean healthServing(int id) {
        try {
            return HealthGrpc.newBlockingStub(channel(id)).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** SIGKILL; waits until the process is gone. */
    void kill9(int id) throws InterruptedException {
        Process p = running.remove("broker-" + id);
        log("kill -9 broker " + id + " (pid " + p.pid() + ")");
        p.destroyForcibly();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("broker " + id + " survived SIGKILL");
        }
        paused.remove(id);
    }

    /** SIGTERM (clean shutdown); waits for the exit (SIGKILL after 30 s, failing the test). */
    void sigterm(int id) throws InterruptedException {
        awaitExit(id, sigtermNoWait(id));
    }

    /** SIGTERM without waiting: the broker shuts down (and its in-flight calls drain) while the test watches. */
    Process sigtermNoWait(int id) {
        Process p = running.remove("broker-" + id);
        log("SIGTERM broker " + id + " (pid " + p.pid() + ")");
        p.destroy();
        return p;
    }

    void awaitExit(int id, Process p) throws InterruptedException {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            printLogTail("broker-" + id, 60);
            throw new AssertionError("broker " + id + " did not stop within 30 s of SIGTERM");
        }
    }

    void sigstop(int id) throws Exception {
        signal(id, "STOP");
        paused.add(id);
    }

    void sigcont(int id) throws Exception {
        signal(id, "CONT");
        paused.remove(id);
    }

    private void signal(int id, String sig) throws Exception {
        Process p = running.get("broker-" + id);
        log("kill -" + sig + " broker " + id + " (pid " + p.pid() + ")");
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new AssertionError("kill -" + sig + " " + p.pid() + " failed");
        }
    }

    // ---------------------------------------------------------------- processes

    private void launch(String name, Path workDir, List<String> jvmOpts, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(jvmOpts);
        cmd.add("-Dlog4j2.configurationFile=" + log4jConfig);
        cmd.add("-Dtributary.process=" + name);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(args);
        Path logFile = workDir.resolve(name + ".log");
        Files.writeString(logFile, "==== start " + java.time.Instant.now() + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        running.put(name, p);
        synchronized (everStarted) {
            everStarted.add(p);
        }
        log("started " + name + " (pid " + p.pid() + ")");
    }

    private Path logFile(String name) {
        return dir.resolve(name).resolve(name + ".log");
    }

    String logTail(String name, int lines) {
        try {
            List<String> all = Files.readAllLines(logFile(name), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    void printLogTail(String name, int lines) {
        System.out.println("----- last " + lines + " lines of " + logFile(name) + " -----");
        System.out.println(logTail(name, lines));
        System.out.println("----- end of " + name + " -----");
    }

    void printAllLogTails(int lines) {
        for (int id : brokerPorts.keySet()) {
            printLogTail("broker-" + id, lines);
        }
    }

    /** Lines of a broker's log file matching {@code needle} (for diagnosis and assertions). */
    List<String> grepLog(int brokerId, String needle) throws IOException {
        try (Stream<String> s = Files.lines(logFile("broker-" + brokerId), StandardCharsets.UTF_8)) {
            return s.filter(l -> l.contains(needle)).toList();
        }
    }

    // ---------------------------------------------------------------- gRPC

    ManagedChannel channel(int id) {
        return channels.computeIfAbsent(id, k -> NettyChannelBuilder.forAddress("127.0.0.1", brokerPorts.get(k))
                .usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build());
    }

    /** Metadata as a running (not paused) broker sees it; tries each in turn. */
    MetadataResponse metadata() {
        RuntimeException last = null;
        for (int id : runningBrokers()) {
            try {
                return metadataFrom(id);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last != null ? last : new IllegalStateException("no broker running");
    }

    MetadataResponse metadataFrom(int id) {
        return MetadataGrpc.newBlockingStub(channel(id)).withDeadlineAfter(2, TimeUnit.SECONDS)
                .getMetadata(MetadataRequest.getDefaultInstance());
    }

    static Optional<PartitionMetadata> partition(MetadataResponse md, String topic, int partition) {
        for (TopicMetadata t : md.getTopicsList()) {
            if (t.getName().equals(topic)) {
                return t.getPartitionsList().stream().filter(p -> p.getPartition() == partition).findFirst();
            }
        }
        return Optional.empty();
    }

    PartitionMetadata partition(String topic, int partition) {
        return partition(metadata(), topic, partition).orElseThrow(() -> new IllegalStateException("no metadata for " + topic + "-" + partition));
    }

    int leaderOf(String topic, int partition) {
        return partition(topic, partition).getLeaderId();
    }

    int controllerId() {
        return metadata().getControllerId();
    }

    void createTopic(String name, int partitions, int rf, Map<String, String> configs) {
        int any = runningBrokers().iterator().next();
        CreateTopicsResponse r = AdminGrpc.newBlockingStub(channel(any)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(20_000).addTopics(NewTopic.newBuilder()
                        .setName(name).setNumPartitions(partitions).setReplicationFactor(rf).putAllConfigs(configs)).build());
        if (r.getTopics(0).hasError() && !r.getTopics(0).getError().getCode().isEmpty()) {
            throw new IllegalStateException("create topic failed: " + r.getTopics(0).getError());
        }
        awaitHealthy(name, partitions, 30_000);
    }

    /**
     * Waits until every partition of {@code topic} has a running leader and a full ISR (every assigned replica),
     * as every running broker's metadata says, and each leader accepts a ListOffsets as leader.
     */
    void awaitHealthy(String topic, int partitions, long timeoutMs) {
        awaitCondition(() -> {
            Set<Integer> up = runningBrokers();
            for (int id : up) {
                MetadataResponse md = metadataFrom(id);
                if (md.getBrokersCount() != up.size() || md.getControllerId() <= 0) {
                    return false;
                }
                for (int p = 0; p < partitions; p++) {
                    PartitionMetadata pm = partition(md, topic, p).orElse(null);
                    if (pm == null || !up.contains(pm.getLeaderId()) || pm.getIsrCount() != pm.getReplicasCount()) {
                        return false;
                    }
                }
            }
            for (int p = 0; p < partitions; p++) {
                ListOffsetsResult r = listOffsets(leaderOf(topic, p), topic, p);
                if (!r.getError().getCode().isEmpty()) {
                    return false;
                }
            }
            return true;
        }, timeoutMs, "every partition of " + topic + " led by a running broker with a full ISR");
    }

    /** ListOffsets (latest) at one broker: its log end offset and high watermark, or an error. */
    ListOffsetsResult listOffsets(int brokerId, String topic, int partition) {
        return MetadataGrpc.newBlockingStub(channel(brokerId)).withDeadlineAfter(3, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition.newBuilder()
                        .setTopic(topic).setPartition(partition).setTimestamp(-1)).build())
                .getPartitions(0);
    }

    /** One raw ProduceOnce of a single-record batch to one broker: the broker's exact answer. */
    PartitionProduceResult produceRaw(int brokerId, String topic, int partition, String value, int acks, long deadlineMs) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        return ProducerGrpc.newBlockingStub(channel(brokerId)).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                .produceOnce(ProduceRequest.newBuilder().setAcks(acks).setCorrelationId(1).setClientId("fault-test")
                        .addPartitions(PartitionProduceData.newBuilder().setTopic(topic).setPartition(partition)
                                .setRecords(ByteString.copyFrom(RecordBatchBuilder.create()
                                        .append(System.currentTimeMillis(), null, v).build())))
                        .build())
                .getPartitions(0);
    }

    void awaitCondition(BooleanSupplier condition, long timeoutMs, String what) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        RuntimeException lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (AssertionError fatal) {
                throw fatal;
            } catch (RuntimeException notYet) {
                lastError = notYet;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what
                + (lastError == null ? "" : " (last error: " + lastError + ")"));
    }

    // ---------------------------------------------------------------- close

    private void killAllNow() {
        List<Process> all;
        synchronized (everStarted) {
            all = new ArrayList<>(everStarted);
        }
        for (Process p : all) {
            p.destroyForcibly();
        }
    }

    /** Kills every process this cluster started (SIGCONT first for paused ones), verifies none is left, deletes the directory. */
    @Override
    public void close() throws Exception {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow();
        }
        List<Process> all;
        synchronized (everStarted) {
            all = new ArrayList<>(everStarted);
        }
        for (int id : new ArrayList<>(paused)) {
            try {
                sigcont(id);
            } catch (Exception ignored) {
                // SIGKILL below works on stopped processes too.
            }
        }
        // Brokers first (SIGTERM, so they close their sessions), then ZooKeeper; SIGKILL whatever lingers.
        for (String prefix : List.of("broker-", "zk-")) {
            List<Process> group = new ArrayList<>();
            for (Map.Entry<String, Process> e : running.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    e.getValue().destroy();
                    group.add(e.getValue());
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            for (Process p : group) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        for (Process p : all) {
            p.destroyForcibly();
        }
        List<Long> survivors = new ArrayList<>();
        for (Process p : all) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                survivors.add(p.pid());
            }
        }
        running.clear();
        if (!survivors.isEmpty()) {
            throw new AssertionError("processes still alive after close: " + survivors);
        }
        if (!keepDir && !Boolean.getBoolean("tributary.faults.keepDir")) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } else {
            log("kept " + dir);
        }
    }
}
