package io.tributary.broker;

import io.tributary.api.testing.SourceReferences;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The broker's layering, checked on its sources: the transport sits at the edge (only {@code grpc/} and the
 * {@code server/} that assembles the broker know gRPC, so a second front door can call the same domain code), and
 * the broker's packages depend on each other in one direction only.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final String BASE = "io.tributary.broker";
    /** The packages allowed to know the transport. */
    private static final Set<String> EDGE = Set.of(BASE + ".grpc", BASE + ".server");

    static List<String> transportReferencesOutsideTheEdge(Path root) {
        return SourceReferences.referencesTo(root, List.of("io.grpc", BASE + ".grpc")).stream()
                .filter(r -> !EDGE.contains(r.fromPackage()))
                .map(SourceReferences.Reference::toString)
                .distinct()
                .toList();
    }

    static List<Set<String>> packageCycles(Path root) {
        return SourceReferences.cycles(SourceReferences.packageGraph(root, BASE));
    }

    @Test
    void onlyTheGrpcAndServerPackagesKnowTheTransport() {
        assertEquals(List.of(), transportReferencesOutsideTheEdge(MAIN));
    }

    @Test
    void brokerPackagesHaveNoCycles() {
        assertEquals(List.of(), packageCycles(MAIN));
    }

    @Test
    void aPlantedGrpcImportOrCycleInADomainPackageIsCaught(@TempDir Path copy) throws IOException {
        copyTree(MAIN, copy);
        Path fetch = copy.resolve("io/tributary/broker/fetch");
        Files.writeString(fetch.resolve("Planted.java"), """
                package io.tributary.broker.fetch;

                import io.grpc.stub.StreamObserver;

                final class Planted {
                    io.tributary.broker.grpc.GrpcErrors errors;
                    io.tributary.broker.server.BrokerServer server;
                }
                """);
        assertEquals(List.of("Planted.java (io.tributary.broker.fetch) -> io.grpc.stub.StreamObserver",
                "Planted.java (io.tributary.broker.fetch) -> io.tributary.broker.grpc.GrpcErrors"),
                transportReferencesOutsideTheEdge(copy));
        // server -> fetch exists already; fetch -> server closes a cycle through every package server reaches back.
        assertEquals(1, packageCycles(copy).size(), () -> "cycles: " + packageCycles(copy));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
