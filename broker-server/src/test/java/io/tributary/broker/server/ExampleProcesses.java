package io.tributary.broker.server;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs the example clients' programs (node, npm, protoc, python3) for the any-language tests. */
final class ExampleProcesses {
    private ExampleProcesses() {
    }

    /** The example directory {@code client-sdk/examples/NAME} holding {@code file}, found above the working directory. */
    static Path exampleDir(String name, String file) {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve("client-sdk").resolve("examples").resolve(name);
            if (Files.isRegularFile(candidate.resolve(file))) {
                return candidate;
            }
        }
        throw new AssertionError("client-sdk/examples/" + name + "/" + file + " not found above " + start);
    }

    static String findOnPath(String program) {
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

    record Result(int exitCode, String output) {
    }

    /**
     * Runs a command with stderr merged into stdout, bounded by {@code timeoutSeconds}; the process (and its
     * descendants) is destroyed by handle in a finally block, never by name.
     */
    static Result run(List<String> command, Path workDir, long timeoutSeconds) throws Exception {
        return run(command, workDir, timeoutSeconds, Map.of());
    }

    /** As {@link #run(List, Path, long)}, with {@code env} added to the environment (e.g. a password kept off argv). */
    static Result run(List<String> command, Path workDir, long timeoutSeconds, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
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
