package io.tributary.broker.server;

import io.tributary.api.v1.AclOperation;
import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Python example ({@code client-sdk/examples/python/client.py}) run as grpc-api/README.md says: protoc with
 * grpc's Python plugin generates the code from the .proto files, then the client creates a topic, produces, fetches
 * back and checks every field against a real broker, over PLAINTEXT and, as a SCRAM user, over SASL_SSL.
 *
 * <p>Skipped, saying which Debian packages to install, when protoc (3.15 or newer: the protos use proto3
 * {@code optional}), its well-known types ({@code google/protobuf/any.proto}), grpc_python_plugin or a python3 with
 * grpc and protobuf is missing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PythonClientTest {
    private static final String PACKAGES = "apt-get install protobuf-compiler libprotobuf-dev protobuf-compiler-grpc"
            + " python3-grpcio python3-protobuf";
    private static final long STEP_TIMEOUT_SECONDS = 60;

    /** What running the example needs: the interpreter, the example's directory and the generated code. */
    private record Example(String python, Path dir, Path generated) {
        List<String> command(String bootstrap, String... more) {
            List<String> c = new ArrayList<>(List.of(python, dir.resolve("client.py").toString(), "--bootstrap-server", bootstrap,
                    "--generated", generated.toString(), "--timeout-s", Long.toString(STEP_TIMEOUT_SECONDS - 10)));
            c.addAll(List.of(more));
            return c;
        }
    }

    @Test
    void aPythonClientGeneratedByProtocProducesAndConsumes() throws Exception {
        Example example = prepare();
        try (EmbeddedCluster cluster = EmbeddedCluster.start(1)) {
            ExampleProcesses.Result r = run(example, example.command("127.0.0.1:" + cluster.port(1)), Map.of());
            assertEquals(0, r.exitCode(), "the Python client failed:\n" + r.output());
            assertTrue(r.output().contains("checks passed"), "the Python client did not report its checks:\n" + r.output());
        }
    }

    @Test
    void aPythonClientAuthenticatesWithScramOverTlsAndIsServedOnlyWhatItsAclsAllow() throws Exception {
        Example example = prepare();
        String password = "python-secret";
        try (SaslExampleCluster secure = SaslExampleCluster.start("python-user", password)) {
            // The password goes by environment, as the example's help recommends, not on the command line.
            Map<String, String> env = Map.of("TRIBUTARY_SASL_PASSWORD", password);
            List<String> sha512 = example.command(secure.saslSslAddress(), "--security-protocol", "SASL_SSL",
                    "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", "python-user", "--ssl-cafile", secure.caPem().toString());

            // TLS verifies the broker: trusting another CA, the client never reaches the SASL exchange.
            List<String> untrusted = new ArrayList<>(sha512);
            untrusted.set(untrusted.indexOf(secure.caPem().toString()), secure.otherCaPem().toString());
            ExampleProcesses.Result unverified = run(example, untrusted, env);
            assertEquals(1, unverified.exitCode(), "the Python client accepted a broker its CA did not sign:\n" + unverified.output());
            assertTrue(unverified.output().contains("UNAVAILABLE") && unverified.output().contains("certificate")
                    && !unverified.output().contains("authenticated as"), unverified.output());

            // No ACLs yet: the user authenticates (the refusals before and with a wrong password are checked on the
            // way) and is then refused creating its topic, so the authorizer judges the Python client's principal.
            ExampleProcesses.Result refused = run(example, sha512, env);
            assertEquals(1, refused.exitCode(), "the Python client was not refused without ACLs:\n" + refused.output());
            assertTrue(refused.output().contains("authenticated as User:python-user with SCRAM-SHA-512"), refused.output());
            assertTrue(refused.output().contains("TOPIC_AUTHORIZATION_FAILED"), refused.output());

            // Exactly what the example does to its topics; Describe comes with Read, Write and Delete.
            secure.allowTopicPrefix("python-example-", AclOperation.ACL_OPERATION_CREATE, AclOperation.ACL_OPERATION_WRITE,
                    AclOperation.ACL_OPERATION_READ, AclOperation.ACL_OPERATION_DELETE);
            ExampleProcesses.Result r = run(example, sha512, env);
            assertEquals(0, r.exitCode(), "the Python client failed over SASL_SSL:\n" + r.output());
            assertTrue(r.output().contains("checks passed"), "the Python client did not report its checks:\n" + r.output());

            List<String> sha256 = new ArrayList<>(sha512);
            sha256.set(sha256.indexOf("SCRAM-SHA-512"), "SCRAM-SHA-256");
            ExampleProcesses.Result r256 = run(example, sha256, env);
            assertEquals(0, r256.exitCode(), "the Python client failed with SCRAM-SHA-256:\n" + r256.output());
            assertTrue(r256.output().contains("authenticated as User:python-user with SCRAM-SHA-256"), r256.output());
        }
    }

    private static ExampleProcesses.Result run(Example example, List<String> command, Map<String, String> env) throws Exception {
        // Run from another directory on purpose: nothing may depend on the working directory.
        ExampleProcesses.Result r = ExampleProcesses.run(command, example.dir().getParent(), STEP_TIMEOUT_SECONDS, env);
        System.out.println("[PythonClientTest] python3 client.py " + String.join(" ", command.subList(2, command.size()))
                + " -> exit " + r.exitCode() + "\n" + r.output());
        return r;
    }

    /** Finds the tools (or skips, naming the packages) and generates the code with the guide's command. */
    private static Example prepare() throws Exception {
        String protoc = ExampleProcesses.findOnPath("protoc");
        String plugin = ExampleProcesses.findOnPath("grpc_python_plugin");
        Assumptions.assumeTrue(protoc != null && plugin != null,
                "protoc or grpc_python_plugin is not on PATH: skipping the Python client test (" + PACKAGES + ")");
        Path dir = ExampleProcesses.exampleDir("python", "client.py");
        Path repo = dir.getParent().getParent().getParent();
        ExampleProcesses.Result version = ExampleProcesses.run(List.of(protoc, "--version"), dir, STEP_TIMEOUT_SECONDS);
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+)").matcher(version.output());
        Assumptions.assumeTrue(m.find() && (Integer.parseInt(m.group(1)) > 3 || Integer.parseInt(m.group(2)) >= 15),
                "protoc is " + version.output().trim() + "; the protos need 3.15 or newer: skipping (" + PACKAGES + ")");
        String python = pythonWithGrpc(dir);
        Assumptions.assumeTrue(python != null, "no python3 with grpc and protobuf: skipping the Python client test (" + PACKAGES + ")");

        // The guide's command, with the output under target/ instead of the example's own generated/.
        Path generated = Path.of("target", "python-example", "generated").toAbsolutePath();
        Files.createDirectories(generated);
        Path protoRoot = repo.resolve("grpc-api/src/main/proto");
        List<String> generate = new ArrayList<>(List.of(protoc, "-I", protoRoot.toString(), "-I", dir.resolve("../proto").normalize().toString(),
                "--python_out=" + generated, "--grpc_out=" + generated, "--plugin=protoc-gen-grpc=" + plugin));
        try (var protos = Files.list(protoRoot.resolve("tributary/v1"))) {
            protos.filter(p -> p.toString().endsWith(".proto")).sorted().forEach(p -> generate.add(p.toString()));
        }
        generate.add(dir.resolve("../proto/google/rpc/status.proto").normalize().toString());
        ExampleProcesses.Result gen = ExampleProcesses.run(generate, dir, STEP_TIMEOUT_SECONDS);
        // Debian ships the well-known types (any.proto, which status.proto imports) in libprotobuf-dev, only a
        // Recommends of protobuf-compiler: an install without recommends has a protoc that cannot find them.
        Assumptions.assumeFalse(gen.exitCode() != 0 && gen.output().contains("google/protobuf/any.proto: File not found"),
                "protoc cannot find google/protobuf/any.proto: skipping the Python client test (" + PACKAGES + ")");
        assertEquals(0, gen.exitCode(), "protoc failed:\n" + gen.output());
        return new Example(python, dir, generated);
    }

    /** python3 on PATH, or Debian's /usr/bin/python3 (a pyenv python3 may shadow it), whichever imports grpc. */
    private static String pythonWithGrpc(Path dir) throws Exception {
        List<String> candidates = new ArrayList<>();
        String onPath = ExampleProcesses.findOnPath("python3");
        if (onPath != null) {
            candidates.add(onPath);
        }
        if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
            candidates.add("/usr/bin/python3");
        }
        for (String python : candidates) {
            if (ExampleProcesses.run(List.of(python, "-c", "import grpc, google.protobuf"), dir, STEP_TIMEOUT_SECONDS).exitCode() == 0) {
                return python;
            }
        }
        return null;
    }
}
