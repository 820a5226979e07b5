package io.tributary.broker.security;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Kafka's ACL authorizer ({@code AclAuthorizer}, ZooKeeper mode) over ACLs kept in ZooKeeper: super users may do
 * anything; otherwise the ACLs that apply to the resource are its literal name's, the literal wildcard {@code *}'s
 * and those of every prefix of its name; none at all decides by {@code allow.everyone.if.no.acl.found}; a matching
 * DENY (of the operation or All) refuses; a matching ALLOW of the operation, of All, or of an operation that implies
 * it (Read/Write/Delete/Alter imply Describe, AlterConfigs implies DescribeConfigs) allows; anything else refuses.
 * Principals match by name or {@code User:*}, hosts by IP address or {@code *}.
 *
 * <p>Thread-safe: the ACLs are an immutable index swapped whole when ZooKeeper reports a change.
 */
public final class AclAuthorizer implements Authorizer {
    /** The names {@code authorizer.class.name} accepts for this authorizer (Kafka's included, so configs carry over). */
    public static final Set<String> CLASS_NAMES = Set.of("kafka.security.authorizer.AclAuthorizer",
            "kafka.security.auth.SimpleAclAuthorizer", AclAuthorizer.class.getName());

    private final Set<String> superUsers;
    private final boolean allowEveryoneIfNoAclFound;
    private final AtomicReference<Index> index = new AtomicReference<>(new Index(Map.of()));

    public AclAuthorizer(Set<String> superUsers, boolean allowEveryoneIfNoAclFound) {
        this.superUsers = Set.copyOf(superUsers);
        this.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound;
    }

    /** Replaces every ACL at once; called by the ZooKeeper cache on load and on each change. */
    public void update(Map<ResourcePattern, Set<AccessControlEntry>> acls) {
        index.set(new Index(acls));
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public boolean authorize(RequestContext ctx, AclOperation operation, ResourceType type, String name) {
        if (superUsers.contains(ctx.principal())) {
            return true;
        }
        List<Set<AccessControlEntry>> applicable = index.get().applicable(type, name);
        if (applicable.isEmpty()) {
            return allowEveryoneIfNoAclFound;
        }
        for (Set<AccessControlEntry> entries : applicable) {
            for (AccessControlEntry e : entries) {
                if (e.permission() == AclPermissionType.DENY && (e.operation() == operation || e.operation() == AclOperation.ALL)
                        && e.appliesTo(ctx.principal(), ctx.clientHost())) {
                    return false;
                }
            }
        }
        Set<AclOperation> allowedBy = operation.allowedBy();
        for (Set<AccessControlEntry> entries : applicable) {
            for (AccessControlEntry e : entries) {
                if (e.permission() == AclPermissionType.ALLOW && allowedBy.contains(e.operation())
                        && e.appliesTo(ctx.principal(), ctx.clientHost())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Kafka's {@code authorizeByResourceType}: true when some ALLOW for the principal (or everyone) grants the
     * operation on some resource of the type and no DENY of the wildcard or of a prefix covering everything
     * outweighs it. Approximates Kafka's rule (which also discounts ALLOWs shadowed by DENYs) on the safe side only
     * in what it is used for here: IdempotentWrite for holders of Write on any topic.
     */
    @Override
    public boolean authorizeAny(RequestContext ctx, AclOperation operation, ResourceType type) {
        if (superUsers.contains(ctx.principal())) {
            return true;
        }
        Index i = index.get();
        Set<AclOperation> allowedBy = operation.allowedBy();
        boolean anyAcl = false;
        for (Map.Entry<ResourcePattern, Set<AccessControlEntry>> e : i.all.entrySet()) {
            if (e.getKey().type() != type) {
                continue;
            }
            anyAcl = true;
            for (AccessControlEntry ace : e.getValue()) {
                if (!ace.appliesTo(ctx.principal(), ctx.clientHost())) {
                    continue;
                }
                if (ace.permission() == AclPermissionType.DENY && (ace.operation() == operation || ace.operation() == AclOperation.ALL)
                        && e.getKey().patternType() == PatternType.LITERAL && e.getKey().name().equals(ResourcePattern.WILDCARD)) {
                    return false;
                }
            }
        }
        for (Map.Entry<ResourcePattern, Set<AccessControlEntry>> e : i.all.entrySet()) {
            if (e.getKey().type() != type) {
                continue;
            }
            for (AccessControlEntry ace : e.getValue()) {
                if (ace.permission() == AclPermissionType.ALLOW && allowedBy.contains(ace.operation())
                        && ace.appliesTo(ctx.principal(), ctx.clientHost())) {
                    return true;
                }
            }
        }
        return !anyAcl && allowEveryoneIfNoAclFound;
    }

    /** ACLs by resource type: literal names in a hash map, prefixes in a sorted map searched by the name's prefixes. */
    private static final class Index {
        final Map<ResourcePattern, Set<AccessControlEntry>> all;
        final Map<ResourceType, Map<String, Set<AccessControlEntry>>> literal = new EnumMap<>(ResourceType.class);
        final Map<ResourceType, TreeMap<String, Set<AccessControlEntry>>> prefixed = new EnumMap<>(ResourceType.class);

        Index(Map<ResourcePattern, Set<AccessControlEntry>> acls) {
            this.all = Map.copyOf(acls);
            for (Map.Entry<ResourcePattern, Set<AccessControlEntry>> e : all.entrySet()) {
                ResourcePattern p = e.getKey();
                if (e.getValue().isEmpty()) {
                    continue;
                }
                if (p.patternType() == PatternType.LITERAL) {
                    literal.computeIfAbsent(p.type(), t -> new HashMap<>()).put(p.name(), Set.copyOf(e.getValue()));
                } else {
                    prefixed.computeIfAbsent(p.type(), t -> new TreeMap<>()).put(p.name(), Set.copyOf(e.getValue()));
                }
            }
        }

        List<Set<AccessControlEntry>> applicable(ResourceType type, String name) {
            List<Set<AccessControlEntry>> out = new ArrayList<>(2);
            Map<String, Set<AccessControlEntry>> lit = literal.get(type);
            if (lit != null) {
                Set<AccessControlEntry> exact = lit.get(name);
                if (exact != null) {
                    out.add(exact);
                }
                Set<AccessControlEntry> wildcard = name.equals(ResourcePattern.WILDCARD) ? null : lit.get(ResourcePattern.WILDCARD);
                if (wildcard != null) {
                    out.add(wildcard);
                }
            }
            TreeMap<String, Set<AccessControlEntry>> pre = prefixed.get(type);
            if (pre != null && !name.isEmpty()) {
                // Every stored prefix of name sorts at or before name; walk down from name and keep the true prefixes.
                for (Map.Entry<String, Set<AccessControlEntry>> e = pre.floorEntry(name); e != null; e = pre.lowerEntry(e.getKey())) {
                    if (name.startsWith(e.getKey())) {
                        out.add(e.getValue());
                    } else if (e.getKey().isEmpty() || e.getKey().charAt(0) != name.charAt(0)) {
                        break;
                    }
                }
            }
            return out;
        }
    }
}
