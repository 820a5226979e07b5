package io.tributary.broker.produce;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import io.tributary.coordination.ProducerIdBlock;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;
import io.tributary.coordination.ProducerIdBlocks;

import java.util.function.Supplier;

/**
 * Hands out producer ids from a block this broker claimed in ZooKeeper (cluster-unique without asking anyone per
 * id), and bumps epochs. An epoch belongs to its producer id alone — only one producer instance uses an id — so a
 * bump needs no shared state: partition leaders fence the older epoch when the new one writes.
 *
 * <p>Thread-safe (synchronized: one claim at a time).
 */
public final class ProducerIdManager {
    static final int BLOCK_SIZE = 1000;

    private final int brokerId;
    private final Supplier<ProducerIdBlocks> blocks;
    private final Authorization authorization;
    private long next = 0;
    private long blockEnd = -1;

    public ProducerIdManager(int brokerId, Supplier<ProducerIdBlocks> blocks, Authorization authorization) {
        this.brokerId = brokerId;
        this.blocks = blocks;
        this.authorization = authorization;
    }

    /**
     * A producer id needs IdempotentWrite on the Cluster or, as since Kafka 3.0 (KIP-679), Write on any topic.
     */
    public InitProducerIdResponse initProducerId(RequestContext ctx, InitProducerIdRequest request) {
        if (!authorization.cluster(ctx, AclOperation.IDEMPOTENT_WRITE)
                && !authorization.authorizer().authorizeAny(ctx, AclOperation.WRITE, ResourceType.TOPIC)) {
            throw Authorization.denied(ctx, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, ResourcePattern.CLUSTER_NAME);
        }
        if (request.hasProducerId() != request.hasProducerEpoch()) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "set both producer_id and producer_epoch to bump an epoch, or neither for a new id");
        }
        if (request.hasProducerId()) {
            if (request.getProducerId() < 0 || request.getProducerEpoch() < 0) {
                throw new TributaryException(ErrorCode.INVALID_REQUEST, "producer_id and producer_epoch must be >= 0");
            }
            if (request.getProducerEpoch() < Short.MAX_VALUE - 1) {
                return InitProducerIdResponse.newBuilder().setProducerId(request.getProducerId())
                        .setProducerEpoch(request.getProducerEpoch() + 1).build();
            }
            // The epoch would overflow: a fresh id starts over at epoch 0.
        }
        return InitProducerIdResponse.newBuilder().setProducerId(nextId()).setProducerEpoch(0).build();
    }

    private synchronized long nextId() {
        if (next > blockEnd) {
            try {
                ProducerIdBlock block = blocks.get().claim(brokerId, BLOCK_SIZE);
                next = block.blockStart();
                blockEnd = block.blockEnd();
            } catch (TributaryException e) {
                throw e;
            } catch (Exception e) {
                throw new TributaryException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "cannot claim producer ids from ZooKeeper: " + e.getMessage(), e);
            }
        }
        return next++;
    }
}
