package io.tributary.broker.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tributary.api.testing.StablePorts;
import io.tributary.api.v1.AdminGrpc;
import io.tributary.api.v1.CreateTopicsRequest;
import io.tributary.api.v1.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A broker process started with the shipped log configuration and {@code -Dtributary.log.format=json} writes only
 * JSON lines, and with {@code -Dtributary.request.log.level=debug} one request-log line per call, with the principal,
 * RPC, topic and error as fields of their own.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StructuredLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonFormatWritesOneObjectPerLineAndTheRequestLogHasItsFields(@TempDir Path dir) throws Exception {
        Path config = Path.of("src/main/resources/log4j2.xml").toAbsolutePath();
        assertTrue(Files.isRegularFile(config), config.toString());
        int port = StablePorts.next();
        int zkPort = StablePorts.next();
        Path out = dir.resolve("broker.out");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dlog4j2.configurationFile=" + config, "-Dtributary.log.format=json", "-Dtributary.request.log.level=debug",
                "-cp", System.getProperty("java.class.path"), "io.tributary.broker.dev.DevCluster",
                "--dir", dir.resolve("data").toString(), "--port", Integer.toString(port), "--zk-port", Integer.toString(zkPort),
                "--metrics-port", "-1");
        Process broker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            awaitLine(out, "READY", broker);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            try {
                String error = AdminGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                        .createTopics(CreateTopicsRequest.newBuilder().addTopics(NewTopic.newBuilder().setName("logged")
                                .setNumPartitions(1).setReplicationFactor(1)).setTimeoutMs(10_000).build())
                        .getTopics(0).getError().getCode();
                assertTrue(error.isEmpty(), error);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            awaitLine(out, "\"rpc\":\"CreateTopics\"", broker);
        } finally {
            // Stops exactly the process this test started, by its handle.
            broker.destroy();
            if (!broker.waitFor(15, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }

        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            // The DevCluster's own READY/STOPPED lines go to stdout directly, not through logging.
            if (line.startsWith("READY") || line.startsWith("STOPPED") || line.isBlank()) {
                continue;
            }
            try {
                events.add(JSON.readTree(line));
            } catch (IOException notJson) {
                fail("a log line that is not JSON: " + line);
            }
        }
        assertTrue(events.size() > 5, "the broker logged its start: " + events.size() + " events");
        for (JsonNode e : events) {
            assertTrue(e.hasNonNull("@timestamp") && e.hasNonNull("log.level") && e.hasNonNull("message"), e.toString());
        }
        JsonNode request = events.stream()
                .filter(e -> "tributary.request".equals(e.path("log.logger").asText()) && "CreateTopics".equals(e.path("rpc").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no request-log event for CreateTopics in " + events));
        assertEquals("User:ANONYMOUS", request.path("principal").asText(), request.toString());
        assertEquals("127.0.0.1", request.path("client").asText(), request.toString());
        assertEquals("logged", request.path("topics").asText(), request.toString());
        assertEquals("NONE", request.path("error").asText(), request.toString());
        assertEquals("OK", request.path("status").asText(), request.toString());
        assertTrue(Double.parseDouble(request.path("duration_ms").asText()) >= 0, request.toString());
        assertEquals("DEBUG", request.path("log.level").asText());
    }

    private static void awaitLine(Path file, String needle, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).contains(needle)) {
                return;
            }
            if (!process.isAlive()) {
                fail("the broker exited with " + process.exitValue() + " before writing '" + needle + "':\n"
                        + Files.readString(file, StandardCharsets.UTF_8));
            }
            Thread.sleep(100);
        }
        fail("no '" + needle + "' within 60 s:\n" + Files.readString(file, StandardCharsets.UTF_8));
    }
}
