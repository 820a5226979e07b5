package io.tributary.coordination;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics under {@code /admin/delete_topics}: deletes the topic's assignment, partition states, config and the
 * request itself in one fenced multi-op, so a topic is either wholly there or wholly gone. Brokers delete their
 * logs when the topic leaves the metadata they watch.
 */
final class TopicDeletionDuty implements ControllerDuty {
    private static final Logger log = LoggerFactory.getLogger(TopicDeletionDuty.class);

    private final ControllerContext zk;

    TopicDeletionDuty(ControllerContext zk) {
        this.zk = zk;
    }

    @Override
    public boolean reconcile(ControllerPass pass) throws Exception {
        boolean complete = true;
        for (String topic : pass.metadata().deletionRequests()) {
            List<CuratorOp> ops = new ArrayList<>();
            String partitionsPath = zk.layout().partitionsPath(topic);
            for (String p : ZkSupport.children(zk.client(), partitionsPath)) {
                String partitionPath = partitionsPath + "/" + p;
                for (String child : ZkSupport.children(zk.client(), partitionPath)) {
                    ops.add(zk.client().transactionOp().delete().forPath(partitionPath + "/" + child));
                }
                ops.add(zk.client().transactionOp().delete().forPath(partitionPath));
            }
            addDeleteIfExists(ops, partitionsPath);
            addDeleteIfExists(ops, zk.layout().topicPath(topic));
            addDeleteIfExists(ops, zk.layout().topicConfigPath(topic));
            ops.add(zk.client().transactionOp().delete().forPath(zk.layout().deleteTopicPath(topic)));
            try {
                zk.writer().write(pass.fence(), ops);
                log.info("controller {}: deleted topic {}", zk.brokerId(), topic);
            } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException raced) {
                // Someone created or removed a child between listing and deleting: list again next pass.
                complete = false;
            }
        }
        return complete;
    }

    private void addDeleteIfExists(List<CuratorOp> ops, String path) throws Exception {
        if (zk.client().checkExists().forPath(path) != null) {
            ops.add(zk.client().transactionOp().delete().forPath(path));
        }
    }
}
