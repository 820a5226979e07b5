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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * What every command-line tool shares: {@code --bootstrap-server}, {@code --verbose}, the streams it talks to
 * (injectable, so tests run tools in-process), and one way to end: exit 0 on success, non-zero with a
 * one-line reason on failure, a stack trace only with {@code --verbose}.
 *
 * <p>One instance runs once, on one thread.
 */
public abstract class ToolCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-server", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
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
        return cl.execute(args);
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

    /** A failure the tool explains itself; printed without its class name. */
    public static final class ToolException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ToolException(String message) {
            super(message);
        }
    }
}
