package io.tributary.client.faults;

import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.PartitionMetadata;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/** Shared pieces of the process-level fault tests. */
final class FaultTestSupport {
    static final int PARTITIONS = 6;
    static final Map<String, String> TOPIC_CONFIG = Map.of("min.insync.replicas", "2");
    /** Records per second the background producer offers (2 shared cores run 7 JVMs). */
    static final double RATE = 300;

    private FaultTestSupport() {
    }

    /** On a failure: print each broker's log tail and keep the cluster directory. */
    static TestWatcher logsOnFailure(Supplier<ProcessCluster> cluster) {
        return new TestWatcher() {
            @Override
            public void testFailed(ExtensionContext context, Throwable cause) {
                ProcessCluster c = cluster.get();
                if (c != null) {
                    ProcessCluster.log(context.getDisplayName() + " failed: " + cause);
                    c.printAllLogTails(120);
                    c.keepDir = true;
                }
            }
        };
    }

    /** Partition → leader as one running broker's metadata says. */
    static Map<Integer, PartitionMetadata> partitions(MetadataResponse md, String topic, int partitions) {
        Map<Integer, PartitionMetadata> out = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            Optional<PartitionMetadata> pm = ProcessCluster.partition(md, topic, p);
            pm.ifPresent(x -> out.put(x.getPartition(), x));
        }
        return out;
    }

    static List<Integer> ledBy(MetadataResponse md, String topic, int partitions, int broker) {
        List<Integer> out = new ArrayList<>();
        partitions(md, topic, partitions).forEach((p, pm) -> {
            if (pm.getLeaderId() == broker) {
                out.add(p);
            }
        });
        return out;
    }

    static String describe(MetadataResponse md, String topic, int partitions) {
        StringBuilder sb = new StringBuilder("controller=" + md.getControllerId());
        partitions(md, topic, partitions).forEach((p, pm) -> sb.append(' ').append(p).append(":L").append(pm.getLeaderId())
                .append("/e").append(pm.getLeaderEpoch()).append("/isr").append(pm.getIsrList()));
        return sb.toString();
    }

    static long percentile50(List<Long> xs) {
        List<Long> s = xs.stream().sorted().toList();
        return s.isEmpty() ? -1 : s.get((s.size() - 1) / 2);
    }
}
