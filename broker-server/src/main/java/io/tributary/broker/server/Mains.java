package io.tributary.broker.server;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * The picocli set-up the broker's mains share ({@code BrokerMain}, {@code HealthCheck}, {@code ClusterStatus},
 * {@code DevCluster}), matching the client tools: a usage error exits 2 with a one-line reason, the nearest options
 * for a mistyped one, and a pointer to {@code --help}. Stateless and thread-safe.
 */
public final class Mains {
    /** Exit status of a usage error, as the tools and Kafka's scripts use. */
    public static final int USAGE_ERROR = 2;

    private Mains() {
    }

    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setAbbreviatedOptionsAllowed(false);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getCommandLine().getCommandName() + ": " + ex.getMessage());
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
                err.println("Did you mean: " + String.join(" or ", unmatched.getSuggestions()) + "?");
            }
            err.println("Run with --help for usage.");
            return USAGE_ERROR;
        });
        return cl;
    }
}
