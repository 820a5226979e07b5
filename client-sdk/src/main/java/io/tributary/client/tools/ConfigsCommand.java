package io.tributary.client.tools;

import io.tributary.api.ErrorCode;
import io.tributary.api.security.ScramMechanism;
import io.tributary.client.admin.ConfigAlteration;
import io.tributary.client.admin.ConfigEntry;
import io.tributary.client.admin.ConfigResource;
import io.tributary.client.admin.ResourceConfig;
import io.tributary.client.admin.ScramCredentialInfo;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.admin.UserOutcome;
import io.tributary.client.admin.UserScramCredentialAlteration;
import io.tributary.client.admin.UserScramCredentialDeletion;
import io.tributary.client.admin.UserScramCredentialUpsertion;
import io.tributary.client.admin.UserScramCredentialsDescription;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code tributary-configs.sh}: describe and alter topic and broker configs and users' SCRAM credentials, with
 * kafka-configs.sh's flags. For users the admin client salts and hashes the password here ({@link ScramConfigs});
 * {@code --zookeeper} instead of {@code --bootstrap-server} writes the credential straight into ZooKeeper, Kafka's way
 * to create the first super user before any broker runs ({@link ZookeeperScramCredentials}). Describing a user shows
 * mechanisms and iteration counts only.
 *
 * <p>One instance runs once, on the tool's main thread.
 */
@Command(name = "tributary-configs.sh", sortOptions = false,
        description = "Describe or change the configuration of a topic or broker, or a user's SCRAM credentials.",
        footer = {"", "Examples:",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9092 --entity-type topics --entity-name orders --describe",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9092 --entity-type topics --entity-name orders \\",
                "      --alter --add-config 'retention.ms=86400000,cleanup.policy=[compact,delete]'",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9092 --topic orders --alter --delete-config retention.ms",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9094 --command-config admin.properties \\",
                "      --entity-type users --entity-name alice \\",
                "      --alter --add-config 'SCRAM-SHA-512=[iterations=8192,password=alice-secret]'",
                "  tributary-configs.sh --zookeeper 127.0.0.1:2181/tributary --entity-type users --entity-name admin \\",
                "      --alter --add-config 'SCRAM-SHA-512=[password=admin-secret]'      (before any broker runs)",
                "  tributary-configs.sh --bootstrap-server 127.0.0.1:9094 --command-config admin.properties \\",
                "      --entity-type users --describe"})
public final class ConfigsCommand extends ToolCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--describe", description = "Print the entity's configuration.")
        boolean describe;
        @Option(names = "--alter", description = "Change the entity's configuration (--add-config, --delete-config).")
        boolean alter;
    }

    @Option(names = "--entity-type", paramLabel = "TYPE", description = "topics, brokers or users (not needed with --topic).")
    String entityType;

    @Option(names = "--entity-name", paramLabel = "NAME", description = "Topic name, broker id or user name (users: optional"
            + " with --describe, which then lists every user with credentials).")
    String entityName;

    @Option(names = "--zookeeper", paramLabel = "HOST:PORT[/CHROOT]", description = "With --entity-type users only: read and"
            + " write SCRAM credentials straight in ZooKeeper (the brokers' zookeeper.connect; chroot /tributary if none),"
            + " e.g. the first super user before any broker runs. Instead of --bootstrap-server.")
    String zookeeper;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Shorthand for --entity-type topics --entity-name TOPIC.")
    String topic;

    // Not split by picocli: a list value in brackets (cleanup.policy=[compact,delete]) holds commas of its own.
    @Option(names = "--add-config", paramLabel = "K=V[,K=V...]",
            description = "Configs to set; a list value in brackets, e.g. cleanup.policy=[compact,delete]. For users:"
                    + " SCRAM-SHA-512=[iterations=8192,password=P],SCRAM-SHA-256=[password=P] (iterations default 4096).")
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
    protected boolean takesZookeeper() {
        return true;
    }

    @Override
    public Integer call() throws Exception {
        boolean users = "users".equals(entityType) || "user".equals(entityType);
        if (zookeeper != null && bootstrapServer != null) {
            throw new ToolException("give --bootstrap-server or --zookeeper, not both");
        }
        if (zookeeper == null && bootstrapServer == null) {
            throw new ToolException("--bootstrap-server is required (or --zookeeper, with --entity-type users)");
        }
        if (zookeeper != null && (!users || topic != null)) {
            throw new ToolException("--zookeeper is only for --entity-type users (SCRAM credentials before any broker runs);"
                    + " topics and brokers are configured through --bootstrap-server");
        }
        if (users && topic == null) {
            return action.describe ? describeUsers() : alterUser();
        }
        ConfigResource resource = resource();
        try (TributaryAdmin admin = admin()) {
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

    private int describeUsers() throws Exception {
        Map<String, List<ScramCredentialInfo>> described = new LinkedHashMap<>();
        List<String> names = entityName == null ? List.of() : List.of(entityName);
        if (zookeeper != null) {
            try (ZookeeperScramCredentials zk = new ZookeeperScramCredentials(zookeeper)) {
                for (String user : names.isEmpty() ? zk.users() : names) {
                    List<ScramCredentialInfo> infos = new ArrayList<>();
                    zk.describe(user).forEach((m, iterations) -> infos.add(new ScramCredentialInfo(m, iterations)));
                    described.put(user, infos);
                }
            }
        } else {
            try (TributaryAdmin admin = admin()) {
                for (UserScramCredentialsDescription d : admin.describeUserScramCredentials(names).values()) {
                    if (d.error() != null && d.error().error() != ErrorCode.RESOURCE_NOT_FOUND) {
                        throw d.error();
                    }
                    described.put(d.user(), d.credentials());
                }
            }
        }
        described.forEach((user, infos) -> {
            if (infos.isEmpty()) {
                out.println("User-principal '" + user + "' has no SCRAM credentials.");
            } else {
                out.println("SCRAM credential configs for user-principal '" + user + "' are "
                        + infos.stream().map(ScramCredentialInfo::toString).collect(Collectors.joining(", ")));
            }
        });
        return 0;
    }

    private int alterUser() throws Exception {
        if (entityName == null || entityName.isEmpty()) {
            throw new ToolException("--alter --entity-type users needs --entity-name USER");
        }
        if (addConfig.isEmpty() && deleteConfig.isEmpty()) {
            throw new ToolException("--alter needs --add-config or --delete-config");
        }
        List<UserScramCredentialUpsertion> upsertions = ScramConfigs.upsertions(entityName, addConfig);
        Set<ScramMechanism> deletions = ScramConfigs.deletions(deleteConfig);
        for (UserScramCredentialUpsertion u : upsertions) {
            if (deletions.contains(u.info().mechanism())) {
                throw new ToolException(u.info().mechanism().mechanismName() + " is both added and deleted");
            }
        }
        if (zookeeper != null) {
            try (ZookeeperScramCredentials zk = new ZookeeperScramCredentials(zookeeper)) {
                zk.alter(entityName, upsertions, deletions);
            }
        } else {
            List<UserScramCredentialAlteration> alterations = new ArrayList<>(upsertions);
            deletions.forEach(m -> alterations.add(new UserScramCredentialDeletion(entityName, m)));
            try (TributaryAdmin admin = admin()) {
                for (UserOutcome o : admin.alterUserScramCredentials(alterations).values()) {
                    o.throwIfFailed();
                }
            }
        }
        out.println("Completed updating config for user-principal '" + entityName + "'.");
        return 0;
    }

    private TributaryAdmin admin() {
        return new TributaryAdmin(clientProps(ToolDefaults.ADMIN, commandConfig, List.of()));
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
            default -> throw new ToolException("invalid --entity-type '" + type + "': expected topics, brokers or users");
        };
    }

    private static String describe(ConfigResource r) {
        return (r.type() == ConfigResource.Type.TOPIC ? "topic " : "broker ") + r.name();
    }
}
