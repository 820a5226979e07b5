package io.tributary.api.acl;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The operations an ACL may allow or deny, with Kafka's names and its implication rules: {@link #ALL} covers every
 * operation, and an ALLOW of Read, Write, Delete or Alter implies Describe, as an ALLOW of AlterConfigs implies
 * DescribeConfigs. Implication applies to ALLOW only: a DENY of Read does not deny Describe. Immutable.
 */
public enum AclOperation {
    ALL("All"),
    READ("Read"),
    WRITE("Write"),
    CREATE("Create"),
    DELETE("Delete"),
    ALTER("Alter"),
    DESCRIBE("Describe"),
    CLUSTER_ACTION("ClusterAction"),
    DESCRIBE_CONFIGS("DescribeConfigs"),
    ALTER_CONFIGS("AlterConfigs"),
    IDEMPOTENT_WRITE("IdempotentWrite");

    private final String kafkaName;

    AclOperation(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    /**
     * The operations whose ALLOW also allows this one, itself and {@link #ALL} included: asking for Describe is
     * answered by an ACL allowing Describe, Read, Write, Delete, Alter or All.
     */
    public Set<AclOperation> allowedBy() {
        EnumSet<AclOperation> out = EnumSet.of(this, ALL);
        if (this == DESCRIBE) {
            out.addAll(EnumSet.of(READ, WRITE, DELETE, ALTER));
        } else if (this == DESCRIBE_CONFIGS) {
            out.add(ALTER_CONFIGS);
        }
        return out;
    }

    /** By Kafka name or enum name, case-insensitively ({@code Read}, {@code clusteraction}, {@code CLUSTER_ACTION}). */
    public static Optional<AclOperation> parse(String name) {
        String n = name.replace("-", "").replace("_", "");
        for (AclOperation o : values()) {
            if (o.kafkaName.equalsIgnoreCase(n)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return kafkaName;
    }
}
