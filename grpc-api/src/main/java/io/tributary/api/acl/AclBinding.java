package io.tributary.api.acl;

import java.util.Objects;

/** One ACL: an entry bound to a resource pattern. Immutable. */
public record AclBinding(ResourcePattern pattern, AccessControlEntry entry) {
    public AclBinding {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(entry, "entry");
    }

    @Override
    public String toString() {
        return pattern + " " + entry;
    }
}
