package io.tributary.broker.security;

import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourceType;

/**
 * Decides whether a caller may perform an operation on a resource: Kafka's authorizer contract. Implementations are
 * thread-safe and fast (called per partition of every produce and fetch).
 */
public interface Authorizer {
    /** No authorizer configured ({@code authorizer.class.name} empty): everything is allowed, as in Kafka. */
    Authorizer ALLOW_ALL = new Authorizer() {
        @Override
        public boolean authorize(RequestContext ctx, AclOperation operation, ResourceType type, String name) {
            return true;
        }

        @Override
        public boolean authorizeAny(RequestContext ctx, AclOperation operation, ResourceType type) {
            return true;
        }

        @Override
        public boolean enabled() {
            return false;
        }
    };

    boolean authorize(RequestContext ctx, AclOperation operation, ResourceType type, String name);

    /**
     * Whether the caller may perform the operation on at least one resource of the type (Kafka's
     * {@code authorizeByResourceType}): used where one right anywhere suffices, such as IdempotentWrite implied by
     * Write on any topic.
     */
    boolean authorizeAny(RequestContext ctx, AclOperation operation, ResourceType type);

    /** Whether an authorizer is configured at all (ACL administration answers SECURITY_DISABLED without one). */
    boolean enabled();
}
