package io.tributary.client.tools;

import io.tributary.client.admin.ConfigAlteration;
import io.tributary.client.admin.ConfigEntry;
import io.tributary.client.admin.ConfigResource;
import io.tributary.client.admin.ResourceConfig;
import io.tributary.client.admin.TributaryAdmin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tributary-configs.sh}: describe and alter topic and broker configs, with kafka-configs.sh's flags.
 *
 * <p>One instance runs once, on the tool's main thread.
 */
@Command(name = "tributary-configs.sh", sortOptions = false,
        description = "Describe or change the configuration of a topic or broker.",
        footer = {"", "Examples:",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9092 --entity-type topics --entity-name orders --describe",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9092 --entity-type topics --entity-name orders \\",
                "      --alter --add-config 'retention.ms=86400000,cleanup.policy=[compact,delete]'",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9092 --topic orders --alter --delete-config retention.ms"})
public final class ConfigsCommand extends ToolCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--describe", description = "Print the entity's configuration.")
        boolean describe;
        @Option(names = "--alter", description = "Change the entity's configuration (--add-config, --delete-config).")
        boolean alter;
    }

    @Option(names = "--entity-type", paramLabel = "TYPE", description = "topics or brokers (not needed with --topic).")
    String entityType;

    @Option(names = "--entity-name", paramLabel = "NAME", description = "Topic name or broker id.")
    String entityName;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Shorthand for --entity-type topics --entity-name TOPIC.")
    String topic;

    // Not split by picocli: a list value in brackets (cleanup.policy=[compact,delete]) holds commas of its own.
    @Option(names = "--add-config", paramLabel = "K=V[,K=V...]",
            description = "Configs to set; a list value in brackets, e.g. cleanup.policy=[compact,delete].")
    List<String> addConfig = new ArrayList<>();

    @Option(names = "--delete-config", paramLabel = "K", split = ",", description = "Configs to return to their default.")
    List<String> deleteConfig = new ArrayList<>();

    @Option(names = "--all", description = "With --describe: also print defaults, not only values set on the entity.")
    boolean all;

    @Option(names = "--command-config", paramLabel = "FILE", description = "Admin client properties file.")
    Path commandConfig;

    public static void main(String[] args) {
        System.exit(execute(new ConfigsCommand(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        ConfigResource resource = resource();
        try (TributaryAdmin admin = new TributaryAdmin(clientProps(ToolDefaults.ADMIN, commandConfig, List.of()))) {
            if (action.describe) {
                ResourceConfig rc = admin.describeConfigs(List.of(resource)).get(resource);
                if (rc == null) {
                    throw new ToolException("the broker returned no configuration for " + describe(resource));
                }
                if (rc.error() != null) {
                    throw rc.error();
                }
                out.println((all ? "All" : "Dynamic") + " configs for " + describe(resource) + " are:");
                for (ConfigEntry e : rc.entries()) {
                    if (all || "DYNAMIC".equals(e.source())) {
                        out.println("  " + e.name() + "=" + e.value() + " (" + e.source() + (e.readOnly() ? ", read-only" : "") + ")");
                    }
                }
                return 0;
            }
            if (addConfig.isEmpty() && deleteConfig.isEmpty()) {
                throw new ToolException("--alter needs --add-config or --delete-config");
            }
            Map<String, String> set = new LinkedHashMap<>(parseKeyValues(splitConfigList(addConfig, "--add-config"), "--add-config"));
            ResourceConfig rc = admin.alterConfigs(Map.of(resource, new ConfigAlteration(set, deleteConfig)), false).get(resource);
            if (rc != null && rc.error() != null) {
                throw rc.error();
            }
            out.println("Completed updating config for " + describe(resource) + ".");
            return 0;
        }
    }

    private ConfigResource resource() {
        String name = topic != null ? topic : entityName;
        String type = topic != null ? "topics" : entityType;
        if (name == null || type == null) {
            throw new ToolException("--entity-type and --entity-name (or --topic) are needed");
        }
        return switch (type) {
            case "topics", "topic" -> ConfigResource.topic(name);
            case "brokers", "broker" -> {
                try {
                    yield ConfigResource.broker(Integer.parseInt(name));
                } catch (NumberFormatException e) {
                    throw new ToolException("broker --entity-name must be a broker id, got '" + name + "'");
                }
            }
            default -> throw new ToolException("invalid --entity-type '" + type + "': expected topics or brokers");
        };
    }

    private static String describe(ConfigResource r) {
        return (r.type() == ConfigResource.Type.TOPIC ? "topic " : "broker ") + r.name();
    }
}
