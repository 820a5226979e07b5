package io.tributary.client.admin;

import io.tributary.api.TributaryException;
import io.tributary.client.Node;

import java.util.List;

/**
 * A consumer group as its coordinator describes it. {@code error} is set when the group could not be described;
 * GROUP_ID_NOT_FOUND (neither members nor committed offsets) comes with state "Dead", as Kafka reports an unknown
 * group. Immutable.
 */
public record ConsumerGroupDescription(String groupId, String state, String partitionAssignor, int generationId, Node coordinator,
                                       List<MemberDescription> members, TributaryException error) {
    public ConsumerGroupDescription {
        members = List.copyOf(members);
    }

    public boolean exists() {
        return error == null;
    }
}
