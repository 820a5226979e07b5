package io.tributary.coordination;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Replica placement for new partitions, Kafka's algorithm ({@code AdminUtils.assignReplicasToBrokers}):
 * leaders go round-robin over the brokers from a start index, followers are shifted so that partitions led by
 * one broker put their followers on different brokers. When every broker has a rack, brokers are first listed
 * alternating between racks and each partition gets replicas in as many distinct racks as possible.
 *
 * <p>Thread-safe if the {@link Random} is (the default one is).
 */
public final class ReplicaAssigner {
    private final Random random;

    public ReplicaAssigner(Random random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    public ReplicaAssigner() {
        this(new Random());
    }

    /**
     * Assigns {@code partitions} new partitions numbered from {@code firstPartitionId}.
     *
     * @param brokers      live broker id → rack (null rack = none)
     * @param fixedStart   the start index to continue an existing topic's pattern, or -1 for a random one
     * @throws TributaryException {@code INVALID_REPLICATION_FACTOR} / {@code INVALID_PARTITIONS} /
     *                            {@code INVALID_REPLICA_ASSIGNMENT} with a clear message
     */
    public SortedMap<Integer, List<Integer>> assign(Map<Integer, String> brokers, int partitions, int replicationFactor,
                                                    int firstPartitionId, int fixedStart) {
        if (partitions <= 0) {
            throw new TributaryException(ErrorCode.INVALID_PARTITIONS,
                    "number of partitions must be larger than 0, got " + partitions);
        }
        if (replicationFactor <= 0) {
            throw new TributaryException(ErrorCode.INVALID_REPLICATION_FACTOR,
                    "replication factor must be larger than 0, got " + replicationFactor);
        }
        if (replicationFactor > brokers.size()) {
            throw new TributaryException(ErrorCode.INVALID_REPLICATION_FACTOR, "replication factor: "
                    + replicationFactor + " larger than available brokers: " + brokers.size());
        }
        long withRack = brokers.values().stream().filter(Objects::nonNull).count();
        if (withRack == 0) {
            return assignRackUnaware(new ArrayList<>(new TreeMap<>(brokers).keySet()), partitions,
                    replicationFactor, firstPartitionId, fixedStart);
        }
        if (withRack != brokers.size()) {
            throw new TributaryException(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                    "not all brokers have rack information (broker.rack); set it on every broker or on none: "
                            + new TreeMap<>(brokers));
        }
        return assignRackAware(brokers, partitions, replicationFactor, firstPartitionId, fixedStart);
    }

    private SortedMap<Integer, List<Integer>> assignRackUnaware(List<Integer> brokers, int partitions, int rf,
                                                                int firstPartitionId, int fixedStart) {
        int n = brokers.size();
        SortedMap<Integer, List<Integer>> result = new TreeMap<>();
        int startIndex = fixedStart >= 0 ? fixedStart : random.nextInt(n);
        int shift = fixedStart >= 0 ? fixedStart : random.nextInt(n);
        int partitionId = Math.max(0, firstPartitionId);
        for (int i = 0; i < partitions; i++) {
            if (partitionId > 0 && partitionId % n == 0) {
                shift++;
            }
            int first = (partitionId + startIndex) % n;
            List<Integer> replicas = new ArrayList<>(rf);
            replicas.add(brokers.get(first));
            for (int j = 0; j < rf - 1; j++) {
                replicas.add(brokers.get(replicaIndex(first, shift, j, n)));
            }
            result.put(partitionId, List.copyOf(replicas));
            partitionId++;
        }
        return result;
    }

    private SortedMap<Integer, List<Integer>> assignRackAware(Map<Integer, String> brokerRacks, int partitions, int rf,
                                                              int firstPartitionId, int fixedStart) {
        List<Integer> arranged = rackAlternated(brokerRacks);
        int n = arranged.size();
        int numRacks = new HashSet<>(brokerRacks.values()).size();
        SortedMap<Integer, List<Integer>> result = new TreeMap<>();
        int startIndex = fixedStart >= 0 ? fixedStart : random.nextInt(n);
        int shift = fixedStart >= 0 ? fixedStart : random.nextInt(n);
        int partitionId = Math.max(0, firstPartitionId);
        for (int i = 0; i < partitions; i++) {
            if (partitionId > 0 && partitionId % n == 0) {
                shift++;
            }
            int first = (partitionId + startIndex) % n;
            int leader = arranged.get(first);
            List<Integer> replicas = new ArrayList<>(List.of(leader));
            Set<String> racksUsed = new HashSet<>(Set.of(brokerRacks.get(leader)));
            Set<Integer> brokersUsed = new HashSet<>(Set.of(leader));
            int k = 0;
            for (int r = 0; r < rf - 1; r++) {
                while (true) {
                    int broker = arranged.get(replicaIndex(first, shift * numRacks, k, n));
                    String rack = brokerRacks.get(broker);
                    k++;
                    // Prefer a new rack and a new broker; once every rack (broker) has one, allow repeats.
                    if ((!racksUsed.contains(rack) || racksUsed.size() == numRacks)
                            && (!brokersUsed.contains(broker) || brokersUsed.size() == n)) {
                        replicas.add(broker);
                        racksUsed.add(rack);
                        brokersUsed.add(broker);
                        break;
                    }
                }
            }
            result.put(partitionId, List.copyOf(replicas));
            partitionId++;
        }
        return result;
    }

    /** Brokers ordered rack by rack in turn, e.g. racks a:[1,2] b:[3] c:[4] → 1,3,4,2. */
    static List<Integer> rackAlternated(Map<Integer, String> brokerRacks) {
        Map<String, List<Integer>> byRack = new TreeMap<>();
        new TreeMap<>(brokerRacks).forEach((b, rack) -> byRack.computeIfAbsent(rack, r -> new ArrayList<>()).add(b));
        Map<String, java.util.Iterator<Integer>> iterators = new LinkedHashMap<>();
        byRack.forEach((rack, ids) -> iterators.put(rack, ids.iterator()));
        List<Integer> result = new ArrayList<>(brokerRacks.size());
        while (result.size() < brokerRacks.size()) {
            for (java.util.Iterator<Integer> it : iterators.values()) {
                if (it.hasNext()) {
                    result.add(it.next());
                }
            }
        }
        return result;
    }

    private static int replicaIndex(int firstReplicaIndex, int secondReplicaShift, int replicaIndex, int n) {
        int shift = 1 + (secondReplicaShift + replicaIndex) % (n - 1);
        return (firstReplicaIndex + shift) % n;
    }
}
