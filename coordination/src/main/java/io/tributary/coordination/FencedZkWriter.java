package io.tributary.coordination;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

/**
 * Runs controller writes as one ZooKeeper multi-op whose first op checks the version of
 * {@code /controller_epoch} against the writer's {@link ControllerEpochFence}. A deposed controller (one
 * whose epoch another broker has bumped) therefore cannot change anything: its multi fails as a whole and
 * this class reports it as {@link ControllerFencedException}. Any other failed op surfaces as the
 * {@link KeeperException} of that op (for example {@code BadVersion} of a partition state CAS).
 *
 * <p>Stateless and thread-safe.
 */
public final class FencedZkWriter {
    private final CuratorFramework client;
    private final ZkLayout layout;

    public FencedZkWriter(CuratorFramework client, ZkLayout layout) {
        this.client = Objects.requireNonNull(client, "client");
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /**
     * Commits {@code ops} atomically, guarded by {@code fence}.
     *
     * @throws ControllerFencedException when the controller epoch has moved past {@code fence}
     * @throws KeeperException           when one of {@code ops} fails (nothing was written)
     */
    public List<CuratorTransactionResult> write(ControllerEpochFence fence, List<CuratorOp> ops) throws Exception {
        List<CuratorOp> guarded = new ArrayList<>(ops.size() + 1);
        guarded.add(client.transactionOp().check().withVersion(fence.epochZkVersion())
                .forPath(layout.controllerEpochPath()));
        guarded.addAll(ops);
        try {
            return client.transaction().forOperations(guarded);
        } catch (KeeperException e) {
            if (fenceFailed(e, fence)) {
                throw new ControllerFencedException("controller " + fence.brokerId() + " with epoch "
                        + fence.epoch() + " was deposed: " + layout.controllerEpochPath()
                        + " no longer has znode version " + fence.epochZkVersion());
            }
            throw e;
        }
    }

    /** Convenience for a single op. */
    public void write(ControllerEpochFence fence, CuratorOp op) throws Exception {
        write(fence, List.of(op));
    }

    private boolean fenceFailed(KeeperException e, ControllerEpochFence fence) throws Exception {
        List<OpResult> results = e.getResults();
        if (results != null && !results.isEmpty() && results.get(0) instanceof OpResult.ErrorResult first) {
            int code = first.getErr();
            if (code == KeeperException.Code.BADVERSION.intValue() || code == KeeperException.Code.NONODE.intValue()) {
                return true;
            }
            if (code == KeeperException.Code.OK.intValue()) {
                return false;
            }
        }
        // No per-op results (the multi failed before reaching the server): ask the epoch znode directly.
        Stat stat = client.checkExists().forPath(layout.controllerEpochPath());
        return stat == null || stat.getVersion() != fence.epochZkVersion();
    }
}
