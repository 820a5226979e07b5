package io.tributary.broker.server;

import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * "Any language, proven": runs the Node.js example client ({@code client-sdk/examples/node/client.js}), which
 * knows nothing but the .proto files, against a real broker. It creates a topic, produces in both produce forms,
 * fetches everything back and checks every field; exit code 0 means all its checks passed.
 *
 * <p>Skipped only when {@code node} is not installed. When the example's node_modules is missing it runs
 * {@code npm ci}; a failing npm (e.g. no registry) fails the test with npm's output rather than skipping.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NodeClientTest {
    private static final long NPM_TIMEOUT_SECONDS = 180;
    private static final long CLIENT_TIMEOUT_SECONDS = 90;

    @Test
    void aNodeClientWithOnlyTheProtoFilesProducesAndConsumes() throws Exception {
        String node = findOnPath("node");
        Assumptions.assumeTrue(node != null, "node is not installed (not on PATH): skipping the Node.js client test");
        Path dir = exampleDir();

        // Several builds of this checkout may run this test at once: the lock keeps one from running `npm ci`
        // (which empties node_modules first) while another runs node.
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "tributary-node-example.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            ensureDependencies(dir);
            try (EmbeddedCluster cluster = EmbeddedCluster.start(1)) {
                List<String> command = List.of(node, dir.resolve("client.js").toString(),
                        "--bootstrap-server", "127.0.0.1:" + cluster.port(1),
                        "--timeout-ms", Long.toString(TimeUnit.SECONDS.toMillis(CLIENT_TIMEOUT_SECONDS - 10)));
                // Run from another directory on purpose: the client finds the .proto files from its own location.
                Result r = run(command, dir.getParent(), CLIENT_TIMEOUT_SECONDS);
                System.out.println("[NodeClientTest] node client.js -> exit " + r.exitCode + "\n" + r.output);
                assertEquals(0, r.exitCode, "the Node.js client failed:\n" + r.output);
                assertTrue(r.output.contains("checks passed"), "the Node.js client did not report its checks:\n" + r.output);
            }
        }
    }

    /** Runs `npm ci` (or `npm install` without a lock file) when the example's dependencies are missing. */
    private static void ensureDependencies(Path dir) throws Exception {
        if (Files.isDirectory(dir.resolve("node_modules").resolve("@grpc").resolve("grpc-js"))
                && Files.isDirectory(dir.resolve("node_modules").resolve("@grpc").resolve("proto-loader"))) {
            return;
        }
        String npm = findOnPath("npm");
        if (npm == null) {
            fail("node is installed but npm is not, and " + dir.resolve("node_modules") + " is missing: install npm"
                    + " or run `npm ci` in " + dir);
        }
        List<String> install = Files.exists(dir.resolve("package-lock.json"))
                ? List.of(npm, "ci", "--no-audit", "--no-fund")
                : List.of(npm, "install", "--no-audit", "--no-fund");
        Result r = run(install, dir, NPM_TIMEOUT_SECONDS);
        System.out.println("[NodeClientTest] " + String.join(" ", install) + " -> exit " + r.exitCode + "\n" + r.output);
        assertEquals(0, r.exitCode, "`" + String.join(" ", install) + "` failed in " + dir
                + " (is the npm registry reachable?):\n" + r.output);
    }

    /** The example directory, found by walking up from the working directory to the repository root. */
    private static Path exampleDir() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve("client-sdk").resolve("examples").resolve("node");
            if (Files.isRegularFile(candidate.resolve("client.js"))) {
                return candidate;
            }
        }
        throw new AssertionError("client-sdk/examples/node/client.js not found above " + start);
    }

    private static String findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(d, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private record Result(int exitCode, String output) {
    }

    /**
     * Runs a command with stderr merged into stdout, bounded by {@code timeoutSeconds}; the process (and its
     * descendants) is destroyed by handle in a finally block, never by name.
     */
    private static Result run(List<String> command, Path workDir, long timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile()).redirectErrorStream(true);
        Process process = pb.start();
        long pid = process.pid();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (output) {
                        output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "output of pid " + pid);
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                destroy(process);
                reader.join(5_000);
                synchronized (output) {
                    fail("`" + String.join(" ", command) + "` (pid " + pid + ") did not finish within " + timeoutSeconds
                            + " s; output so far:\n" + output);
                }
            }
            reader.join(10_000);
            synchronized (output) {
                return new Result(process.exitValue(), output.toString());
            }
        } finally {
            destroy(process);
        }
    }

    private static void destroy(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
