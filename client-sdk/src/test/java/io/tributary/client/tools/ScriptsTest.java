package io.tributary.client.tools;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The wrapper scripts in {@code scripts/}: strict bash, executable, and runnable from any directory. */
class ScriptsTest {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();
    private static final List<String> TOOLS = List.of("topics", "console-producer", "console-consumer", "configs",
            "producer-perf-test", "consumer-perf-test", "verifiable-producer", "verifiable-consumer", "e2e-latency", "consumer-groups", "acls");

    @Test
    void everyToolHasAStrictExecutableScript() throws IOException {
        for (String tool : TOOLS) {
            Path script = SCRIPTS.resolve("tributary-" + tool + ".sh");
            assertTrue(Files.isExecutable(script), script + " is executable");
            String text = Files.readString(script);
            assertTrue(text.startsWith("#!/usr/bin/env bash"), script.toString());
            assertTrue(text.contains("set -euo pipefail"), script.toString());
            assertTrue(text.contains("tributary-run-class.sh"), script.toString());
        }
        assertTrue(Files.readString(SCRIPTS.resolve("tributary-run-class.sh")).contains("set -euo pipefail"));
    }

    @Test
    void scriptRunsFromAnotherDirectoryWhenTheBuildIsThere() throws Exception {
        Path target = Path.of("target");
        assumeTrue(Files.exists(target.resolve("tools-classpath.txt")) && Files.exists(target.resolve("client-sdk-0.1.0-SNAPSHOT.jar")),
                "needs the packaged build (mvn package) for the classpath file");
        Process p = new ProcessBuilder(SCRIPTS.resolve("tributary-topics.sh").toString(), "--help")
                .directory(Path.of(System.getProperty("java.io.tmpdir")).toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "script finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("Usage: tributary-topics.sh"), out);
    }
}
