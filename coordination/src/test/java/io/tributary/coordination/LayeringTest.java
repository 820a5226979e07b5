package io.tributary.coordination;

import io.tributary.api.testing.SourceReferences;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Coordination must never depend on broker, client, generated protocol or gRPC code: the broker plugs in through
 * interfaces. (It may use grpc-api's plain types: {@code TopicPartition}, the error catalogue.)
 */
class LayeringTest {
    /** The generated messages and stubs live in {@code io.tributary.api.v1} (the proto's {@code java_package}). */
    private static final List<String> FORBIDDEN = List.of("io.tributary.broker", "io.tributary.client", "io.tributary.api.v1", "io.grpc");

    static List<String> forbiddenReferences(Path root) {
        return SourceReferences.referencesTo(root, FORBIDDEN).stream().map(SourceReferences.Reference::toString).toList();
    }

    @Test
    void coordinationRefersToNoBrokerClientProtocolOrGrpcCode() {
        assertEquals(List.of(), forbiddenReferences(Path.of("src/main/java")));
    }

    @Test
    void aPlantedReferenceToTheGeneratedProtocolIsCaught(@TempDir Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("io/tributary/coordination"));
        Files.writeString(dir.resolve("Planted.java"), """
                package io.tributary.coordination;

                import io.tributary.api.v1.TopicMetadata;

                final class Planted {
                    io.grpc.Status status;
                }
                """);
        assertEquals(List.of("Planted.java (io.tributary.coordination) -> io.tributary.api.v1.TopicMetadata",
                "Planted.java (io.tributary.coordination) -> io.grpc.Status"), forbiddenReferences(root));
    }
}
