package io.tributary.client.admin;

import io.tributary.api.TributaryException;

/** The result of an operation on one group: success (error null) or the reason. Immutable. */
public record GroupOutcome(String groupId, TributaryException error) {
    public boolean succeeded() {
        return error == null;
    }

    /** @throws TributaryException the group's error, if any */
    public void throwIfFailed() {
        if (error != null) {
            throw error;
        }
    }
}
