package io.tributary.coordination;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ACLs in ZooKeeper, in the layout of Kafka's ZooKeeper-mode authorizer ({@code AclAuthorizer}), so a Kafka operator
 * finds them where they expect in zkCli:
 * <pre>
 * {root}/kafka-acl/{ResourceType}/{name}                    LITERAL patterns (the name "*" is the wildcard)
 * {root}/kafka-acl-extended/prefixed/{ResourceType}/{name}  PREFIXED patterns
 *   {"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}]}
 * {root}/kafka-acl-changes/acl_changes_{seq}                TOPIC:orders            (one per LITERAL change)
 * {root}/kafka-acl-extended-changes/acl_changes_{seq}       {"version":1,"resourceType":"TOPIC","name":"orders","patternType":"PREFIXED"}
 * </pre>
 * ({@link AclDocument}, {@link AclChangeEvent}.)
 *
 * <p><b>Names in paths.</b> A resource name is one path segment. Group and transactional-id names may contain
 * {@code /} and {@code %}, which are written {@code %2F} and {@code %25}; the names {@code .} and {@code ..}, which
 * ZooKeeper refuses as segments, are written {@code %2E} and {@code %2E%2E}. Every other character is written as is,
 * so topics (whose names never contain these) and the wildcard {@code *} are named exactly as in Kafka
 * ({@code /kafka-acl/Topic/*}). Reading decodes only those three escapes. Kafka itself escapes nothing: a Kafka-written
 * name that contains {@code %25}, {@code %2F} or {@code %2E} literally is read back decoded. Names with characters
 * ZooKeeper forbids in paths (control characters) are refused with {@link IllegalArgumentException}, as in Kafka.
 *
 * <p><b>Writes.</b> Each resource's change is one ZooKeeper transaction: a compare-and-set on the znode's version
 * (create when absent, delete when its last ACL goes) plus the change notification every broker's {@link AclCache}
 * follows. A lost race is retried from a fresh read, up to {@value #CAS_ATTEMPTS} times, then
 * {@link ConcurrentModificationException}; concurrent writers never lose each other's ACLs. Changes that change
 * nothing write nothing (no notification either). The containers are created when missing, so the store works before
 * any broker ran against the chroot (an operator's first ACLs, as with Kafka's {@code kafka-acls.sh}).
 *
 * <p><b>Malformed znodes.</b> A znode that does not parse (not JSON, unknown version, unknown operation or permission)
 * is skipped with a WARN naming its path (once per znode version), and the other resources load. The authorizer then
 * has no ACL from that resource: it fails closed for ALLOWs, but its DENYs cannot be read either, so a principal
 * allowed by another pattern (a wildcard, a prefix) stays allowed until the znode is fixed or deleted. An add to a
 * malformed resource overwrites it (WARN); a remove leaves it alone.
 *
 * <p>Thread-safe (no state but a flag that the containers exist).
 */
public final class AclStore {
    private static final Logger log = LoggerFactory.getLogger(AclStore.class);
    static final int CAS_ATTEMPTS = 20;
    private static final int MAX_REMEMBERED_WARNINGS = 10_000;

    private final CuratorFramework client;
    private final ZkLayout layout;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private volatile boolean containersReady;

    public AclStore(CuratorFramework client, ZkLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    /** The znode holding a pattern's ACLs. */
    public String path(ResourcePattern p) {
        return typePath(p.patternType(), p.type()) + "/" + encodeName(p.name());
    }

    /** The parent of the change notifications about patterns of this kind. */
    public String changesPath(PatternType patternType) {
        return patternType == PatternType.LITERAL ? layout.literalAclChangesPath() : layout.extendedAclChangesPath();
    }

    private String treePath(PatternType pt) {
        return pt == PatternType.LITERAL ? layout.literalAclsPath() : layout.prefixedAclsPath();
    }

    private String typePath(PatternType pt, ResourceType type) {
        return treePath(pt) + "/" + type.kafkaName();
    }

    /** See the class javadoc: {@code %} → {@code %25}, {@code /} → {@code %2F}, {@code .}/{@code ..} → {@code %2E}/{@code %2E%2E}. */
    static String encodeName(String name) {
        if (name.equals(".")) {
            return "%2E";
        }
        if (name.equals("..")) {
            return "%2E%2E";
        }
        return name.replace("%", "%25").replace("/", "%2F");
    }

    /** The inverse of {@link #encodeName}: only {@code %25}, {@code %2F} and {@code %2E} are decoded. */
    static String decodeName(String segment) {
        StringBuilder out = new StringBuilder(segment.length());
        int i = 0;
        while (i < segment.length()) {
            char c = segment.charAt(i);
            String escape = c == '%' && i + 3 <= segment.length() ? segment.substring(i + 1, i + 3).toUpperCase(Locale.ROOT) : "";
            switch (escape) {
                case "25" -> out.append('%');
                case "2F" -> out.append('/');
                case "2E" -> out.append('.');
                default -> {
                    out.append(c);
                    i++;
                    continue;
                }
            }
            i += 3;
        }
        return out.toString();
    }

    /**
     * Adds bindings; those already present are left alone (nothing is written for them).
     *
     * @return the bindings that were not there before
     * @throws ConcurrentModificationException when other writers kept winning on one resource
     */
    public Set<AclBinding> add(Collection<AclBinding> bindings) throws Exception {
        Map<ResourcePattern, Set<AccessControlEntry>> byPattern = new LinkedHashMap<>();
        for (AclBinding b : bindings) {
            byPattern.computeIfAbsent(b.pattern(), p -> new LinkedHashSet<>()).add(b.entry());
        }
        Set<AclBinding> added = new LinkedHashSet<>();
        for (Map.Entry<ResourcePattern, Set<AccessControlEntry>> e : byPattern.entrySet()) {
            ResourcePattern p = e.getKey();
            Set<AccessControlEntry> before = update(p, current -> {
                Set<AccessControlEntry> next = new LinkedHashSet<>(current);
                next.addAll(e.getValue());
                return next;
            });
            for (AccessControlEntry ace : e.getValue()) {
                if (!before.contains(ace)) {
                    added.add(new AclBinding(p, ace));
                }
            }
        }
        return added;
    }

    /**
     * Removes every binding the filter matches, reading only the resources it can match (one znode when it names a
     * pattern exactly; one resource type's children when it names a type; see {@link #describe}).
     *
     * @return the bindings removed
     * @throws ConcurrentModificationException when other writers kept winning on one resource
     */
    public Set<AclBinding> remove(AclBindingFilter filter) throws Exception {
        Set<AclBinding> removed = new LinkedHashSet<>();
        for (Map.Entry<ResourcePattern, Set<AccessControlEntry>> e : candidates(filter).entrySet()) {
            ResourcePattern p = e.getKey();
            if (e.getValue().stream().noneMatch(ace -> filter.matches(new AclBinding(p, ace)))) {
                continue;
            }
            Set<AccessControlEntry> before = update(p, current -> {
                Set<AccessControlEntry> next = new LinkedHashSet<>();
                for (AccessControlEntry ace : current) {
                    if (!filter.matches(new AclBinding(p, ace))) {
                        next.add(ace);
                    }
                }
                return next;
            });
            for (AccessControlEntry ace : before) {
                if (filter.matches(new AclBinding(p, ace))) {
                    removed.add(new AclBinding(p, ace));
                }
            }
        }
        return removed;
    }

    /**
     * Every binding the filter matches, ordered by resource type, pattern type, name, then entry. Reads only what the
     * filter can match: a filter with type, name and pattern type reads one znode; a MATCH filter
     * ({@code matchingResource}) reads the literal name, the wildcard and the one type's prefixed children; a type
     * alone lists that type's children.
     */
    public List<AclBinding> describe(AclBindingFilter filter) throws Exception {
        List<AclBinding> out = new ArrayList<>();
        candidates(filter).forEach((p, aces) -> aces.forEach(ace -> {
            AclBinding b = new AclBinding(p, ace);
            if (filter.matches(b)) {
                out.add(b);
            }
        }));
        out.sort(Comparator.comparing((AclBinding b) -> b.pattern().type()).thenComparing(b -> b.pattern().patternType())
                .thenComparing(b -> b.pattern().name()).thenComparing(b -> b.entry().principal())
                .thenComparing(b -> b.entry().host())
                .thenComparing(b -> b.entry().operation()).thenComparing(b -> b.entry().permission()));
        return out;
    }

    /** Every ACL, read from ZooKeeper now; malformed resources are skipped (see the class javadoc). */
    public Map<ResourcePattern, Set<AccessControlEntry>> loadAll() throws Exception {
        Map<ResourcePattern, Set<AccessControlEntry>> out = new LinkedHashMap<>();
        for (PatternType pt : PatternType.values()) {
            String base = treePath(pt);
            for (String typeSegment : ZkSupport.children(client, base)) {
                Optional<ResourceType> type = ResourceType.parse(typeSegment).filter(t -> t.kafkaName().equals(typeSegment));
                if (type.isEmpty()) {
                    warnOnce(base + "/" + typeSegment, "ignoring {}/{}: not a resource type Tributary knows (Topic, Group, Cluster, "
                            + "TransactionalId)", base, typeSegment);
                    continue;
                }
                readChildren(pt, type.get(), out);
            }
        }
        return out;
    }

    /**
     * One pattern's ACLs read from ZooKeeper now: empty when it has none, and also when its znode is malformed (WARN,
     * see the class javadoc). What {@link AclCache} reloads when a change notification names the pattern.
     */
    public Set<AccessControlEntry> load(ResourcePattern p) throws Exception {
        return read(p).orElse(Set.of());
    }

    private void readChildren(PatternType pt, ResourceType type, Map<ResourcePattern, Set<AccessControlEntry>> out) throws Exception {
        for (String nameSegment : ZkSupport.children(client, typePath(pt, type))) {
            readInto(type, decodeName(nameSegment), pt, out);
        }
    }

    /** The resources a filter can match, with their ACLs (absent and malformed ones left out). */
    private Map<ResourcePattern, Set<AccessControlEntry>> candidates(AclBindingFilter f) throws Exception {
        if (f.type().isEmpty() && f.name().isEmpty() && f.patternType().isEmpty()) {
            return loadAll();
        }
        Map<ResourcePattern, Set<AccessControlEntry>> out = new LinkedHashMap<>();
        List<ResourceType> types = f.type().map(List::of).orElse(List.of(ResourceType.values()));
        List<PatternType> patternTypes = f.patternType().map(List::of).orElse(List.of(PatternType.values()));
        for (ResourceType type : types) {
            for (PatternType pt : patternTypes) {
                if (f.matchingResource()) {
                    String name = f.name().orElseThrow();
                    if (pt == PatternType.LITERAL) {
                        readInto(type, name, pt, out);
                        readInto(type, ResourcePattern.WILDCARD, pt, out);
                    } else {
                        for (String nameSegment : ZkSupport.children(client, typePath(pt, type))) {
                            String prefix = decodeName(nameSegment);
                            if (name.startsWith(prefix)) {
                                readInto(type, prefix, pt, out);
                            }
                        }
                    }
                } else if (f.name().isPresent()) {
                    readInto(type, f.name().get(), pt, out);
                } else {
                    readChildren(pt, type, out);
                }
            }
        }
        return out;
    }

    private void readInto(ResourceType type, String name, PatternType pt, Map<ResourcePattern, Set<AccessControlEntry>> out)
            throws Exception {
        Optional<ResourcePattern> p = pattern(type, name, pt);
        if (p.isPresent()) {
            read(p.get()).ifPresent(entries -> out.put(p.get(), entries));
        }
    }

    /** A pattern, or empty when the combination cannot exist (a PREFIXED Cluster, a Cluster not named kafka-cluster). */
    private static Optional<ResourcePattern> pattern(ResourceType type, String name, PatternType pt) {
        try {
            return Optional.of(new ResourcePattern(type, name, pt));
        } catch (IllegalArgumentException impossible) {
            return Optional.empty();
        }
    }

    /** The ACLs of a pattern; empty when the znode is absent or malformed (then with a WARN). */
    private Optional<Set<AccessControlEntry>> read(ResourcePattern p) throws Exception {
        String path = path(p);
        Stat stat = new Stat();
        Optional<byte[]> data = ZkSupport.readData(client, path, stat);
        if (data.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(AclDocument.decodeEntries(data.get()));
        } catch (CorruptMetadataException malformed) {
            warnOnce(path + "@" + stat.getMzxid(), "ignoring the ACLs in {}: {} (no permission is granted or denied from it "
                    + "until it is fixed or deleted)", path, malformed.getMessage());
            return Optional.empty();
        }
    }

    private void warnOnce(String key, String format, Object... args) {
        if (warned.size() > MAX_REMEMBERED_WARNINGS) {
            warned.clear();
        }
        if (warned.add(key)) {
            log.warn(format, args);
        }
    }

    /**
     * Compare-and-set of one resource's ACLs, in one transaction with its change notification.
     *
     * @return the ACLs the successful attempt started from
     */
    private Set<AccessControlEntry> update(ResourcePattern p, UnaryOperator<Set<AccessControlEntry>> change) throws Exception {
        String path = path(p);
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            ensureContainers();
            Stat stat = new Stat();
            Optional<byte[]> data = ZkSupport.readData(client, path, stat);
            Set<AccessControlEntry> current = Set.of();
            if (data.isPresent()) {
                try {
                    current = AclDocument.decodeEntries(data.get());
                } catch (CorruptMetadataException malformed) {
                    log.warn("the ACL znode {} is malformed ({}); a change to it replaces its content", path, malformed.getMessage());
                }
            }
            Set<AccessControlEntry> next = change.apply(current);
            if (next.equals(current)) {
                return current;
            }
            List<CuratorOp> ops = new ArrayList<>();
            byte[] doc = AclDocument.CODEC.encode(AclDocument.of(next));
            if (data.isEmpty()) {
                ops.add(client.transactionOp().create().forPath(path, doc));
            } else if (next.isEmpty()) {
                ops.add(client.transactionOp().delete().withVersion(stat.getVersion()).forPath(path));
            } else {
                ops.add(client.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, doc));
            }
            ops.add(client.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(changesPath(p.patternType()) + "/" + ZkLayout.ACL_CHANGE_PREFIX, AclChangeEvent.encode(p)));
            try {
                client.transaction().forOperations(ops);
                return current;
            } catch (KeeperException.NoNodeException raced) {
                // The znode went, or a container was deleted under us: check the containers, read again, reapply.
                containersReady = false;
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException raced) {
                // Another writer changed the resource in between: read again and reapply.
            }
            // Writers that lost together would collide again at once: spread them out (jittered, up to 64 ms).
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 1L << Math.min(6, attempt + 1) + 1));
        }
        throw new ConcurrentModificationException("the ACLs of " + p + " kept changing under " + CAS_ATTEMPTS
                + " attempts to change them; retry");
    }

    /**
     * Creates the ACL trees, one node per resource type in each (as Kafka's authorizer does at start), and both
     * change-notification parents, when missing. Also what {@link AclCache} calls before it watches.
     */
    void ensureContainers() throws Exception {
        if (containersReady) {
            return;
        }
        for (PatternType pt : PatternType.values()) {
            for (ResourceType type : ResourceType.values()) {
                ZkSupport.createIfAbsent(client, typePath(pt, type), new byte[0]);
            }
            ZkSupport.createIfAbsent(client, changesPath(pt), new byte[0]);
        }
        containersReady = true;
    }
}
