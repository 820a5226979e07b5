package io.tributary.broker.admin;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.TopicAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Creates topics that clients name before anyone created them, when {@code auto.create.topics.enable} allows it,
 * with the broker's {@code num.partitions} and {@code default.replication.factor} (capped by the live brokers).
 * Thread-safe.
 */
public final class TopicAutoCreator {
    private static final Logger log = LoggerFactory.getLogger(TopicAutoCreator.class);

    private final BrokerConfig config;
    private final Supplier<TopicAdmin> topicAdmin;
    private final Supplier<ClusterMetadata> metadata;

    public TopicAutoCreator(BrokerConfig config, Supplier<TopicAdmin> topicAdmin, Supplier<ClusterMetadata> metadata) {
        this.config = config;
        this.topicAdmin = topicAdmin;
        this.metadata = metadata;
    }

    /** @return true when the topic now exists or is being created; false when auto-creation is off */
    public boolean maybeCreate(String topic) {
        if (!config.autoCreateTopicsEnable() || topic.startsWith("__")) {
            return false;
        }
        int live = Math.max(1, metadata.get().liveBrokerIds().size());
        int rf = Math.min(config.defaultReplicationFactor(), live);
        try {
            topicAdmin.get().createTopic(new TopicAdmin.NewTopic(topic, config.numPartitions(), rf));
            log.info("auto-created topic {} ({} partitions, replication factor {})", topic, config.numPartitions(), rf);
        } catch (TributaryException e) {
            if (e.error() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                throw e;
            }
        } catch (Exception e) {
            throw new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "auto-creating topic '" + topic + "' failed: " + e.getMessage(), e);
        }
        return true;
    }
}
