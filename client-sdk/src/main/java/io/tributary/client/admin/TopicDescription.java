package io.tributary.client.admin;

import io.tributary.api.TributaryException;

import java.util.List;

/** A topic's partitions as the cluster describes them; {@code error} set when the topic could not be described. Immutable. */
public record TopicDescription(String name, String topicId, boolean internal, List<PartitionDescription> partitions,
                               TributaryException error) {
    public TopicDescription {
        partitions = List.copyOf(partitions);
    }
}
