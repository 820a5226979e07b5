package io.tributary.client.admin;

import io.tributary.api.TopicPartition;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One member of a consumer group: its ids, where it connects from, what it subscribes to, what it acknowledged owning
 * ({@code assignment}) and what the current assignment gives it ({@code targetAssignment}; differs while the group
 * reconciles). Immutable.
 */
public record MemberDescription(String memberId, Optional<String> groupInstanceId, String clientId, String host,
                                List<String> topics, Set<TopicPartition> assignment, Set<TopicPartition> targetAssignment) {
    public MemberDescription {
        topics = List.copyOf(topics);
        assignment = Set.copyOf(assignment);
        targetAssignment = Set.copyOf(targetAssignment);
    }

    /** Kafka's name for the member id. */
    public String consumerId() {
        return memberId;
    }
}
