package io.tributary.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client talks to brokers only through the gRPC contract: no main class may import server-side code. The one
 * exception is ZooKeeper access in the tools package (tributary-configs.sh --zookeeper writes a first SCRAM credential
 * before any broker runs, as kafka-configs.sh does); the producer, consumer and admin client never touch it.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final Path TOOLS = MAIN.resolve("io/tributary/client/tools");

    @Test
    void mainCodeNeverImportsBrokerClassesAndCoordinationOnlyInTheTools() throws IOException {
        assertTrue(Files.isDirectory(MAIN), "run from the client-sdk module directory");
        assertEquals(List.of(), offenders(p -> true, "io.tributary.broker"));
        assertEquals(List.of(), offenders(p -> !p.startsWith(TOOLS), "io.tributary.coordination"));
        // The check looks for the right name: the tools' ZooKeeper path does import it.
        assertFalse(offenders(p -> p.startsWith(TOOLS), "io.tributary.coordination").isEmpty());
    }

    private static List<String> offenders(java.util.function.Predicate<Path> where, String packageName) throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(p -> p.toString().endsWith(".java")).filter(where).filter(p -> {
                try {
                    return Files.readString(p).contains(packageName);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).map(Path::toString).toList();
        }
    }
}
