package io.tributary.client.consumer;

import java.util.Objects;
import java.util.Optional;

/**
 * Who this consumer is in its group right now (for logs and for fencing writes made on the group's behalf): the
 * member id the coordinator gave it ("" before it joined) and the generation of its latest assignment (-1 outside a
 * group). Immutable.
 */
public record ConsumerGroupMetadata(String groupId, int generationId, String memberId, Optional<String> groupInstanceId) {
    public ConsumerGroupMetadata {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(groupInstanceId, "groupInstanceId");
    }
}
