package io.tributary.broker.server;

import io.tributary.api.v1.AclOperation;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * "Any language, proven": runs the Node.js example client ({@code client-sdk/examples/node/client.js}), which
 * knows nothing but the .proto files, against a real broker. It creates a topic, produces in both produce forms,
 * fetches everything back and checks every field; exit code 0 means all its checks passed. It does so over PLAINTEXT
 * and, as a SCRAM user whose ACLs decide what it may do, over SASL_SSL.
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
        String node = findNode();
        Path dir = ExampleProcesses.exampleDir("node", "client.js");
        try (FileChannel ignored = lockExample()) {
            ensureDependencies(dir);
            try (EmbeddedCluster cluster = EmbeddedCluster.start(1)) {
                ExampleProcesses.Result r = run(node, dir, "127.0.0.1:" + cluster.port(1), List.of(), Map.of());
                assertEquals(0, r.exitCode(), "the Node.js client failed:\n" + r.output());
                assertTrue(r.output().contains("checks passed"), "the Node.js client did not report its checks:\n" + r.output());
            }
        }
    }

    @Test
    void aNodeClientAuthenticatesWithScramOverTlsAndIsServedOnlyWhatItsAclsAllow() throws Exception {
        String node = findNode();
        Path dir = ExampleProcesses.exampleDir("node", "client.js");
        String password = "node-secret";
        try (FileChannel ignored = lockExample()) {
            ensureDependencies(dir);
            try (SaslExampleCluster secure = SaslExampleCluster.start("node-user", password)) {
                // The password goes by environment, as the example's usage recommends, not on the command line.
                Map<String, String> env = Map.of("TRIBUTARY_SASL_PASSWORD", password);
                List<String> sasl = new ArrayList<>(List.of("--security-protocol", "SASL_SSL", "--sasl-mechanism", "SCRAM-SHA-512",
                        "--sasl-username", "node-user", "--ssl-cafile", secure.caPem().toString()));

                // TLS verifies the broker: trusting another CA, the client never reaches the SASL exchange.
                List<String> untrusted = new ArrayList<>(sasl);
                untrusted.set(untrusted.indexOf(secure.caPem().toString()), secure.otherCaPem().toString());
                ExampleProcesses.Result unverified = run(node, dir, secure.saslSslAddress(), untrusted, env);
                assertEquals(1, unverified.exitCode(), "the Node.js client accepted a broker its CA did not sign:\n" + unverified.output());
                assertTrue(unverified.output().contains("UNAVAILABLE") && unverified.output().contains("certificate")
                        && !unverified.output().contains("authenticated as"), unverified.output());

                // No ACLs yet: the user authenticates (the refusals before and with a wrong password are checked on
                // the way) and is then refused creating its topics, so the authorizer judges the Node principal.
                ExampleProcesses.Result refused = run(node, dir, secure.saslSslAddress(), sasl, env);
                assertEquals(1, refused.exitCode(), "the Node.js client was not refused without ACLs:\n" + refused.output());
                assertTrue(refused.output().contains("authenticated as User:node-user with SCRAM-SHA-512"), refused.output());
                assertTrue(refused.output().contains("TOPIC_AUTHORIZATION_FAILED"), refused.output());

                // Exactly what the example does to its topics; Describe comes with Read, Write and Delete.
                secure.allowTopicPrefix("node-client-", AclOperation.ACL_OPERATION_CREATE, AclOperation.ACL_OPERATION_WRITE,
                        AclOperation.ACL_OPERATION_READ, AclOperation.ACL_OPERATION_DELETE);
                ExampleProcesses.Result r = run(node, dir, secure.saslSslAddress(), sasl, env);
                assertEquals(0, r.exitCode(), "the Node.js client failed over SASL_SSL:\n" + r.output());
                assertTrue(r.output().contains("checks passed"), "the Node.js client did not report its checks:\n" + r.output());

                sasl.set(sasl.indexOf("SCRAM-SHA-512"), "SCRAM-SHA-256");
                ExampleProcesses.Result r256 = run(node, dir, secure.saslSslAddress(), sasl, env);
                assertEquals(0, r256.exitCode(), "the Node.js client failed with SCRAM-SHA-256:\n" + r256.output());
                assertTrue(r256.output().contains("authenticated as User:node-user with SCRAM-SHA-256"), r256.output());
            }
        }
    }

    private static String findNode() {
        String node = ExampleProcesses.findOnPath("node");
        Assumptions.assumeTrue(node != null, "node is not installed (not on PATH): skipping the Node.js client test");
        return node;
    }

    /**
     * Several builds of this checkout may run these tests at once: the lock keeps one from running `npm ci` (which
     * empties node_modules first) while another runs node. Closing the returned channel releases the lock.
     */
    private static FileChannel lockExample() throws Exception {
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "tributary-node-example.lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.lock();
            return channel;
        } catch (Exception | Error e) {
            channel.close();
            throw e;
        }
    }

    private static ExampleProcesses.Result run(String node, Path dir, String bootstrap, List<String> more,
                                               Map<String, String> env) throws Exception {
        List<String> command = new ArrayList<>(List.of(node, dir.resolve("client.js").toString(), "--bootstrap-server", bootstrap,
                "--timeout-ms", Long.toString(TimeUnit.SECONDS.toMillis(CLIENT_TIMEOUT_SECONDS - 10))));
        command.addAll(more);
        // Run from another directory on purpose: the client finds the .proto files from its own location.
        ExampleProcesses.Result r = ExampleProcesses.run(command, dir.getParent(), CLIENT_TIMEOUT_SECONDS, env);
        System.out.println("[NodeClientTest] node client.js " + String.join(" ", command.subList(2, command.size()))
                + " -> exit " + r.exitCode() + "\n" + r.output());
        return r;
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
