package io.tributary.client.tools;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.client.admin.ConsumerGroupDescription;
import io.tributary.client.admin.ConsumerGroupListing;
import io.tributary.client.admin.GroupOutcome;
import io.tributary.client.admin.ListedOffset;
import io.tributary.client.admin.MemberDescription;
import io.tributary.client.admin.OffsetSpec;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.consumer.OffsetAndMetadata;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * {@code tributary-consumer-groups.sh}: list, describe and delete consumer groups and reset their offsets, with
 * kafka-consumer-groups.sh's flags and output layout.
 *
 * <p>One instance runs once, on the tool's main thread.
 */
@Command(name = "tributary-consumer-groups.sh", sortOptions = false,
        description = "List all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.",
        footer = {"", "Examples:",
                "  tributary-consumer-groups.sh --bootstrap-server 127.0.0.1:9092 --list --state",
                "  tributary-consumer-groups.sh --bootstrap-server 127.0.0.1:9092 --describe --group orders-app",
                "  tributary-consumer-groups.sh --bootstrap-server 127.0.0.1:9092 --describe --group orders-app \\",
                "      --members --verbose",
                "  tributary-consumer-groups.sh --bootstrap-server 127.0.0.1:9092 --reset-offsets --group orders-app \\",
                "      --topic orders --to-earliest --execute",
                "", "CURRENT-OFFSET is the committed offset, LOG-END-OFFSET the high watermark, LAG their difference",
                "('-' without a commit).",
                "Offsets can only be reset while the group has no active members."})
public final class ConsumerGroupsCommand extends ToolCommand {
    private static final String MISSING = "-";
    private static final Set<String> REBALANCING_STATES = Set.of("Assigning", "Reconciling", "PreparingRebalance", "CompletingRebalance");

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--list", description = "List all consumer groups.")
        boolean list;
        @Option(names = "--describe", description = "Describe consumer groups: offsets and lag (default), --members or --state.")
        boolean describe;
        @Option(names = "--delete", description = "Delete consumer groups (only groups without active members).")
        boolean delete;
        @Option(names = "--reset-offsets", description = "Reset the committed offsets of a group without active members (plan only unless --execute).")
        boolean resetOffsets;
    }

    @Option(names = "--group", paramLabel = "GROUP", description = "The consumer group (repeatable).")
    List<String> groups = new ArrayList<>();

    @Option(names = "--all-groups", description = "Apply to all consumer groups.")
    boolean allGroups;

    @Option(names = "--state", arity = "0..1", fallbackValue = "", paramLabel = "STATE[,STATE...]",
            description = "With --list: show each group's state, or only groups in these states (e.g. Stable,Empty). With --describe: the groups' state view.")
    String state;

    @Option(names = "--members", description = "With --describe: the members of the group (--verbose adds their partitions).")
    boolean members;

    @Option(names = "--offsets", description = "With --describe: offsets and lag per partition (the default view).")
    boolean offsets;

    @Option(names = "--topic", paramLabel = "TOPIC[:P,P...]", description = "With --reset-offsets: a topic, or some of its partitions (repeatable).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--all-topics", description = "With --reset-offsets: every partition the group has a committed offset for.")
    boolean allTopics;

    @Option(names = "--to-earliest", description = "Reset to the log start.")
    boolean toEarliest;

    @Option(names = "--to-latest", description = "Reset to the log end (high watermark).")
    boolean toLatest;

    @Option(names = "--to-current", description = "Reset to the committed offset (log end where there is none).")
    boolean toCurrent;

    @Option(names = "--to-offset", paramLabel = "N", description = "Reset to this offset (clamped to the log).")
    Long toOffset;

    @Option(names = "--to-datetime", paramLabel = "YYYY-MM-DDTHH:mm:SS.sss", description = "Reset to the first record at or after this time (zone Z or ±hh:mm; default local).")
    String toDatetime;

    @Option(names = "--shift-by", paramLabel = "N", description = "Move the committed offset by N (negative: back), clamped to the log.")
    Long shiftBy;

    @Option(names = "--dry-run", description = "With --reset-offsets: only print the plan (the default).")
    boolean dryRun;

    @Option(names = "--execute", description = "With --reset-offsets: commit the new offsets.")
    boolean execute;

    @Option(names = "--timeout", paramLabel = "MS", description = "Time budget of each operation (default.api.timeout.ms).")
    Integer timeoutMs;

    @Option(names = "--command-config", paramLabel = "FILE", description = "Admin client properties file.")
    Path commandConfig;

    public static void main(String[] args) {
        System.exit(execute(new ConsumerGroupsCommand(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        Map<String, Object> defaults = new HashMap<>(ToolDefaults.ADMIN);
        if (timeoutMs != null) {
            defaults.put("default.api.timeout.ms", String.valueOf(timeoutMs));
        }
        try (TributaryAdmin admin = new TributaryAdmin(clientProps(defaults, commandConfig, List.of()))) {
            if (action.list) {
                return list(admin);
            }
            if (action.describe) {
                return describe(admin, selectedGroups(admin));
            }
            if (action.delete) {
                return delete(admin);
            }
            return reset(admin, selectedGroups(admin));
        }
    }

    private List<String> selectedGroups(TributaryAdmin admin) {
        if (allGroups && !groups.isEmpty()) {
            throw new ToolException("give either --group or --all-groups, not both");
        }
        if (allGroups) {
            return admin.listConsumerGroups().stream().map(ConsumerGroupListing::groupId).toList();
        }
        if (groups.isEmpty()) {
            throw new ToolException("this action needs --group GROUP or --all-groups");
        }
        return List.copyOf(groups);
    }

    // ---- --list ----

    private int list(TributaryAdmin admin) {
        List<ConsumerGroupListing> all = admin.listConsumerGroups();
        if (state == null) {
            all.forEach(g -> out.println(g.groupId()));
            return 0;
        }
        Set<String> wanted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (String s : state.split(",")) {
            if (!s.isBlank()) {
                wanted.add(s.trim());
            }
        }
        List<ConsumerGroupListing> shown = all.stream().filter(g -> wanted.isEmpty() || wanted.contains(g.state())).toList();
        int groupWidth = Math.max(15, shown.stream().mapToInt(g -> g.groupId().length()).max().orElse(0));
        String format = "%-" + groupWidth + "s %s";
        out.println(String.format(format, "GROUP", "STATE"));
        shown.forEach(g -> out.println(String.format(format, g.groupId(), g.state())));
        return 0;
    }

    // ---- --describe ----

    private int describe(TributaryAdmin admin, List<String> groupIds) {
        if ((members ? 1 : 0) + (state != null ? 1 : 0) + (offsets ? 1 : 0) > 1) {
            throw new ToolException("--describe takes only one of --offsets, --members, --state");
        }
        Map<String, ConsumerGroupDescription> descriptions = admin.describeConsumerGroups(groupIds);
        int missing = 0;
        for (String id : groupIds) {
            ConsumerGroupDescription d = descriptions.get(id);
            if (d == null || (d.error() != null && d.error().error() == ErrorCode.GROUP_ID_NOT_FOUND)) {
                err.println("Error: Consumer group '" + id + "' does not exist.");
                missing++;
                continue;
            }
            if (d.error() != null) {
                throw d.error();
            }
            if (members) {
                printMembers(d);
            } else if (state != null) {
                printState(d);
            } else {
                printOffsets(admin, d);
            }
        }
        return missing == 0 ? 0 : 1;
    }

    private void warnAboutState(ConsumerGroupDescription d) {
        if ("Empty".equals(d.state())) {
            err.println();
            err.println("Consumer group '" + d.groupId() + "' has no active members.");
        } else if (REBALANCING_STATES.contains(d.state())) {
            err.println();
            err.println("Warning: Consumer group '" + d.groupId() + "' is rebalancing.");
        }
    }

    /** One row of the offsets view. */
    private record OffsetRow(String topic, int partition, String current, String logEnd, String lag, String consumerId, String host,
                             String clientId) {
    }

    private void printOffsets(TributaryAdmin admin, ConsumerGroupDescription d) {
        warnAboutState(d);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(d.groupId());
        Map<TopicPartition, MemberDescription> owner = new TreeMap<>();
        d.members().forEach(m -> m.assignment().forEach(tp -> owner.put(tp, m)));
        Set<TopicPartition> all = new TreeSet<>(owner.keySet());
        all.addAll(committed.keySet());
        // A deleted topic's committed offsets outlive it until the coordinator drops them: show those rows without a
        // log end rather than wait for the deleted topic to appear in metadata.
        Set<String> existing = all.isEmpty() ? Set.of() : admin.listTopics(true);
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        all.stream().filter(tp -> existing.contains(tp.topic())).forEach(tp -> request.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListedOffset> ends = request.isEmpty() ? Map.of() : admin.listOffsets(request);
        List<OffsetRow> rows = new ArrayList<>();
        for (TopicPartition tp : all) {
            OffsetAndMetadata c = committed.get(tp);
            ListedOffset end = ends.get(tp);
            String logEnd = end == null ? MISSING : Long.toString(end.offset());
            String lag = c == null || end == null ? MISSING : Long.toString(Math.max(0, end.offset() - c.offset()));
            MemberDescription m = owner.get(tp);
            rows.add(new OffsetRow(tp.topic(), tp.partition(), c == null ? MISSING : Long.toString(c.offset()), logEnd, lag,
                    m == null ? MISSING : m.memberId(), m == null ? MISSING : m.host(), m == null ? MISSING : m.clientId()));
        }
        int groupWidth = Math.max(15, d.groupId().length());
        int topicWidth = Math.max(15, rows.stream().mapToInt(r -> r.topic().length()).max().orElse(0));
        int consumerWidth = Math.max(15, rows.stream().mapToInt(r -> r.consumerId().length()).max().orElse(0));
        int hostWidth = Math.max(15, rows.stream().mapToInt(r -> r.host().length()).max().orElse(0));
        String format = "%-" + groupWidth + "s %-" + topicWidth + "s %-10s %-15s %-15s %-15s %-" + consumerWidth + "s %-" + hostWidth + "s %s";
        StringBuilder sb = new StringBuilder();
        sb.append('\n').append(String.format(format, "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                "CONSUMER-ID", "HOST", "CLIENT-ID"));
        for (OffsetRow r : rows) {
            sb.append('\n').append(String.format(format, d.groupId(), r.topic(), r.partition(), r.current(), r.logEnd(), r.lag(),
                    r.consumerId(), r.host(), r.clientId()));
        }
        out.println(sb);
    }

    private void printMembers(ConsumerGroupDescription d) {
        warnAboutState(d);
        List<MemberDescription> ms = new ArrayList<>(d.members());
        ms.sort((a, b) -> a.memberId().compareTo(b.memberId()));
        boolean withInstance = ms.stream().anyMatch(m -> m.groupInstanceId().isPresent());
        int groupWidth = Math.max(15, d.groupId().length());
        int consumerWidth = Math.max(15, ms.stream().mapToInt(m -> m.memberId().length()).max().orElse(0));
        int instanceWidth = Math.max(17, ms.stream().mapToInt(m -> m.groupInstanceId().orElse(MISSING).length()).max().orElse(0));
        int hostWidth = Math.max(15, ms.stream().mapToInt(m -> m.host().length()).max().orElse(0));
        int clientWidth = Math.max(15, ms.stream().mapToInt(m -> m.clientId().length()).max().orElse(0));
        List<String> columns = new ArrayList<>(List.of("%-" + groupWidth + "s", "%-" + consumerWidth + "s"));
        if (withInstance) {
            columns.add("%-" + instanceWidth + "s");
        }
        columns.addAll(List.of("%-" + hostWidth + "s", "%-" + clientWidth + "s", verbose ? "%-15s" : "%s"));
        if (verbose) {
            columns.add("%s");
        }
        String format = String.join(" ", columns);
        StringBuilder sb = new StringBuilder("\n").append(String.format(format,
                row(withInstance, "GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT")));
        for (MemberDescription m : ms) {
            sb.append('\n').append(String.format(format, row(withInstance, d.groupId(), m.memberId(), m.groupInstanceId().orElse(MISSING),
                    m.host(), m.clientId(), Integer.toString(m.assignment().size()), assignment(m.assignment()))));
        }
        out.println(sb);
    }

    private Object[] row(boolean withInstance, String group, String consumer, String instance, String host, String client,
                         String partitions, String assignment) {
        List<Object> values = new ArrayList<>(List.of(group, consumer));
        if (withInstance) {
            values.add(instance);
        }
        values.addAll(List.of(host, client, partitions));
        if (verbose) {
            values.add(assignment);
        }
        return values.toArray();
    }

    /** Kafka's ASSIGNMENT column: {@code topic(0,1),other(2)}, or "-". */
    private static String assignment(Set<TopicPartition> tps) {
        if (tps.isEmpty()) {
            return MISSING;
        }
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        new TreeSet<>(tps).forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        return byTopic.entrySet().stream().map(e -> e.getKey() + "(" + e.getValue().stream().map(String::valueOf)
                .collect(Collectors.joining(",")) + ")").collect(Collectors.joining(","));
    }

    private void printState(ConsumerGroupDescription d) {
        warnAboutState(d);
        String coordinator = d.coordinator().host() + ":" + d.coordinator().port() + " (" + d.coordinator().id() + ")";
        int groupWidth = Math.max(15, d.groupId().length());
        int coordinatorWidth = Math.max(25, coordinator.length());
        String format = "%-" + groupWidth + "s %-" + coordinatorWidth + "s %-20s %-20s %s";
        out.println("\n" + String.format(format, "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS")
                + "\n" + String.format(format, d.groupId(), coordinator, d.partitionAssignor(), d.state(), d.members().size()));
    }

    // ---- --delete ----

    private int delete(TributaryAdmin admin) {
        if (groups.isEmpty()) {
            throw new ToolException("--delete needs --group GROUP (repeatable)");
        }
        Map<String, GroupOutcome> outcomes = admin.deleteConsumerGroups(groups);
        List<String> deleted = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        for (String g : groups) {
            GroupOutcome o = outcomes.get(g);
            if (o == null) {
                failed.put(g, "no answer from the coordinator");
            } else if (o.succeeded()) {
                deleted.add(g);
            } else {
                failed.put(g, o.error().error() == ErrorCode.NON_EMPTY_GROUP ? "The group is not empty."
                        : o.error().error() == ErrorCode.GROUP_ID_NOT_FOUND ? "The group id does not exist." : o.error().getMessage());
            }
        }
        if (!deleted.isEmpty()) {
            out.println("Deletion of requested consumer groups ('" + String.join("', '", deleted) + "') was successful.");
        }
        if (!failed.isEmpty()) {
            err.println("Error: Deletion of some consumer groups failed:");
            failed.forEach((g, why) -> err.println("* Group '" + g + "' could not be deleted due to: " + why));
            return 1;
        }
        return 0;
    }

    // ---- --reset-offsets ----

    private int reset(TributaryAdmin admin, List<String> groupIds) {
        OffsetResetPlan.Spec spec = new OffsetResetPlan.Spec(toEarliest, toLatest, toCurrent, toOffset, toDatetime, shiftBy);
        if (spec.count() != 1) {
            throw new ToolException("--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-current, --to-offset, "
                    + "--to-datetime, --shift-by");
        }
        if (topics.isEmpty() == !allTopics) {
            throw new ToolException("--reset-offsets needs either --topic (repeatable) or --all-topics");
        }
        if (dryRun && execute) {
            throw new ToolException("give either --dry-run or --execute, not both");
        }
        if (!dryRun && !execute) {
            err.println("WARN: No action will be performed as the --execute option is missing. Add --dry-run to keep this behaviour "
                    + "without the warning, or --execute to commit the new offsets.");
        }
        OffsetResetPlan planner = new OffsetResetPlan(admin, err);
        Set<TopicPartition> named = allTopics ? Set.of() : planner.partitionsOf(topics);
        Map<String, ConsumerGroupDescription> descriptions = admin.describeConsumerGroups(groupIds);
        Map<String, Map<TopicPartition, Long>> plans = new LinkedHashMap<>();
        for (String g : groupIds) {
            ConsumerGroupDescription d = descriptions.get(g);
            if (d != null && d.error() != null && d.error().error() != ErrorCode.GROUP_ID_NOT_FOUND) {
                throw d.error();
            }
            String groupState = d == null || d.error() != null ? "Dead" : d.state();
            if (!"Empty".equals(groupState) && !"Dead".equals(groupState)) {
                throw new ToolException("Assignments can only be reset if the group '" + g + "' is inactive, but the current state is "
                        + groupState + ".");
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(g);
            Set<TopicPartition> partitions = named;
            if (allTopics) {
                // Commits on a topic deleted a moment ago have nothing to reset to.
                Set<String> existing = admin.listTopics(true);
                partitions = new TreeSet<>();
                for (TopicPartition tp : committed.keySet()) {
                    if (existing.contains(tp.topic())) {
                        partitions.add(tp);
                    }
                }
            }
            plans.put(g, partitions.isEmpty() ? Map.of() : planner.compute(g, partitions, committed, spec));
        }
        String format = "%-30s %-30s %-10s %-15s";
        StringBuilder sb = new StringBuilder("\n").append(String.format(format, "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")).append('\n');
        plans.forEach((g, plan) -> plan.forEach((tp, offset) ->
                sb.append(String.format(format, g, tp.topic(), tp.partition(), offset)).append('\n')));
        out.println(sb);
        if (execute) {
            for (Map.Entry<String, Map<TopicPartition, Long>> e : plans.entrySet()) {
                Map<TopicPartition, OffsetAndMetadata> offsets = new TreeMap<>();
                e.getValue().forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
                if (!offsets.isEmpty()) {
                    admin.alterConsumerGroupOffsets(e.getKey(), offsets);
                }
            }
        }
        return 0;
    }
}
