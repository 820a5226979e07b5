package io.tributary.api.acl;

import io.tributary.api.v1.AclOperation;
import io.tributary.api.v1.AclPatternType;
import io.tributary.api.v1.AclPermissionType;
import io.tributary.api.v1.AclResourceType;

import java.util.Optional;

/**
 * Translation between the ACL model and {@code security.proto}. A binding with an unset or filter-only enum value is
 * refused with {@link IllegalArgumentException} naming the field, so a broker can answer INVALID_REQUEST with it.
 * Stateless.
 */
public final class AclProtos {
    private AclProtos() {
    }

    public static io.tributary.api.v1.AclBinding toProto(AclBinding b) {
        return io.tributary.api.v1.AclBinding.newBuilder()
                .setResourceType(toProto(b.pattern().type()))
                .setResourceName(b.pattern().name())
                .setPatternType(b.pattern().patternType() == PatternType.LITERAL
                        ? AclPatternType.ACL_PATTERN_TYPE_LITERAL : AclPatternType.ACL_PATTERN_TYPE_PREFIXED)
                .setPrincipal(b.entry().principal())
                .setHost(b.entry().host())
                .setOperation(toProto(b.entry().operation()))
                .setPermissionType(b.entry().permission() == io.tributary.api.acl.AclPermissionType.ALLOW
                        ? AclPermissionType.ACL_PERMISSION_TYPE_ALLOW : AclPermissionType.ACL_PERMISSION_TYPE_DENY)
                .build();
    }

    public static AclBinding fromProto(io.tributary.api.v1.AclBinding p) {
        ResourceType type = resourceType(p.getResourceType()).orElseThrow(() -> invalid("resource_type", p.getResourceType()));
        PatternType pattern = patternType(p.getPatternType()).orElseThrow(() -> invalid("pattern_type", p.getPatternType()));
        io.tributary.api.acl.AclOperation op = operation(p.getOperation()).orElseThrow(() -> invalid("operation", p.getOperation()));
        io.tributary.api.acl.AclPermissionType perm = permission(p.getPermissionType())
                .orElseThrow(() -> invalid("permission_type", p.getPermissionType()));
        String host = p.getHost().isEmpty() ? AccessControlEntry.WILDCARD_HOST : p.getHost();
        return new AclBinding(new ResourcePattern(type, p.getResourceName(), pattern),
                new AccessControlEntry(p.getPrincipal(), host, op, perm));
    }

    public static io.tributary.api.v1.AclBindingFilter toProto(AclBindingFilter f) {
        var b = io.tributary.api.v1.AclBindingFilter.newBuilder()
                .setResourceType(f.type().map(AclProtos::toProto).orElse(AclResourceType.ACL_RESOURCE_TYPE_ANY))
                .setResourceName(f.name().orElse(""))
                .setPatternType(f.matchingResource() ? AclPatternType.ACL_PATTERN_TYPE_MATCH
                        : f.patternType().map(t -> t == PatternType.LITERAL ? AclPatternType.ACL_PATTERN_TYPE_LITERAL
                        : AclPatternType.ACL_PATTERN_TYPE_PREFIXED).orElse(AclPatternType.ACL_PATTERN_TYPE_ANY))
                .setPrincipal(f.principal().orElse(""))
                .setHost(f.host().orElse(""))
                .setOperation(f.operation().map(AclProtos::toProto).orElse(AclOperation.ACL_OPERATION_ANY))
                .setPermissionType(f.permission().map(x -> x == io.tributary.api.acl.AclPermissionType.ALLOW
                        ? AclPermissionType.ACL_PERMISSION_TYPE_ALLOW : AclPermissionType.ACL_PERMISSION_TYPE_DENY)
                        .orElse(AclPermissionType.ACL_PERMISSION_TYPE_ANY));
        return b.build();
    }

    /** Unset (0) and ANY both mean "any value" in a filter. */
    public static AclBindingFilter fromProto(io.tributary.api.v1.AclBindingFilter p) {
        Optional<ResourceType> type = anyOr(p.getResourceTypeValue(), () -> resourceType(p.getResourceType())
                .orElseThrow(() -> invalid("resource_type", p.getResourceType())));
        boolean match = p.getPatternType() == AclPatternType.ACL_PATTERN_TYPE_MATCH;
        Optional<PatternType> pattern = match ? Optional.empty() : anyOr(p.getPatternTypeValue(),
                () -> patternType(p.getPatternType()).orElseThrow(() -> invalid("pattern_type", p.getPatternType())));
        Optional<io.tributary.api.acl.AclOperation> op = anyOr(p.getOperationValue(),
                () -> operation(p.getOperation()).orElseThrow(() -> invalid("operation", p.getOperation())));
        Optional<io.tributary.api.acl.AclPermissionType> perm = anyOr(p.getPermissionTypeValue(),
                () -> permission(p.getPermissionType()).orElseThrow(() -> invalid("permission_type", p.getPermissionType())));
        return new AclBindingFilter(type, nonEmpty(p.getResourceName()), pattern, match, nonEmpty(p.getPrincipal()),
                nonEmpty(p.getHost()), op, perm);
    }

    public static AclResourceType toProto(ResourceType t) {
        return switch (t) {
            case TOPIC -> AclResourceType.ACL_RESOURCE_TYPE_TOPIC;
            case GROUP -> AclResourceType.ACL_RESOURCE_TYPE_GROUP;
            case CLUSTER -> AclResourceType.ACL_RESOURCE_TYPE_CLUSTER;
            case TRANSACTIONAL_ID -> AclResourceType.ACL_RESOURCE_TYPE_TRANSACTIONAL_ID;
        };
    }

    public static AclOperation toProto(io.tributary.api.acl.AclOperation o) {
        return AclOperation.valueOf("ACL_OPERATION_" + o.name());
    }

    private static Optional<ResourceType> resourceType(AclResourceType t) {
        return switch (t) {
            case ACL_RESOURCE_TYPE_TOPIC -> Optional.of(ResourceType.TOPIC);
            case ACL_RESOURCE_TYPE_GROUP -> Optional.of(ResourceType.GROUP);
            case ACL_RESOURCE_TYPE_CLUSTER -> Optional.of(ResourceType.CLUSTER);
            case ACL_RESOURCE_TYPE_TRANSACTIONAL_ID -> Optional.of(ResourceType.TRANSACTIONAL_ID);
            default -> Optional.empty();
        };
    }

    private static Optional<PatternType> patternType(AclPatternType t) {
        return switch (t) {
            case ACL_PATTERN_TYPE_LITERAL -> Optional.of(PatternType.LITERAL);
            case ACL_PATTERN_TYPE_PREFIXED -> Optional.of(PatternType.PREFIXED);
            default -> Optional.empty();
        };
    }

    private static Optional<io.tributary.api.acl.AclOperation> operation(AclOperation o) {
        if (o == AclOperation.ACL_OPERATION_UNSPECIFIED || o == AclOperation.ACL_OPERATION_ANY || o == AclOperation.UNRECOGNIZED) {
            return Optional.empty();
        }
        return Optional.of(io.tributary.api.acl.AclOperation.valueOf(o.name().substring("ACL_OPERATION_".length())));
    }

    private static Optional<io.tributary.api.acl.AclPermissionType> permission(AclPermissionType t) {
        return switch (t) {
            case ACL_PERMISSION_TYPE_ALLOW -> Optional.of(io.tributary.api.acl.AclPermissionType.ALLOW);
            case ACL_PERMISSION_TYPE_DENY -> Optional.of(io.tributary.api.acl.AclPermissionType.DENY);
            default -> Optional.empty();
        };
    }

    /** Values 0 (unset) and 1 (ANY) mean "any" in a filter. */
    private static <T> Optional<T> anyOr(int value, java.util.function.Supplier<T> parse) {
        return value <= 1 ? Optional.empty() : Optional.of(parse.get());
    }

    private static Optional<String> nonEmpty(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    private static IllegalArgumentException invalid(String field, Enum<?> value) {
        return new IllegalArgumentException("ACL field " + field + " must be set to a concrete value, got " + value);
    }
}
