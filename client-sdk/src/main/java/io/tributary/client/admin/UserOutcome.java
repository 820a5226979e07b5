package io.tributary.client.admin;

import io.tributary.api.TributaryException;

/** The result of an operation on one user: success (error null) or the reason. Immutable. */
public record UserOutcome(String user, TributaryException error) {
    public boolean succeeded() {
        return error == null;
    }

    /** @throws TributaryException the user's error, if any */
    public void throwIfFailed() {
        if (error != null) {
            throw error;
        }
    }
}
