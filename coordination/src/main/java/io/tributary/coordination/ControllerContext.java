package io.tributary.coordination;

import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;

/** What every controller duty writes with; {@code brokerId} names this controller in logs. */
record ControllerContext(int brokerId, CuratorFramework client, ZkLayout layout, FencedZkWriter writer,
                         PartitionStateStore states, CoordinationStats stats) {
    ControllerContext {
        Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(states, "states");
    }
}
