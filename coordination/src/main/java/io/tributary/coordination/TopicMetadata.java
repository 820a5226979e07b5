package io.tributary.coordination;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One topic as the metadata cache sees it. Immutable.
 *
 * @param name                the topic
 * @param assignment          its {@code /brokers/topics/<topic>} document
 * @param assignmentZkVersion znode version of the assignment (for CAS updates)
 * @param config              its topic-level config overrides (empty when none)
 * @param pendingDeletion     whether {@code /admin/delete_topics/<topic>} exists
 * @param partitions          partitions by index
 */
public record TopicMetadata(String name, TopicAssignment assignment, int assignmentZkVersion,
                            Map<String, String> config, boolean pendingDeletion,
                            SortedMap<Integer, PartitionMetadata> partitions) {
    public TopicMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(assignment, "assignment");
        config = Map.copyOf(config);
        partitions = Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
    }

    public String topicId() {
        return assignment.topicId();
    }

    /** A boolean topic config override, or {@code defaultValue} when not set. */
    public boolean booleanConfig(String key, boolean defaultValue) {
        String value = config.get(key);
        return value == null ? defaultValue : Boolean.parseBoolean(value.trim());
    }
}
