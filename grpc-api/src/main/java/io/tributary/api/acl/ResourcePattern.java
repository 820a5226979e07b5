package io.tributary.api.acl;

import java.util.Objects;

/**
 * The resources one ACL applies to: a type, a name and how the name matches. Immutable.
 *
 * @param type        what kind of resource
 * @param name        the name, a prefix, or {@link #WILDCARD}; {@link #CLUSTER_NAME} for the cluster
 * @param patternType how {@code name} matches
 */
public record ResourcePattern(ResourceType type, String name, PatternType patternType) {
    /** As a LITERAL name: every resource of the type. */
    public static final String WILDCARD = "*";
    /** The name of the one Cluster resource, as in Kafka. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    public ResourcePattern {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(patternType, "patternType");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("an ACL's resource name must not be empty");
        }
        if (type == ResourceType.CLUSTER && !(name.equals(CLUSTER_NAME) && patternType == PatternType.LITERAL)) {
            throw new IllegalArgumentException("the Cluster resource is the LITERAL name '" + CLUSTER_NAME + "', got "
                    + patternType + " '" + name + "'");
        }
    }

    public static ResourcePattern literal(ResourceType type, String name) {
        return new ResourcePattern(type, name, PatternType.LITERAL);
    }

    public static ResourcePattern prefixed(ResourceType type, String prefix) {
        return new ResourcePattern(type, prefix, PatternType.PREFIXED);
    }

    public static ResourcePattern cluster() {
        return literal(ResourceType.CLUSTER, CLUSTER_NAME);
    }

    /** Whether this pattern covers the resource {@code resourceName} of type {@code resourceType}. */
    public boolean matches(ResourceType resourceType, String resourceName) {
        if (resourceType != type) {
            return false;
        }
        return switch (patternType) {
            case LITERAL -> name.equals(WILDCARD) || name.equals(resourceName);
            case PREFIXED -> resourceName.startsWith(name);
        };
    }

    @Override
    public String toString() {
        return "ResourcePattern(resourceType=" + type + ", name=" + name + ", patternType=" + patternType.name() + ")";
    }
}
