package io.tributary.broker.server;

import io.tributary.api.config.ConfigException;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code java io.tributary.broker.server.BrokerMain server.properties [--override key=value ...]}: starts a broker
 * and stops it cleanly on SIGTERM/SIGINT. Exits 1 with a one-line reason when the configuration is invalid or the
 * broker cannot start.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println("usage: tributary-broker server.properties [--override key=value ...]");
            System.out.println();
            System.out.println("Starts a Tributary broker. Keys use Kafka's names (broker.id, listeners, log.dirs, zookeeper.connect, ...).");
            System.exit(args.length == 0 ? 2 : 0);
        }
        BrokerServer broker;
        try {
            Path file = Path.of(args[0]);
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("config file " + file.toAbsolutePath() + " does not exist");
            }
            Map<String, String> props = new LinkedHashMap<>(BrokerConfig.load(file).originals());
            for (int i = 1; i < args.length; i++) {
                if (!args[i].equals("--override") || i + 1 >= args.length || !args[i + 1].contains("=")) {
                    throw new ConfigException("unexpected argument '" + args[i] + "': expected --override key=value");
                }
                String kv = args[++i];
                props.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            broker = new BrokerServer(BrokerConfig.fromMap(props), Time.SYSTEM);
        } catch (ConfigException e) {
            System.err.println("invalid configuration:\n" + e.getMessage());
            System.exit(1);
            return;
        } catch (Exception e) {
            System.err.println("cannot read the configuration: " + e.getMessage());
            System.exit(1);
            return;
        }
        BrokerServer started = broker;
        Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shutdown-hook"));
        try {
            started.start();
        } catch (Exception e) {
            System.err.println("broker failed to start: " + e.getMessage());
            System.exit(1);
            return;
        }
        try {
            started.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
