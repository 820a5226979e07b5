package io.tributary.client.tools;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.client.admin.NewTopic;
import io.tributary.client.admin.PartitionDescription;
import io.tributary.client.admin.ResourceConfig;
import io.tributary.client.admin.ConfigResource;
import io.tributary.client.admin.TopicDescription;
import io.tributary.client.admin.TopicOutcome;
import io.tributary.client.admin.TributaryAdmin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code tributary-topics.sh}: create, list, describe, alter and delete topics, with kafka-topics.sh's flags.
 *
 * <p>One instance runs once, on the tool's main thread.
 */
@Command(name = "tributary-topics.sh", sortOptions = false,
        description = "Create, delete, describe, or change a topic.",
        footer = {"", "Examples:",
                "  tributary-topics.sh --bootstrap-server 127.0.0.1:9092 --create --topic orders --partitions 6 \\",
                "      --replication-factor 3",
                "  tributary-topics.sh --bootstrap-server 127.0.0.1:9092 --describe --topic orders"})
public final class TopicsCommand extends ToolCommand {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--create", description = "Create a new topic.")
        boolean create;
        @Option(names = "--list", description = "List all topics.")
        boolean list;
        @Option(names = "--describe", description = "Describe topics (all, or --topic).")
        boolean describe;
        @Option(names = "--delete", description = "Delete a topic.")
        boolean delete;
        @Option(names = "--alter", description = "Raise the partition count of a topic (--partitions).")
        boolean alter;
    }

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The topic to create, alter, describe or delete.")
    String topic;

    @Option(names = "--partitions", paramLabel = "N", description = "Partition count for --create, new total for --alter.")
    Integer partitions;

    @Option(names = "--replication-factor", paramLabel = "R", description = "Replication factor for --create.")
    Integer replicationFactor;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A topic config override for --create (repeatable).")
    List<String> configs = new ArrayList<>();

    @Option(names = "--if-not-exists", description = "With --create: succeed if the topic already exists.")
    boolean ifNotExists;

    @Option(names = "--if-exists", description = "With --alter, --delete or --describe: succeed if the topic does not exist.")
    boolean ifExists;

    @Option(names = "--under-replicated-partitions", description = "With --describe: only partitions whose ISR is smaller than their replica set.")
    boolean underReplicatedOnly;

    @Option(names = "--exclude-internal", description = "With --list or --describe: leave out internal topics.")
    boolean excludeInternal;

    @Option(names = "--command-config", paramLabel = "FILE", description = "Admin client properties file.")
    Path commandConfig;

    public static void main(String[] args) {
        System.exit(execute(new TopicsCommand(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        try (TributaryAdmin admin = new TributaryAdmin(clientProps(ToolDefaults.ADMIN, commandConfig, List.of()))) {
            if (action.create) {
                return create(admin);
            }
            if (action.list) {
                admin.listTopics(!excludeInternal).forEach(out::println);
                return 0;
            }
            if (action.describe) {
                return describe(admin);
            }
            if (action.delete) {
                return delete(admin);
            }
            return alter(admin);
        }
    }

    private String requireTopic(String flag) {
        if (topic == null) {
            throw new ToolException(flag + " needs --topic");
        }
        return topic;
    }

    private int create(TributaryAdmin admin) {
        String name = requireTopic("--create");
        NewTopic newTopic = new NewTopic(name, partitions == null ? -1 : partitions, replicationFactor == null ? -1 : replicationFactor,
                parseKeyValues(configs == null ? null : configs.stream().map(c -> unbracket(c, "--config")).toList(), "--config"));
        TopicOutcome outcome = admin.createTopics(List.of(newTopic), false).get(name);
        if (outcome == null) {
            throw new ToolException("the broker returned no result for topic " + name);
        }
        if (!outcome.succeeded()) {
            if (ifNotExists && outcome.error().error() == ErrorCode.TOPIC_ALREADY_EXISTS) {
                return 0;
            }
            throw outcome.error();
        }
        out.println("Created topic " + name + ".");
        return 0;
    }

    private int describe(TributaryAdmin admin) {
        Map<String, TopicDescription> topics;
        try {
            topics = admin.describeTopics(topic == null ? List.of() : List.of(topic));
        } catch (TributaryException e) {
            // The broker answers a named topic that does not exist for the whole request.
            if (ifExists && e.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                return 0;
            }
            throw e;
        }
        for (TopicDescription d : topics.values()) {
            if (d.error() != null) {
                if (ifExists && d.error().error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                    continue;
                }
                throw d.error();
            }
            if (excludeInternal && d.internal()) {
                continue;
            }
            List<PartitionDescription> shown = d.partitions().stream()
                    .filter(p -> !underReplicatedOnly || p.underReplicated()).toList();
            if (!underReplicatedOnly) {
                int rf = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
                out.println("Topic: " + d.name() + "\tTopicId: " + d.topicId() + "\tPartitionCount: " + d.partitions().size()
                        + "\tReplicationFactor: " + rf + "\tConfigs: " + configsOf(admin, d.name()));
            }
            for (PartitionDescription p : shown) {
                out.println("\tTopic: " + d.name() + "\tPartition: " + p.partition() + "\tLeader: "
                        + (p.leaderId() < 0 ? "none" : Integer.toString(p.leaderId())) + "\tReplicas: " + join(p.replicas())
                        + "\tIsr: " + join(p.isr()) + (p.offlineReplicas().isEmpty() ? "" : "\tOffline: " + join(p.offlineReplicas())));
            }
        }
        if (topic != null && topics.isEmpty() && !ifExists) {
            throw new ToolException("topic '" + topic + "' does not exist");
        }
        return 0;
    }

    private String configsOf(TributaryAdmin admin, String name) {
        try {
            ResourceConfig rc = admin.describeConfigs(List.of(ConfigResource.topic(name))).get(ConfigResource.topic(name));
            if (rc == null || rc.error() != null) {
                return "";
            }
            return rc.entries().stream().filter(e -> "DYNAMIC".equals(e.source()))
                    .map(e -> e.name() + "=" + e.value()).collect(Collectors.joining(","));
        } catch (RuntimeException e) {
            // Configs are an extra on this line; the layout is what --describe is for.
            return "";
        }
    }

    private int delete(TributaryAdmin admin) {
        String name = requireTopic("--delete");
        TopicOutcome outcome = admin.deleteTopics(List.of(name)).get(name);
        if (outcome != null && !outcome.succeeded()) {
            if (ifExists && outcome.error().error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                return 0;
            }
            throw outcome.error();
        }
        out.println("Deleted topic " + name + ".");
        return 0;
    }

    private int alter(TributaryAdmin admin) {
        String name = requireTopic("--alter");
        if (partitions == null) {
            throw new ToolException("--alter needs --partitions with the new total");
        }
        TopicOutcome outcome = admin.createPartitions(Map.of(name, partitions)).get(name);
        if (outcome != null && !outcome.succeeded()) {
            if (ifExists && outcome.error().error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                return 0;
            }
            throw outcome.error();
        }
        out.println("Topic " + name + " now has " + partitions + " partitions.");
        return 0;
    }

    private static String join(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
