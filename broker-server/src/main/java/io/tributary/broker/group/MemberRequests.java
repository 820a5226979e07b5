package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.JoinGroup;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.broker.group.assignor.Assignors;
import io.tributary.coordination.TopicNames;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The checks a member's requests pass before they touch group state, with the bounds they enforce. Stateless: what
 * depends on the other members (a shared assignor, who owns what) is checked by {@link ConsumerGroup}.
 */
final class MemberRequests {
    /** Kafka's max.poll.interval.ms default, used when a member sends no rebalance timeout. */
    static final int DEFAULT_REBALANCE_TIMEOUT_MS = 300_000;
    static final int MAX_TOPICS_PER_MEMBER = 10_000;
    static final int MAX_ASSIGNORS_PER_MEMBER = 16;
    static final int MAX_ID_LENGTH = 255;
    static final int MAX_CLIENT_ID_LENGTH = 1024;

    private MemberRequests() {
    }

    /** What a JoinGroup asks for, validated; {@code instanceId} is null for a dynamic member. */
    record JoinSpec(String instanceId, String clientId, SortedSet<String> topics, List<String> assignors,
                    int sessionTimeoutMs, int rebalanceTimeoutMs, int generation, SortedSet<TopicPartition> owned) {
    }

    /**
     * @throws TributaryException INVALID_SESSION_TIMEOUT, INVALID_REQUEST, INVALID_TOPIC_EXCEPTION, or
     *     INCONSISTENT_GROUP_PROTOCOL when the member accepts none of this coordinator's assignors
     */
    static JoinSpec validateJoin(JoinGroup j, GroupConfig c) {
        if (j.getSessionTimeoutMs() < c.minSessionTimeoutMs() || j.getSessionTimeoutMs() > c.maxSessionTimeoutMs()) {
            throw new TributaryException(ErrorCode.INVALID_SESSION_TIMEOUT, "session_timeout_ms " + j.getSessionTimeoutMs()
                    + " is outside [" + c.minSessionTimeoutMs() + ", " + c.maxSessionTimeoutMs()
                    + "] (group.min.session.timeout.ms, group.max.session.timeout.ms)");
        }
        if (j.getRebalanceTimeoutMs() < 0) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "rebalance_timeout_ms must be >= 0 (0: the default "
                    + DEFAULT_REBALANCE_TIMEOUT_MS + "), got " + j.getRebalanceTimeoutMs());
        }
        if (j.getGroupInstanceId().length() > MAX_ID_LENGTH || j.getMemberId().length() > MAX_ID_LENGTH) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "member_id and group_instance_id may have at most "
                    + MAX_ID_LENGTH + " characters");
        }
        if (j.getClientId().length() > MAX_CLIENT_ID_LENGTH) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "client_id may have at most " + MAX_CLIENT_ID_LENGTH
                    + " characters");
        }
        SortedSet<String> topics = validateTopics(j.getTopicsList());
        if (j.getAssignorsCount() > MAX_ASSIGNORS_PER_MEMBER) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "a member may list at most " + MAX_ASSIGNORS_PER_MEMBER
                    + " assignors");
        }
        List<String> assignors = new ArrayList<>(new LinkedHashSet<>(j.getAssignorsList()));
        assignors.removeIf(a -> !Assignors.isKnown(a));
        if (assignors.isEmpty()) {
            throw new TributaryException(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "the member accepts none of the assignors "
                    + "this coordinator offers " + Assignors.names() + " (it sent " + j.getAssignorsList() + ")");
        }
        return new JoinSpec(j.getGroupInstanceId().isEmpty() ? null : j.getGroupInstanceId(), j.getClientId(), topics,
                List.copyOf(assignors), j.getSessionTimeoutMs(),
                j.getRebalanceTimeoutMs() == 0 ? DEFAULT_REBALANCE_TIMEOUT_MS : j.getRebalanceTimeoutMs(),
                j.getGenerationId(), PartitionSets.fromProto(j.getOwnedList()));
    }

    static SortedSet<String> validateTopics(List<String> topics) {
        if (topics.size() > MAX_TOPICS_PER_MEMBER) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "a member may subscribe to at most "
                    + MAX_TOPICS_PER_MEMBER + " topics, got " + topics.size());
        }
        for (String t : topics) {
            TopicNames.validate(t);
        }
        return new TreeSet<>(topics);
    }

    /**
     * One partition of an offset commit; a refusal is that partition's result, not the call's.
     *
     * @param committer null for a commit from outside the group
     * @param allowed   what {@code committer} may commit (ignored without one)
     * @return null when the offset may be stored
     */
    static TributaryException validateCommit(OffsetCommit oc, GroupMember committer, SortedSet<TopicPartition> allowed,
                                             GroupConfig config) {
        try {
            TopicNames.validate(oc.getTopic());
        } catch (TributaryException e) {
            return e;
        }
        String tp = oc.getTopic() + "-" + oc.getPartition();
        if (oc.getPartition() < 0) {
            return new TributaryException(ErrorCode.INVALID_REQUEST, "partition " + oc.getPartition() + " of '"
                    + oc.getTopic() + "' is negative");
        }
        if (oc.getOffset() < 0) {
            return new TributaryException(ErrorCode.INVALID_REQUEST, "offset " + oc.getOffset() + " of " + tp
                    + " is negative; commit the next offset to consume");
        }
        int metadataBytes = oc.getMetadata().getBytes(StandardCharsets.UTF_8).length;
        if (metadataBytes > config.offsetMetadataMaxBytes()) {
            return new TributaryException(ErrorCode.INVALID_REQUEST, "metadata of " + tp + " is " + metadataBytes
                    + " bytes; offset.metadata.max.bytes allows " + config.offsetMetadataMaxBytes());
        }
        if (committer != null && !allowed.contains(new TopicPartition(oc.getTopic(), oc.getPartition()))) {
            return new TributaryException(ErrorCode.ILLEGAL_GENERATION, "member " + committer.memberId + " does not own "
                    + tp + " (neither acknowledged nor in its latest Assignment): another member has it; do not commit it");
        }
        return null;
    }

    static TributaryException fenced(String instanceId, String currentMemberId) {
        return new TributaryException(ErrorCode.FENCED_INSTANCE_ID, "group.instance.id '" + instanceId
                + "' belongs to member " + currentMemberId + " now; this process was replaced and must stop");
    }
}
