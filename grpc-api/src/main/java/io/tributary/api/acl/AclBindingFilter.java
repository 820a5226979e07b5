package io.tributary.api.acl;

import java.util.Optional;

/**
 * Selects ACLs to describe or delete, as Kafka's {@code AclBindingFilter} does: an empty field matches any value.
 * With {@code matchingResource} the name is a resource (not a pattern) and the filter selects every binding that
 * applies to it: the literal name, the wildcard and every prefix of it (Kafka's {@code PatternType.MATCH}).
 * Immutable.
 */
public record AclBindingFilter(Optional<ResourceType> type, Optional<String> name, Optional<PatternType> patternType,
                               boolean matchingResource, Optional<String> principal, Optional<String> host,
                               Optional<AclOperation> operation, Optional<AclPermissionType> permission) {
    public static final AclBindingFilter ANY = new AclBindingFilter(Optional.empty(), Optional.empty(), Optional.empty(),
            false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public AclBindingFilter {
        if (matchingResource && (type.isEmpty() || name.isEmpty())) {
            throw new IllegalArgumentException("a MATCH filter needs a resource type and name");
        }
        if (matchingResource && patternType.isPresent()) {
            throw new IllegalArgumentException("a MATCH filter has no pattern type of its own");
        }
    }

    /** Exactly this binding (what deleting one ACL uses). */
    public static AclBindingFilter exactly(AclBinding b) {
        return new AclBindingFilter(Optional.of(b.pattern().type()), Optional.of(b.pattern().name()),
                Optional.of(b.pattern().patternType()), false, Optional.of(b.entry().principal()),
                Optional.of(b.entry().host()), Optional.of(b.entry().operation()), Optional.of(b.entry().permission()));
    }

    public boolean matches(AclBinding b) {
        ResourcePattern p = b.pattern();
        AccessControlEntry e = b.entry();
        if (type.isPresent() && type.get() != p.type()) {
            return false;
        }
        if (matchingResource) {
            if (!p.matches(type.get(), name.get())) {
                return false;
            }
        } else {
            if (name.isPresent() && !name.get().equals(p.name())) {
                return false;
            }
            if (patternType.isPresent() && patternType.get() != p.patternType()) {
                return false;
            }
        }
        return principal.map(e.principal()::equals).orElse(true)
                && host.map(e.host()::equals).orElse(true)
                && operation.map(o -> o == e.operation()).orElse(true)
                && permission.map(x -> x == e.permission()).orElse(true);
    }
}
