package io.tributary.broker.group.assignor;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The assignors the coordinator offers, by the names members use. Immutable and thread-safe. */
public final class Assignors {
    private static final List<PartitionAssignor> ALL = List.of(
            new CooperativeStickyAssignor(), new RangeAssignor(), new RoundRobinAssignor());
    private static final Map<String, PartitionAssignor> BY_NAME = ALL.stream()
            .collect(Collectors.toUnmodifiableMap(PartitionAssignor::name, Function.identity()));

    private Assignors() {
    }

    public static Optional<PartitionAssignor> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public static boolean isKnown(String name) {
        return BY_NAME.containsKey(name);
    }

    /** Names of every assignor, for error messages. */
    public static List<String> names() {
        return ALL.stream().map(PartitionAssignor::name).toList();
    }
}
