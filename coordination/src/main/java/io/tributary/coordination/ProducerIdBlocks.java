package io.tributary.coordination;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.util.Optional;

/**
 * Hands out blocks of producer ids that are unique across the cluster: each claim reads the last block and writes
 * the next one with a compare-and-set on the znode version, so two brokers can never get overlapping blocks.
 * Thread-safe (ZooKeeper serialises the writes; callers serialise their own use of a block).
 */
public final class ProducerIdBlocks {
    private static final int MAX_ATTEMPTS = 16;

    private final CuratorFramework client;
    private final ZkLayout layout;

    public ProducerIdBlocks(CuratorFramework client, ZkLayout layout) {
        this.client = client;
        this.layout = layout;
    }

    /** Claims the next {@code blockSize} ids for {@code brokerId}. */
    public ProducerIdBlock claim(int brokerId, int blockSize) throws Exception {
        String path = layout.producerIdBlockPath();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Stat stat = new Stat();
            Optional<byte[]> current = ZkSupport.readData(client, path, stat);
            long start = current.map(ProducerIdBlock.CODEC::decode).map(b -> b.blockEnd() + 1).orElse(0L);
            if (start > Long.MAX_VALUE - blockSize) {
                throw new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "producer ids are exhausted");
            }
            ProducerIdBlock next = new ProducerIdBlock(brokerId, start, start + blockSize - 1);
            try {
                if (current.isEmpty()) {
                    client.create().creatingParentsIfNeeded().forPath(path, ProducerIdBlock.CODEC.encode(next));
                } else {
                    client.setData().withVersion(stat.getVersion()).forPath(path, ProducerIdBlock.CODEC.encode(next));
                }
                return next;
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException raced) {
                // Another broker claimed a block in between: read again and take the one after it.
            }
        }
        throw new TributaryException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "could not claim a producer id block after "
                + MAX_ATTEMPTS + " attempts (heavy contention); retry");
    }
}
