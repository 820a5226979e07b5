package io.tributary.client.tools;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import io.tributary.client.admin.AclCreation;
import io.tributary.client.admin.AclDeletion;
import io.tributary.client.admin.TributaryAdmin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code tributary-acls.sh}: add, remove and list ACLs with kafka-acls.sh's flags and output. The options become
 * bindings (--add) or filters (--remove, --list) in {@link #additions()}, {@link #removals()} and
 * {@link #listFilters()}, which the unit tests check without a cluster.
 *
 * <p>Defaults, as Kafka's: {@code --operation All} for --add without --producer/--consumer, hosts {@code *}, and
 * {@code --resource-pattern-type literal} for --add and --remove. Unlike Kafka, --list defaults to {@code any} (every
 * pattern type of the named resources) and --remove with principals but no --operation removes their ACLs of every
 * operation. --remove asks for confirmation on a terminal; without one it needs --force (it never waits on a pipe).
 *
 * <p>One instance runs once, on the tool's main thread.
 */
@Command(name = "tributary-acls.sh", sortOptions = false,
        description = "Add, remove or list ACLs (needs an authorizer on the brokers: authorizer.class.name).",
        footer = {"", "Examples:",
                "  tributary-acls.sh --bootstrap-server 127.0.0.1:9094 --command-config admin.properties --add \\",
                "      --allow-principal User:alice --operation Read --operation Describe --topic orders",
                "  tributary-acls.sh --bootstrap-server 127.0.0.1:9094 --command-config admin.properties --add \\",
                "      --allow-principal User:alice --consumer --topic orders --group billing",
                "  tributary-acls.sh --bootstrap-server 127.0.0.1:9094 --command-config admin.properties --list --topic orders",
                "  tributary-acls.sh --bootstrap-server 127.0.0.1:9094 --command-config admin.properties --remove --force \\",
                "      --allow-principal User:alice --topic orders"})
public final class AclsCommand extends ToolCommand {
    /** The operations each resource type takes, as Kafka's AclCommand checks them. */
    private static final Map<ResourceType, Set<AclOperation>> VALID_OPERATIONS = Map.of(
            ResourceType.TOPIC, EnumSet.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE,
                    AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.ALL),
            ResourceType.GROUP, EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALL),
            ResourceType.CLUSTER, EnumSet.of(AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS,
                    AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.ALL),
            ResourceType.TRANSACTIONAL_ID, EnumSet.of(AclOperation.DESCRIBE, AclOperation.WRITE, AclOperation.ALL));

    @ArgGroup(exclusive = true, multiplicity = "1")
    Action action;

    static final class Action {
        @Option(names = "--add", description = "Add ACLs.")
        boolean add;
        @Option(names = "--remove", description = "Remove ACLs.")
        boolean remove;
        @Option(names = "--list", description = "List ACLs (of the named resources, or all).")
        boolean list;
    }

    @Option(names = "--allow-principal", paramLabel = "PRINCIPAL", description = "Type:name allowed, e.g. User:alice; User:* for all (repeatable).")
    List<String> allowPrincipals = new ArrayList<>();

    @Option(names = "--deny-principal", paramLabel = "PRINCIPAL", description = "Type:name denied (repeatable).")
    List<String> denyPrincipals = new ArrayList<>();

    @Option(names = "--allow-host", paramLabel = "HOST", description = "Client IP address the allow principals may come from (default *).")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--deny-host", paramLabel = "HOST", description = "Client IP address the deny principals are denied from (default *).")
    List<String> denyHosts = new ArrayList<>();

    @Option(names = "--operation", paramLabel = "OPERATION", description = "Read, Write, Create, Delete, Alter, Describe, ClusterAction,"
            + " DescribeConfigs, AlterConfigs, IdempotentWrite or All, case-insensitive (repeatable; default All for --add).")
    List<String> operations = new ArrayList<>();

    @Option(names = "--topic", paramLabel = "TOPIC", description = "A topic (repeatable; * for all topics).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--group", paramLabel = "GROUP", description = "A consumer group (repeatable; * for all groups).")
    List<String> groups = new ArrayList<>();

    @Option(names = "--cluster", description = "The cluster resource.")
    boolean cluster;

    @Option(names = "--transactional-id", paramLabel = "ID", description = "A transactional id (repeatable).")
    List<String> transactionalIds = new ArrayList<>();

    @Option(names = "--resource-pattern-type", paramLabel = "TYPE", description = "literal or prefixed for --add (default literal);"
            + " also any or match for --list (default any) and --remove (default literal).")
    String resourcePatternType;

    @Option(names = "--principal", paramLabel = "PRINCIPAL", description = "With --list: only ACLs of this principal (repeatable).")
    List<String> principals = new ArrayList<>();

    @Option(names = "--producer", description = "Convenience: Write, Describe and Create on the topics (Write and Describe on"
            + " --transactional-id; IdempotentWrite on the cluster with --idempotent).")
    boolean producer;

    @Option(names = "--idempotent", description = "With --producer: also IdempotentWrite on the cluster.")
    boolean idempotent;

    @Option(names = "--consumer", description = "Convenience: Read and Describe on the topics, Read on the --group.")
    boolean consumer;

    @Option(names = "--force", description = "With --remove: do not ask for confirmation.")
    boolean force;

    @Option(names = "--command-config", paramLabel = "FILE", description = "Admin client properties file (e.g. SASL keys of a super user).")
    Path commandConfig;

    public static void main(String[] args) {
        System.exit(execute(new AclsCommand(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        if (action.add) {
            List<AclBinding> bindings = additions();
            try (TributaryAdmin admin = admin()) {
                for (Map.Entry<ResourcePattern, List<AclBinding>> e : byPattern(bindings).entrySet()) {
                    printEntries("Adding ACLs for resource `" + format(e.getKey()) + "`:", e.getValue());
                }
                for (AclCreation c : admin.createAcls(bindings)) {
                    c.throwIfFailed();
                }
                printCurrent(admin, byPattern(bindings).keySet());
            }
            return 0;
        }
        if (action.remove) {
            List<AclBindingFilter> filters = removals();
            if (!force) {
                confirm(filters);
            }
            try (TributaryAdmin admin = admin()) {
                List<AclBinding> deleted = new ArrayList<>();
                for (AclDeletion d : admin.deleteAcls(filters)) {
                    d.throwIfFailed();
                    deleted.addAll(d.deleted());
                }
                for (Map.Entry<ResourcePattern, List<AclBinding>> e : byPattern(deleted).entrySet()) {
                    printEntries("Removed ACLs for resource `" + format(e.getKey()) + "`:", e.getValue());
                }
                if (deleted.isEmpty()) {
                    out.println("No ACLs matched: nothing was removed.");
                }
                printCurrent(admin, byPattern(deleted).keySet());
            }
            return 0;
        }
        List<AclBindingFilter> filters = listFilters();
        try (TributaryAdmin admin = admin()) {
            Set<AclBinding> found = new LinkedHashSet<>();
            for (AclBindingFilter f : filters) {
                found.addAll(admin.describeAcls(f));
            }
            for (Map.Entry<ResourcePattern, List<AclBinding>> e : byPattern(found).entrySet()) {
                printEntries("Current ACLs for resource `" + format(e.getKey()) + "`:", e.getValue());
            }
        }
        return 0;
    }

    private TributaryAdmin admin() {
        return new TributaryAdmin(clientProps(ToolDefaults.ADMIN, commandConfig, List.of()));
    }

    /** What --add creates: every principal x host x operation on every resource. */
    List<AclBinding> additions() {
        PatternType pattern = patternType(PatternType.LITERAL, false);
        List<ResourcePattern> resources = resources(pattern);
        if (resources.isEmpty()) {
            throw new ToolException("--add needs a resource: --topic, --group, --cluster or --transactional-id");
        }
        if (allowPrincipals.isEmpty() && denyPrincipals.isEmpty()) {
            throw new ToolException("--add needs --allow-principal or --deny-principal");
        }
        requirePrincipals(allowPrincipals, "--allow-principal");
        requirePrincipals(denyPrincipals, "--deny-principal");
        Map<ResourcePattern, Set<AclOperation>> operationsOf = operationsByResource(resources, Set.of(AclOperation.ALL));
        List<AclBinding> out = new ArrayList<>();
        for (Map.Entry<ResourcePattern, Set<AclOperation>> e : operationsOf.entrySet()) {
            for (AclOperation op : e.getValue()) {
                for (String p : allowPrincipals) {
                    for (String h : hosts(allowHosts)) {
                        out.add(new AclBinding(e.getKey(), new AccessControlEntry(p, h, op, AclPermissionType.ALLOW)));
                    }
                }
                for (String p : denyPrincipals) {
                    for (String h : hosts(denyHosts)) {
                        out.add(new AclBinding(e.getKey(), new AccessControlEntry(p, h, op, AclPermissionType.DENY)));
                    }
                }
            }
        }
        return out;
    }

    /** What --remove deletes: every ACL of the resources, or only those of the named principals (and operations). */
    List<AclBindingFilter> removals() {
        Optional<PatternType> pattern = Optional.empty();
        boolean match = "match".equalsIgnoreCase(resourcePatternType);
        if (!match && !"any".equalsIgnoreCase(resourcePatternType)) {
            pattern = Optional.of(patternType(PatternType.LITERAL, true));
        }
        List<ResourcePattern> resources = resources(pattern.orElse(PatternType.LITERAL));
        if (resources.isEmpty()) {
            throw new ToolException("--remove needs a resource: --topic, --group, --cluster or --transactional-id");
        }
        requirePrincipals(allowPrincipals, "--allow-principal");
        requirePrincipals(denyPrincipals, "--deny-principal");
        boolean byOperation = !operations.isEmpty() || producer || consumer;
        Map<ResourcePattern, Set<AclOperation>> operationsOf = byOperation ? operationsByResource(resources, Set.of()) : null;
        List<AclBindingFilter> out = new ArrayList<>();
        for (ResourcePattern r : resources) {
            if (allowPrincipals.isEmpty() && denyPrincipals.isEmpty()) {
                out.add(filter(r, pattern, match, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
                continue;
            }
            List<Optional<AclOperation>> ops = new ArrayList<>();
            if (operationsOf == null) {
                ops.add(Optional.empty());
            } else {
                operationsOf.getOrDefault(r, Set.of()).forEach(o -> ops.add(Optional.of(o)));
            }
            for (Optional<AclOperation> op : ops) {
                for (String p : allowPrincipals) {
                    for (String h : hosts(allowHosts)) {
                        out.add(filter(r, pattern, match, Optional.of(p), Optional.of(h), op, Optional.of(AclPermissionType.ALLOW)));
                    }
                }
                for (String p : denyPrincipals) {
                    for (String h : hosts(denyHosts)) {
                        out.add(filter(r, pattern, match, Optional.of(p), Optional.of(h), op, Optional.of(AclPermissionType.DENY)));
                    }
                }
            }
        }
        return out;
    }

    /** What --list describes: the named resources (or all), of the --principal principals (or all). */
    List<AclBindingFilter> listFilters() {
        requirePrincipals(principals, "--principal");
        Optional<PatternType> pattern = Optional.empty();
        boolean match = "match".equalsIgnoreCase(resourcePatternType);
        if (resourcePatternType != null && !match && !"any".equalsIgnoreCase(resourcePatternType)) {
            pattern = Optional.of(patternType(PatternType.LITERAL, true));
        }
        List<Optional<String>> who = principals.isEmpty() ? List.of(Optional.empty())
                : principals.stream().map(Optional::of).toList();
        List<ResourcePattern> resources = resources(pattern.orElse(PatternType.LITERAL));
        List<AclBindingFilter> out = new ArrayList<>();
        for (Optional<String> p : who) {
            if (resources.isEmpty()) {
                out.add(new AclBindingFilter(Optional.empty(), Optional.empty(), pattern, false, p, Optional.empty(),
                        Optional.empty(), Optional.empty()));
            }
            for (ResourcePattern r : resources) {
                out.add(filter(r, pattern, match, p, Optional.empty(), Optional.empty(), Optional.empty()));
            }
        }
        return out;
    }

    private static AclBindingFilter filter(ResourcePattern r, Optional<PatternType> pattern, boolean match, Optional<String> principal,
                                           Optional<String> host, Optional<AclOperation> op, Optional<AclPermissionType> permission) {
        return new AclBindingFilter(Optional.of(r.type()), Optional.of(r.name()), match ? Optional.empty() : pattern, match,
                principal, host, op, permission);
    }

    /** The resources the flags name, in flag order; the cluster is always the LITERAL {@code kafka-cluster}. */
    private List<ResourcePattern> resources(PatternType pattern) {
        List<ResourcePattern> out = new ArrayList<>();
        topics.forEach(t -> out.add(pattern(ResourceType.TOPIC, t, pattern)));
        groups.forEach(g -> out.add(pattern(ResourceType.GROUP, g, pattern)));
        transactionalIds.forEach(t -> out.add(pattern(ResourceType.TRANSACTIONAL_ID, t, pattern)));
        if (cluster || (producer && idempotent)) {
            out.add(ResourcePattern.cluster());
        }
        return out;
    }

    private static ResourcePattern pattern(ResourceType type, String name, PatternType pattern) {
        try {
            return new ResourcePattern(type, name, pattern);
        } catch (IllegalArgumentException e) {
            throw new ToolException(e.getMessage());
        }
    }

    /**
     * The operations per resource: --producer / --consumer's sets, or --operation (else {@code fallback}) on every
     * resource, each checked against what its type takes.
     */
    private Map<ResourcePattern, Set<AclOperation>> operationsByResource(List<ResourcePattern> resources, Set<AclOperation> fallback) {
        if ((producer || consumer) && !operations.isEmpty()) {
            throw new ToolException("--operation cannot be combined with --producer or --consumer");
        }
        if (idempotent && !producer) {
            throw new ToolException("--idempotent needs --producer");
        }
        if ((producer || consumer) && topics.isEmpty()) {
            throw new ToolException((producer ? "--producer" : "--consumer") + " needs --topic");
        }
        if (consumer && groups.isEmpty()) {
            throw new ToolException("--consumer needs --group");
        }
        Map<ResourcePattern, Set<AclOperation>> out = new LinkedHashMap<>();
        if (producer || consumer) {
            for (ResourcePattern r : resources) {
                Set<AclOperation> ops = EnumSet.noneOf(AclOperation.class);
                switch (r.type()) {
                    case TOPIC -> {
                        if (producer) {
                            ops.addAll(List.of(AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE));
                        }
                        if (consumer) {
                            ops.addAll(List.of(AclOperation.READ, AclOperation.DESCRIBE));
                        }
                    }
                    case GROUP -> {
                        if (consumer) {
                            ops.add(AclOperation.READ);
                        }
                    }
                    case TRANSACTIONAL_ID -> {
                        if (producer) {
                            ops.addAll(List.of(AclOperation.WRITE, AclOperation.DESCRIBE));
                        }
                    }
                    case CLUSTER -> {
                        if (producer && idempotent) {
                            ops.add(AclOperation.IDEMPOTENT_WRITE);
                        }
                    }
                }
                if (ops.isEmpty()) {
                    throw new ToolException(format(r) + " takes no ACLs from " + (producer ? "--producer" : "--consumer")
                            + "; name it with --operation in a separate command");
                }
                out.put(r, ops);
            }
            return out;
        }
        Set<AclOperation> ops = operations.isEmpty() ? fallback : parseOperations();
        for (ResourcePattern r : resources) {
            for (AclOperation op : ops) {
                if (!VALID_OPERATIONS.get(r.type()).contains(op)) {
                    throw new ToolException("ResourceType " + r.type().kafkaName() + " only supports operations "
                            + VALID_OPERATIONS.get(r.type()).stream().map(AclOperation::kafkaName).sorted().collect(Collectors.joining(", "))
                            + "; not " + op.kafkaName());
                }
            }
            out.put(r, ops);
        }
        return out;
    }

    private Set<AclOperation> parseOperations() {
        Set<AclOperation> out = EnumSet.noneOf(AclOperation.class);
        for (String o : operations) {
            out.add(AclOperation.parse(o.trim()).orElseThrow(() -> new ToolException("invalid --operation '" + o + "': expected one of "
                    + List.of(AclOperation.values()).stream().map(AclOperation::kafkaName).collect(Collectors.joining(", ")))));
        }
        return out;
    }

    private PatternType patternType(PatternType fallback, boolean filterTypesAllowed) {
        if (resourcePatternType == null) {
            return fallback;
        }
        return PatternType.parse(resourcePatternType.trim()).orElseThrow(() -> new ToolException("invalid --resource-pattern-type '"
                + resourcePatternType + "': " + (filterTypesAllowed ? "expected literal, prefixed, any or match"
                : "--add takes literal or prefixed")));
    }

    private static List<String> hosts(List<String> given) {
        return given.isEmpty() ? List.of(AccessControlEntry.WILDCARD_HOST) : given;
    }

    private static void requirePrincipals(List<String> principals, String flag) {
        for (String p : principals) {
            int colon = p.indexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new ToolException("invalid " + flag + " '" + p + "': a principal is written Type:name, e.g. User:alice");
            }
        }
    }

    /** Asks on the terminal; without one, --remove must say --force: a tool must not wait for a pipe to answer. */
    private void confirm(List<AclBindingFilter> filters) {
        if (!interactive()) {
            throw new ToolException("--remove deletes ACLs and there is no terminal to confirm on: add --force");
        }
        out.println("Are you sure you want to remove the ACLs matching these " + filters.size() + " filter(s)? (y/n)");
        filters.forEach(f -> out.println("\t" + format(f)));
        String answer;
        try {
            answer = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new ToolException("cannot read the confirmation: " + e.getMessage());
        }
        if (answer == null || !answer.trim().equalsIgnoreCase("y")) {
            throw new ToolException("not confirmed: no ACLs were removed");
        }
    }

    /** Whether a person can answer a prompt; tests running in-process have no console. */
    boolean interactive() {
        return System.console() != null && in == System.in;
    }

    private void printCurrent(TributaryAdmin admin, Set<ResourcePattern> patterns) {
        for (ResourcePattern p : patterns) {
            List<AclBinding> current = admin.describeAcls(new AclBindingFilter(Optional.of(p.type()), Optional.of(p.name()),
                    Optional.of(p.patternType()), false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
            printEntries("Current ACLs for resource `" + format(p) + "`:", current);
        }
    }

    private void printEntries(String header, List<AclBinding> bindings) {
        out.println(header);
        for (AclBinding b : bindings) {
            out.println("\t" + format(b.entry()));
        }
        out.println();
    }

    private static Map<ResourcePattern, List<AclBinding>> byPattern(Collection<AclBinding> bindings) {
        Map<ResourcePattern, List<AclBinding>> out = new TreeMap<>(Comparator.comparing((ResourcePattern p) -> p.type())
                .thenComparing(ResourcePattern::name).thenComparing(ResourcePattern::patternType));
        for (AclBinding b : bindings) {
            out.computeIfAbsent(b.pattern(), k -> new ArrayList<>()).add(b);
        }
        return out;
    }

    /** Kafka's {@code ResourcePattern.toString}: enum names, not the display names. */
    static String format(ResourcePattern p) {
        return "ResourcePattern(resourceType=" + p.type().name() + ", name=" + p.name() + ", patternType=" + p.patternType().name() + ")";
    }

    /** Kafka's {@code AccessControlEntry.toString}. */
    static String format(AccessControlEntry e) {
        return "(principal=" + e.principal() + ", host=" + e.host() + ", operation=" + e.operation().name()
                + ", permissionType=" + e.permission().name() + ")";
    }

    /** Kafka's prompt names a filter this way; ANY (or MATCH) where the filter takes every value. */
    static String format(AclBindingFilter f) {
        String pattern = f.matchingResource() ? "MATCH" : f.patternType().map(Enum::name).orElse("ANY");
        return "ResourcePatternFilter(resourceType=" + f.type().map(Enum::name).orElse("ANY") + ", name=" + f.name().orElse("ANY")
                + ", patternType=" + pattern + ") (principal=" + f.principal().orElse("ANY") + ", host=" + f.host().orElse("ANY")
                + ", operation=" + f.operation().map(Enum::name).orElse("ANY") + ", permissionType="
                + f.permission().map(Enum::name).orElse("ANY") + ")";
    }
}
