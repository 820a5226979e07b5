package io.tributary.client.admin;

import io.tributary.api.TributaryException;

/** The result of a create, delete or partition increase for one topic: success (error null) or the reason. Immutable. */
public record TopicOutcome(String name, String topicId, TributaryException error) {
    public boolean succeeded() {
        return error == null;
    }

    /** @throws TributaryException the topic's error, if any */
    public void throwIfFailed() {
        if (error != null) {
            throw error;
        }
    }
}
