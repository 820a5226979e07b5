package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Reads and compare-and-set writes of partition state znodes. Two kinds of writers share them: the controller
 * (leader elections, offline transitions, ISR shrinks for dead brokers: always fenced by its controller epoch,
 * see {@link FencedZkWriter}) and a partition's leader (ISR shrink and expand, unfenced because a leader is not
 * the controller, but always a CAS on the znode version it last saw). Whoever loses a race gets a
 * {@link CasResult.VersionConflict} with the fresh state and decides again.
 *
 * <p>ISR changes travel by these znodes directly: the controller and every broker's {@link MetadataCache}
 * watch the state znodes, so {@code /isr_change_notification} is not used.
 *
 * <p>Stateless and thread-safe.
 */
public final class PartitionStateStore {
    private final CuratorFramework client;
    private final ZkLayout layout;

    public PartitionStateStore(CuratorFramework client, ZkLayout layout) {
        this.client = Objects.requireNonNull(client, "client");
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /** The state and its znode version, empty when the partition has no state yet (or does not exist). */
    public Optional<VersionedPartitionState> read(TopicPartition tp) throws Exception {
        Stat stat = new Stat();
        return ZkSupport.readData(client, layout.partitionStatePath(tp), stat)
                .map(data -> new VersionedPartitionState(PartitionState.CODEC.decode(data), stat.getVersion()));
    }

    /**
     * Replaces the state if its znode is still at {@code expectedZkVersion}: what a leader calls to shrink or
     * expand its ISR. The leader must keep {@code leader}, {@code leader_epoch} and {@code controller_epoch}
     * as it read them; a conflict means the controller (or an earlier write of its own) got there first.
     */
    public CasResult compareAndSet(TopicPartition tp, PartitionState newState, int expectedZkVersion) throws Exception {
        try {
            Stat stat = client.setData().withVersion(expectedZkVersion)
                    .forPath(layout.partitionStatePath(tp), PartitionState.CODEC.encode(newState));
            return new CasResult.Written(stat.getVersion());
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException conflict) {
            return new CasResult.VersionConflict(read(tp));
        }
    }

    /** The same CAS as a controller write, fenced by {@code fence}. */
    public CasResult compareAndSetFenced(FencedZkWriter writer, ControllerEpochFence fence, TopicPartition tp,
                                         PartitionState newState, int expectedZkVersion) throws Exception {
        try {
            writer.write(fence, setOp(tp, newState, expectedZkVersion));
            return new CasResult.Written(expectedZkVersion + 1);
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException conflict) {
            return new CasResult.VersionConflict(read(tp));
        }
    }

    /**
     * A controller's create of a first state, fenced; creates the {@code partitions/<p>} parents in the same
     * multi so that a concurrently deleted topic is never half re-created.
     */
    public CasResult createFenced(FencedZkWriter writer, ControllerEpochFence fence, TopicPartition tp,
                                  PartitionState state) throws Exception {
        List<CuratorOp> ops = new ArrayList<>(3);
        if (client.checkExists().forPath(layout.partitionsPath(tp.topic())) == null) {
            ops.add(client.transactionOp().create().forPath(layout.partitionsPath(tp.topic()), new byte[0]));
        }
        if (client.checkExists().forPath(layout.partitionPath(tp)) == null) {
            ops.add(client.transactionOp().create().forPath(layout.partitionPath(tp), new byte[0]));
        }
        ops.add(client.transactionOp().create()
                .forPath(layout.partitionStatePath(tp), PartitionState.CODEC.encode(state)));
        try {
            writer.write(fence, ops);
            return new CasResult.Written(0);
        } catch (KeeperException.NodeExistsException | KeeperException.NoNodeException conflict) {
            return new CasResult.VersionConflict(read(tp));
        }
    }

    CuratorOp setOp(TopicPartition tp, PartitionState state, int expectedZkVersion) throws Exception {
        return client.transactionOp().setData().withVersion(expectedZkVersion)
                .forPath(layout.partitionStatePath(tp), PartitionState.CODEC.encode(state));
    }
}
