package io.tributary.broker.server;

import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        String node = ExampleProcesses.findOnPath("node");
        Assumptions.assumeTrue(node != null, "node is not installed (not on PATH): skipping the Node.js client test");
        Path dir = ExampleProcesses.exampleDir("node", "client.js");

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
                ExampleProcesses.Result r = ExampleProcesses.run(command, dir.getParent(), CLIENT_TIMEOUT_SECONDS);
                System.out.println("[NodeClientTest] node client.js -> exit " + r.exitCode() + "\n" + r.output());
                assertEquals(0, r.exitCode(), "the Node.js client failed:\n" + r.output());
                assertTrue(r.output().contains("checks passed"), "the Node.js client did not report its checks:\n" + r.output());
            }
        }
    }

    /** Runs `npm ci` (or `npm install` without a lock file) when the example's dependencies are missing. */
    private static void ensureDependencies(Path dir) throws Exception {
        if (Files.isDirectory(dir.resolve("node_modules").resolve("@grpc").resolve("grpc-js"))
                && Files.isDirectory(dir.resolve("node_modules").resolve("@grpc").resolve("proto-loader"))) {
            return;
        }
        String npm = ExampleProcesses.findOnPath("npm");
        if (npm == null) {
            fail("node is installed but npm is not, and " + dir.resolve("node_modules") + " is missing: install npm"
                    + " or run `npm ci` in " + dir);
        }
        List<String> install = Files.exists(dir.resolve("package-lock.json"))
                ? List.of(npm, "ci", "--no-audit", "--no-fund")
                : List.of(npm, "install", "--no-audit", "--no-fund");
        ExampleProcesses.Result r = ExampleProcesses.run(install, dir, NPM_TIMEOUT_SECONDS);
        System.out.println("[NodeClientTest] " + String.join(" ", install) + " -> exit " + r.exitCode() + "\n" + r.output());
        assertEquals(0, r.exitCode(), "`" + String.join(" ", install) + "` failed in " + dir
                + " (is the npm registry reachable?):\n" + r.output());
    }
}
