package io.tributary.api.acl;

import java.util.Optional;

/**
 * What an ACL protects, with Kafka's names ({@code Topic}, {@code Group}, {@code Cluster}, {@code TransactionalId}),
 * which are also the path segments under {@code /kafka-acl}. Immutable.
 */
public enum ResourceType {
    TOPIC("Topic"),
    GROUP("Group"),
    /** One resource, named {@link ResourcePattern#CLUSTER_NAME}. */
    CLUSTER("Cluster"),
    TRANSACTIONAL_ID("TransactionalId");

    private final String kafkaName;

    ResourceType(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    /** The name Kafka's tools, its ZooKeeper layout and this project's JSON use: {@code TransactionalId}. */
    public String kafkaName() {
        return kafkaName;
    }

    /** By Kafka name or enum name, case-insensitively ({@code topic}, {@code Topic}, {@code TRANSACTIONAL_ID}). */
    public static Optional<ResourceType> parse(String name) {
        for (ResourceType t : values()) {
            if (t.kafkaName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return kafkaName;
    }
}
