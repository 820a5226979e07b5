package io.tributary.broker.server;

import io.tributary.broker.testing.EmbeddedCluster;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Python example ({@code client-sdk/examples/python/client.py}) run as grpc-api/README.md says: protoc with
 * grpc's Python plugin generates the code from the .proto files, then the client creates a topic, produces, fetches
 * back and checks every field against a real broker.
 *
 * <p>Skipped, saying which Debian packages to install, when protoc (3.15 or newer: the protos use proto3
 * {@code optional}), grpc_python_plugin or a python3 with grpc and protobuf is missing.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PythonClientTest {
    private static final String PACKAGES = "apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf";
    private static final long STEP_TIMEOUT_SECONDS = 60;

    @Test
    void aPythonClientGeneratedByProtocProducesAndConsumes() throws Exception {
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
        assertEquals(0, gen.exitCode(), "protoc failed:\n" + gen.output());

        try (EmbeddedCluster cluster = EmbeddedCluster.start(1)) {
            ExampleProcesses.Result r = ExampleProcesses.run(List.of(python, dir.resolve("client.py").toString(),
                    "--bootstrap-server", "127.0.0.1:" + cluster.port(1), "--generated", generated.toString(),
                    "--timeout-s", Long.toString(STEP_TIMEOUT_SECONDS - 10)), dir.getParent(), STEP_TIMEOUT_SECONDS);
            System.out.println("[PythonClientTest] python3 client.py -> exit " + r.exitCode() + "\n" + r.output());
            assertEquals(0, r.exitCode(), "the Python client failed:\n" + r.output());
            assertTrue(r.output().contains("checks passed"), "the Python client did not report its checks:\n" + r.output());
        }
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
