package io.tributary.api.acl;

import java.util.Optional;

/** Whether an ACL allows or denies; a matching DENY always wins over any ALLOW. Immutable. */
public enum AclPermissionType {
    ALLOW("Allow"),
    DENY("Deny");

    private final String kafkaName;

    AclPermissionType(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    public String kafkaName() {
        return kafkaName;
    }

    public static Optional<AclPermissionType> parse(String name) {
        for (AclPermissionType t : values()) {
            if (t.kafkaName.equalsIgnoreCase(name)) {
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
