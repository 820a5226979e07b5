package io.tributary.client.ops;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code scripts/test/ops-smoke.sh}: the operations scripts (zk-ensemble.sh, brokers.sh, cluster.sh) start a
 * real three-node ZooKeeper ensemble and three broker JVMs, the console tools produce and consume 1,000 records,
 * and everything is stopped with nothing left running; and {@code scripts/test/secure-smoke.sh}: the same scripts
 * with {@code cluster.sh start --secure} (SASL ZooKeeper, SASL_SSL and mutual TLS brokers, ACLs).
 *
 * <p>It lives in client-sdk, the last module of the reactor, because the script needs both the broker and the
 * command-line tools, and during {@code ./mvnw verify} client-sdk's jar and tools classpath are only written after
 * its tests run: the test hands the script this module's test classpath (which holds the broker, ZooKeeper and the
 * tools) as {@code TRIBUTARY_CLASSPATH}. Skipped where there is no bash or no /proc (the script's leftover check).
 */
class OpsSmokeScriptTest {
    private static final long TIMEOUT_SECONDS = 240;

    @Test
    void scriptsStartProduceConsumeAndStopCleanly() throws Exception {
        runScript("ops-smoke", "OPS_SMOKE");
    }

    @Test
    void aSecureClusterFromTheScriptsAuthenticatesAuthorizesAndLocksZooKeeper() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "keytool")), "needs the JDK's keytool");
        runScript("secure-smoke", "SECURE_SMOKE");
    }

    private static void runScript(String name, String envPrefix) throws Exception {
        assumeTrue(new File("/bin/bash").canExecute() || new File("/usr/bin/bash").canExecute(), "needs bash");
        assumeTrue(new File("/proc/self/cmdline").exists(), "needs /proc");
        Path root = repoRoot();
        Path script = root.resolve("scripts/test/" + name + ".sh");
        assumeTrue(Files.isRegularFile(script), "scripts/test/" + name + ".sh not found from " + root);

        int[] ports = freePortBases();
        Path log = Path.of("target", name + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("TRIBUTARY_CLASSPATH", testClasspath());
        pb.environment().put("TRIBUTARY_NO_BUILD", "1");
        // The scripts' processes run on the JDK running this test, whatever is (or is not) on PATH.
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put(envPrefix + "_ZK_PORT", String.valueOf(ports[0]));
        pb.environment().put(envPrefix + "_BROKER_PORT", String.valueOf(ports[1]));
        Process process = pb.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            // SIGTERM lets the script's EXIT trap stop the cluster it started.
            process.destroy();
            process.waitFor(60, TimeUnit.SECONDS);
            fail(name + ".sh did not finish within " + TIMEOUT_SECONDS + " s; output:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), name + ".sh failed; output:\n" + output);
        System.out.println(output.lines().filter(l -> l.startsWith("== ")).collect(Collectors.joining("\n")));
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/test/ops-smoke.sh"))) {
            dir = dir.getParent();
        }
        return dir == null ? Path.of("").toAbsolutePath() : dir;
    }

    /** This module's test classpath without test classes (their log4j2-test.xml is not what the scripts run). */
    private static String testClasspath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = Arrays.stream(cp.split(File.pathSeparator))
                .filter(e -> !e.isBlank() && !e.endsWith("test-classes") && !e.endsWith("-tests.jar"))
                .toList();
        return String.join(File.pathSeparator, entries);
    }

    /**
     * A ZooKeeper base port P with P..P+2, P+707..P+709 (quorum) and P+1707..P+1709 (election) free, and a broker
     * base B = P+3000 with B..B+2, B+100..B+102 (a secure cluster's inter-broker listeners) free; below the Linux ephemeral range so other tests' port-0 sockets cannot take them.
     */
    private static int[] freePortBases() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int zk = 20_000 + ThreadLocalRandom.current().nextInt(0, 800) * 10;
            int broker = zk + 3_000;
            int[] all = {zk, zk + 1, zk + 2, zk + 707, zk + 708, zk + 709, zk + 1707, zk + 1708, zk + 1709,
                    broker, broker + 1, broker + 2, broker + 100, broker + 101, broker + 102, broker + 312, broker + 313, broker + 314}; // + 312: /metrics
            if (Arrays.stream(all).allMatch(OpsSmokeScriptTest::free)) {
                return new int[] {zk, broker};
            }
        }
        throw new IOException("no free port range found");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
