package io.tributary.client.admin;

/**
 * One group as ListGroups names it: its id, its state (Empty, Assigning, Reconciling, Stable, Dead) and the broker
 * coordinating it. Immutable.
 */
public record ConsumerGroupListing(String groupId, String state, int coordinatorId) {
}
