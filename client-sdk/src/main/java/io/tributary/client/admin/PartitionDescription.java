package io.tributary.client.admin;

import java.util.List;

/** One partition's layout and log offsets (offsets -1 where the leader could not be asked). Immutable. */
public record PartitionDescription(int partition, int leaderId, int leaderEpoch, List<Integer> replicas, List<Integer> isr,
                                   List<Integer> offlineReplicas, long logStartOffset, long logEndOffset, long highWatermark) {
    public PartitionDescription {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        offlineReplicas = List.copyOf(offlineReplicas);
    }

    public boolean underReplicated() {
        return isr.size() < replicas.size();
    }
}
