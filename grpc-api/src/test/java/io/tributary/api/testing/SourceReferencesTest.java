package io.tributary.api.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceReferencesTest {
    private static void write(Path root, String pkg, String name, String body) throws IOException {
        Path dir = root.resolve(pkg.replace('.', '/'));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".java"), "package " + pkg + ";\n\n" + body);
    }

    @Test
    void importsAndFullyQualifiedUsesCountButCommentsAndStringsDoNot(@TempDir Path root) throws IOException {
        write(root, "a.domain", "Uses", """
                import io.grpc.Status;

                /** Mentions io.grpc.Context in a comment. */
                class Uses {
                    // and io.grpc.Metadata here
                    String s = "io.grpc.Server in a string";
                    Object o = io.grpc.Deadline.class;
                    char c = '"';
                    String after = "x"; Object p = io.grpc.Attributes.EMPTY;
                }
                """);
        List<String> names = SourceReferences.referencesTo(root, List.of("io.grpc")).stream()
                .map(SourceReferences.Reference::name).toList();
        assertEquals(List.of("io.grpc.Status", "io.grpc.Deadline.class", "io.grpc.Attributes.EMPTY"), names);
    }

    @Test
    void aCycleBetweenTwoPackagesIsFoundAndAOneWayEdgeIsNot(@TempDir Path root) throws IOException {
        write(root, "x.core", "Core", "class Core { x.edge.Edge e; }\n");
        write(root, "x.edge", "Edge", "import x.core.Core;\nclass Edge { }\n");
        write(root, "x.tool", "Tool", "import x.core.Core;\nclass Tool { }\n");
        Map<String, Set<String>> graph = SourceReferences.packageGraph(root, "x");
        assertEquals(Set.of("x.edge"), graph.get("x.core"));
        assertEquals(List.of(Set.of("x.core", "x.edge")), SourceReferences.cycles(graph));

        Files.writeString(root.resolve("x/core/Core.java"), "package x.core;\nclass Core { }\n");
        assertTrue(SourceReferences.cycles(SourceReferences.packageGraph(root, "x")).isEmpty());
    }
}
