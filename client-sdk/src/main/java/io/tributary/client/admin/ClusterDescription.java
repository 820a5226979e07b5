package io.tributary.client.admin;

import io.tributary.client.Node;

import java.util.List;

/** The cluster's id, its controller (-1 when none is elected) and live brokers. Immutable. */
public record ClusterDescription(String clusterId, int controllerId, List<Node> brokers) {
    public ClusterDescription {
        brokers = List.copyOf(brokers);
    }
}
