package io.tributary.api.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a module's Java sources refer to, read from their text, for layering tests in every module. A reference is
 * any qualified name in the code, so an import and a fully qualified use in a method body both count; comments and
 * string literals do not. Shared through grpc-api's test-jar. Stateless and thread-safe.
 */
public final class SourceReferences {
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern QUALIFIED_NAME = Pattern.compile("\\b[a-z]\\w*(?:\\.\\w+)+");

    /** One file's reference to a qualified name. */
    public record Reference(Path file, String fromPackage, String name) {
        @Override
        public String toString() {
            return file.getFileName() + " (" + fromPackage + ") -> " + name;
        }
    }

    private SourceReferences() {
    }

    /** Every reference, in the {@code .java} files under {@code root}, to a name that starts with one of {@code prefixes}. */
    public static List<Reference> referencesTo(Path root, List<String> prefixes) {
        List<Reference> out = new ArrayList<>();
        for (Path file : javaFiles(root)) {
            String code = code(read(file));
            String pkg = packageOf(code);
            Matcher m = QUALIFIED_NAME.matcher(code);
            while (m.find()) {
                String name = m.group();
                for (String prefix : prefixes) {
                    if (name.equals(prefix) || name.startsWith(prefix + ".")) {
                        out.add(new Reference(file, pkg, name));
                        break;
                    }
                }
            }
        }
        return out;
    }

    /**
     * The dependency graph between the packages declared under {@code root} (below {@code basePackage}): an edge
     * from each file's package to every other such package whose names it uses.
     */
    public static Map<String, Set<String>> packageGraph(Path root, String basePackage) {
        Map<Path, String> packages = new HashMap<>();
        Set<String> known = new TreeSet<>();
        for (Path file : javaFiles(root)) {
            String pkg = packageOf(code(read(file)));
            packages.put(file, pkg);
            known.add(pkg);
        }
        Map<String, Set<String>> graph = new TreeMap<>();
        known.forEach(p -> graph.put(p, new TreeSet<>()));
        for (Reference r : referencesTo(root, List.of(basePackage))) {
            String target = longestKnownPrefix(r.name(), known);
            if (target != null && !target.equals(r.fromPackage())) {
                graph.get(r.fromPackage()).add(target);
            }
        }
        return graph;
    }

    /** The strongly connected components with more than one package (Tarjan's algorithm): each is a cycle. */
    public static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Tarjan t = new Tarjan(graph);
        graph.keySet().forEach(v -> {
            if (!t.index.containsKey(v)) {
                t.visit(v);
            }
        });
        return t.components;
    }

    private static final class Tarjan {
        final Map<String, Set<String>> graph;
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new TreeSet<>();
        final List<Set<String>> components = new ArrayList<>();

        Tarjan(Map<String, Set<String>> graph) {
            this.graph = graph;
        }

        void visit(String v) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.push(v);
            onStack.add(v);
            for (String w : graph.getOrDefault(v, Set.of())) {
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                Set<String> component = new TreeSet<>();
                String w;
                do {
                    w = stack.pop();
                    onStack.remove(w);
                    component.add(w);
                } while (!w.equals(v));
                if (component.size() > 1) {
                    components.add(component);
                }
            }
        }
    }

    private static String longestKnownPrefix(String name, Set<String> known) {
        String candidate = name;
        while (true) {
            if (known.contains(candidate)) {
                return candidate;
            }
            int dot = candidate.lastIndexOf('.');
            if (dot < 0) {
                return null;
            }
            candidate = candidate.substring(0, dot);
        }
    }

    private static String packageOf(String code) {
        Matcher m = PACKAGE.matcher(code);
        return m.find() ? m.group(1) : "";
    }

    /** The source with comments, string, text-block and char literals blanked out (line structure kept). */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                i = Math.min(n, j + 1);
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static List<Path> javaFiles(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root.toAbsolutePath() + " is not a directory: run from the module directory");
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
