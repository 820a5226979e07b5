package io.tributary.client.admin;

import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;

import java.util.List;

/** What one filter deleted ({@code deleted}, possibly nothing), or why it could not (error set). Immutable. */
public record AclDeletion(AclBindingFilter filter, List<AclBinding> deleted, TributaryException error) {
    public AclDeletion {
        deleted = List.copyOf(deleted);
    }

    public boolean succeeded() {
        return error == null;
    }

    /** @throws TributaryException the filter's error, if any */
    public void throwIfFailed() {
        if (error != null) {
            throw error;
        }
    }
}
