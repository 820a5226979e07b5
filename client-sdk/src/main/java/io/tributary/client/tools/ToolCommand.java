package io.tributary.client.tools;

import io.tributary.api.TributaryException;
import io.tributary.api.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * What every command-line tool shares: {@code --bootstrap-server}, {@code --verbose}, the streams it talks to
 * (injectable, so tests run tools in-process), and one way to end: exit 0 on success, non-zero with a
 * one-line reason on failure, a stack trace only with {@code --verbose}.
 *
 * <p>One instance runs once, on one thread.
 */
public abstract class ToolCommand implements Callable<Integer> {
    /**
     * grpc-java logs through java.util.logging: a host name that does not resolve printed a WARNING with a stack
     * trace above the tool's own one-line error. Held strongly, as JUL keeps loggers only weakly.
     */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Brokers to connect to; any one that answers is enough.")
    protected String bootstrapServer;

    @Option(names = "--verbose", description = "Print stack traces of failures.")
    protected boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    protected boolean help;

    protected PrintStream out = System.out;
    protected PrintStream err = System.err;
    protected InputStream in = System.in;

    /**
     * Parses {@code args}, runs the command and returns its exit code: 0 success, 1 failure, 2 bad usage.
     */
    public static int execute(ToolCommand command, String[] args, InputStream in, PrintStream out, PrintStream err) {
        command.in = in;
        command.out = out;
        command.err = err;
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setUsageHelpWidth(110);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("Error: " + ex.getMessage());
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched) {
                List<String> near = unmatched.getSuggestions();
                if (!near.isEmpty()) {
                    err.println("Did you mean: " + String.join(" or ", near) + "?");
                }
            }
            err.println("Run with --help for usage.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            err.println("Error: " + oneLine(ex));
            if (command.verbose) {
                StringWriter trace = new StringWriter();
                ex.printStackTrace(new PrintWriter(trace));
                err.print(trace);
            }
            return 1;
        });
        if (command.takesZookeeper()) {
            // --zookeeper may stand in for --bootstrap-server: the command checks that one of the two is given.
            CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
            CommandLine.Model.OptionSpec bootstrap = spec.findOption("--bootstrap-server");
            spec.remove(bootstrap);
            spec.addOption(bootstrap.toBuilder().required(false).build());
        }
        GRPC_LOG.setLevel(List.of(args).contains("--verbose") ? java.util.logging.Level.INFO : java.util.logging.Level.SEVERE);
        String[] translated = translateKafkaFlags(args, err, command.takesZookeeper());
        return translated == null ? 2 : cl.execute(translated);
    }

    /**
     * Kafka's older flags, as people type them from memory: {@code --broker-list} (still accepted by Kafka's console
     * producer) becomes {@code --bootstrap-server} with a warning; {@code --zookeeper} (gone from Kafka's tools since
     * 3.0) is refused with the flag to use. Returns null when the command line cannot run.
     */
    static String[] translateKafkaFlags(String[] args, PrintStream err) {
        return translateKafkaFlags(args, err, false);
    }

    /** As above; {@code zookeeperTaken}: the command has a {@code --zookeeper} of its own, which passes through. */
    static String[] translateKafkaFlags(String[] args, PrintStream err, boolean zookeeperTaken) {
        List<String> out = new ArrayList<>(args.length);
        boolean warned = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                out.addAll(List.of(args).subList(i, args.length));
                break;
            }
            if (!zookeeperTaken && (arg.equals("--zookeeper") || arg.startsWith("--zookeeper="))) {
                err.println("Error: --zookeeper is not supported: the tools talk to brokers, not to ZooKeeper."
                        + " Use --bootstrap-server HOST:PORT (the dev cluster's is 127.0.0.1:9092).");
                return null;
            }
            if (arg.equals("--broker-list") || arg.startsWith("--broker-list=")) {
                if (!warned) {
                    err.println("Warning: --broker-list is deprecated, use --bootstrap-server (treated as that now).");
                    warned = true;
                }
                out.add("--bootstrap-server" + arg.substring("--broker-list".length()));
            } else {
                out.add(arg);
            }
        }
        return out.toArray(String[]::new);
    }

    /**
     * Whether this command takes {@code --zookeeper} (tributary-configs.sh, for SCRAM credentials before any broker
     * runs), which then makes {@code --bootstrap-server} optional; every other tool refuses it with the flag to use.
     */
    protected boolean takesZookeeper() {
        return false;
    }

    /** A failure as one line a person can act on. */
    static String oneLine(Throwable e) {
        String message;
        if (e instanceof ConfigException || e instanceof TributaryException || e instanceof ToolException) {
            message = e.getMessage();
        } else if (e instanceof IOException) {
            message = e.getClass().getSimpleName() + ": " + e.getMessage();
        } else {
            message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return message == null ? "unknown error" : message.replace('\n', ' ');
    }

    /** The client properties: tool defaults, then a properties file, then {@code k=v} overrides, then the bootstrap servers. */
    protected Map<String, Object> clientProps(Map<String, Object> defaults, Path file, List<String> overrides) {
        Map<String, Object> props = new HashMap<>(defaults);
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ToolException("cannot read " + file + ": " + e.getMessage());
            }
            p.forEach((k, v) -> props.put(String.valueOf(k), v));
        }
        props.putAll(parseKeyValues(overrides, "property"));
        props.put("bootstrap.servers", bootstrapServer);
        return props;
    }

    /** Parses {@code k=v} strings; a missing '=' is a usage error naming the flag. */
    static Map<String, String> parseKeyValues(List<String> pairs, String what) {
        Map<String, String> out = new HashMap<>();
        if (pairs == null) {
            return out;
        }
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ToolException("invalid " + what + " '" + pair + "': expected key=value");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }

    /**
     * Kafka's {@code --print-metrics} layout (ToolsUtils.printMetrics): a blank line, a {@code Metric Name  Value}
     * header, then one {@code name : value} line per series, sorted by name, the names padded to one width.
     */
    static void printMetrics(PrintStream out, SortedMap<String, Double> metrics) {
        int width = "Metric Name".length();
        for (String name : metrics.keySet()) {
            width = Math.max(width, name.length());
        }
        out.println();
        out.println(String.format(Locale.ROOT, "%-" + width + "s   %s", "Metric Name", "Value"));
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            out.println(String.format(Locale.ROOT, "%-" + width + "s : %.3f", e.getKey(), e.getValue()));
        }
    }

    /** Warns, as Kafka's console tools do, about {@code flag} keys the tool does not read: most often a typo. */
    void warnUnknownKeys(Map<String, String> given, Set<String> known, String flag) {
        for (String key : new TreeSet<>(given.keySet())) {
            if (!known.contains(key)) {
                err.println("Warning: unknown " + flag + " '" + key + "' is ignored; known keys: " + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    /**
     * Splits kafka-configs.sh's {@code K=V[,K=V...]} lists at the commas between entries, keeping a list value in
     * brackets whole and without its brackets: {@code cleanup.policy=[compact,delete],retention.ms=1} is two entries,
     * {@code cleanup.policy=compact,delete} and {@code retention.ms=1}.
     */
    static List<String> splitConfigList(List<String> args, String flag) {
        List<String> out = new ArrayList<>();
        for (String arg : args) {
            int depth = 0;
            StringBuilder entry = new StringBuilder();
            for (int i = 0; i < arg.length(); i++) {
                char c = arg.charAt(i);
                if (c == '[') {
                    depth++;
                } else if (c == ']') {
                    if (--depth < 0) {
                        throw new ToolException("invalid " + flag + " '" + arg + "': ']' without '['");
                    }
                } else if (c == ',' && depth == 0) {
                    out.add(unbracket(entry.toString(), flag));
                    entry.setLength(0);
                    continue;
                }
                entry.append(c);
            }
            if (depth != 0) {
                throw new ToolException("invalid " + flag + " '" + arg + "': '[' without ']'");
            }
            if (!entry.isEmpty()) {
                out.add(unbracket(entry.toString(), flag));
            }
        }
        return out;
    }

    /** {@code k=[a,b]} as {@code k=a,b}; anything else unchanged. */
    static String unbracket(String entry, String flag) {
        int eq = entry.indexOf('=');
        String value = eq < 0 ? "" : entry.substring(eq + 1).trim();
        if (!value.startsWith("[")) {
            return entry;
        }
        if (!value.endsWith("]") || value.indexOf('[', 1) >= 0) {
            throw new ToolException("invalid " + flag + " '" + entry + "': a list value is written [a,b] and ends the entry");
        }
        return entry.substring(0, eq + 1) + value.substring(1, value.length() - 1);
    }

    /** A failure the tool explains itself; printed without its class name. */
    public static final class ToolException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ToolException(String message) {
            super(message);
        }
    }
}
