package io.tributary.api.acl;

import java.util.Objects;

/**
 * Who may (or may not) do what from where. Immutable.
 *
 * @param principal  {@code User:alice}, or {@link #WILDCARD_PRINCIPAL} for everyone
 * @param host       a client IP address, or {@link #WILDCARD_HOST}
 * @param operation  the operation
 * @param permission ALLOW or DENY
 */
public record AccessControlEntry(String principal, String host, AclOperation operation, AclPermissionType permission) {
    public static final String WILDCARD_PRINCIPAL = "User:*";
    public static final String WILDCARD_HOST = "*";

    public AccessControlEntry {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
        int colon = principal.indexOf(':');
        if (colon <= 0 || colon == principal.length() - 1) {
            throw new IllegalArgumentException("a principal is written Type:name, e.g. User:alice; got '" + principal + "'");
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("an ACL's host must be an IP address or '*'");
        }
    }

    /** Whether this entry is about {@code principal} calling from {@code host}. */
    public boolean appliesTo(String callerPrincipal, String callerHost) {
        return (principal.equals(WILDCARD_PRINCIPAL) || principal.equals(callerPrincipal))
                && (host.equals(WILDCARD_HOST) || host.equals(callerHost));
    }

    @Override
    public String toString() {
        return "(principal=" + principal + ", host=" + host + ", operation=" + operation + ", permissionType=" + permission + ")";
    }
}
