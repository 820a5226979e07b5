package io.tributary.broker.server;

import io.tributary.api.config.ConfigException;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code java io.tributary.broker.server.BrokerMain server.properties [--override key=value ...]}: starts a broker
 * and stops it cleanly on SIGTERM/SIGINT. Exits 1 with a one-line reason when the configuration is invalid or the
 * broker cannot start, 2 for a usage error.
 */
@Command(name = "tributary-broker", sortOptions = false,
        description = "Starts a Tributary broker. Keys use Kafka's names (broker.id, listeners, log.dirs, zookeeper.connect, ...).")
public final class BrokerMain implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "server.properties", description = "The broker's configuration file.")
    Path configFile;

    @Option(names = "--override", paramLabel = "KEY=VALUE", description = "A setting that replaces the file's (repeatable).")
    List<String> overrides = List.of();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        int exit = Mains.commandLine(new BrokerMain()).execute(args);
        // After a clean stop main just returns: the shutdown hook may still be closing the broker, and System.exit
        // from here would wait on it. Failures end the process with their status.
        if (exit != 0) {
            System.exit(exit);
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        BrokerServer broker;
        try {
            broker = new BrokerServer(load(), Time.SYSTEM);
        } catch (ConfigException e) {
            err.println("invalid configuration:\n" + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("cannot read the configuration: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "shutdown-hook"));
        try {
            broker.start();
        } catch (Exception e) {
            err.println("broker failed to start: " + e.getMessage());
            return 1;
        }
        try {
            broker.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The file's settings with the overrides applied. */
    BrokerConfig load() throws Exception {
        if (!Files.isRegularFile(configFile)) {
            throw new ConfigException("config file " + configFile.toAbsolutePath() + " does not exist");
        }
        Map<String, String> props = new LinkedHashMap<>(BrokerConfig.load(configFile).originals());
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--override '" + kv + "' is not key=value");
            }
            props.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return BrokerConfig.fromMap(props);
    }
}
