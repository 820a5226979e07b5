package io.tributary.broker.group;

import io.tributary.api.TopicPartition;

import java.util.Map;

/**
 * One group as its coordinator sees it at an instant: for consumer-lag metrics and anything else that reports on
 * groups without going through a request.
 *
 * @param state     the state's label, as ListGroups reports it (Empty, Assigning, Reconciling, Stable, Dead)
 * @param members   how many members it has
 * @param committed committed offset per partition (unmodifiable)
 */
public record GroupSnapshot(String groupId, String state, int members, Map<TopicPartition, Long> committed) {
}
