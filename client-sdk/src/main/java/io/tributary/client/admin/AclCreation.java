package io.tributary.client.admin;

import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclBinding;

/** The result of creating one ACL: success (error null; also when it already existed) or the reason. Immutable. */
public record AclCreation(AclBinding binding, TributaryException error) {
    public boolean succeeded() {
        return error == null;
    }

    /** @throws TributaryException the binding's error, if any */
    public void throwIfFailed() {
        if (error != null) {
            throw error;
        }
    }
}
