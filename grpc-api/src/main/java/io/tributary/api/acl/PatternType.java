package io.tributary.api.acl;

import java.util.Optional;

/** How an ACL's resource name matches resources, as Kafka's KIP-290 defines it. Immutable. */
public enum PatternType {
    /** The name exactly; the name {@code *} matches every resource of the type. */
    LITERAL("Literal"),
    /** Every resource whose name starts with the name. */
    PREFIXED("Prefixed");

    private final String kafkaName;

    PatternType(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    public static Optional<PatternType> parse(String name) {
        for (PatternType t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return kafkaName;
    }
}
