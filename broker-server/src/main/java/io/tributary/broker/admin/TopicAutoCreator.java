package io.tributary.broker.admin;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.util.DaemonThreads;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.TopicAdmin;
import io.tributary.coordination.TopicNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Creates topics that clients name before anyone created them, when {@code auto.create.topics.enable} allows it,
 * with the broker's {@code num.partitions} and {@code default.replication.factor} (capped by the live brokers);
 * and internal topics the broker itself needs ({@code __consumer_offsets}), whatever that setting says.
 *
 * <p>The ZooKeeper write runs on this class's own thread, never on the caller's: produce requests are handled on
 * the gRPC transport threads, which must not wait on ZooKeeper. Callers answer "being created, retry" at once, which
 * is what a client sees anyway until the controller has elected the new partitions' leaders. Thread-safe.
 */
public final class TopicAutoCreator implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(TopicAutoCreator.class);

    private final BrokerConfig config;
    private final Supplier<TopicAdmin> topicAdmin;
    private final Supplier<ClusterMetadata> metadata;
    private final ExecutorService creator = Executors.newSingleThreadExecutor(DaemonThreads.named("topic-auto-create"));
    /** Creations queued or running, so a burst of requests for one new topic writes once. */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();

    public TopicAutoCreator(BrokerConfig config, Supplier<TopicAdmin> topicAdmin, Supplier<ClusterMetadata> metadata) {
        this.config = config;
        this.topicAdmin = topicAdmin;
        this.metadata = metadata;
    }

    /**
     * Starts creating {@code topic} in the background if auto-creation is on.
     *
     * @return true when the topic is being created (or already exists); false when auto-creation is off or the name
     *     is internal
     * @throws TributaryException INVALID_TOPIC_EXCEPTION for a name that could never be created
     */
    public boolean maybeCreate(String topic) {
        if (!config.autoCreateTopicsEnable() || topic.startsWith("__")) {
            return false;
        }
        TopicNames.validate(topic);
        return submit(topic, config.numPartitions(), config.defaultReplicationFactor(), Map.of());
    }

    /**
     * Starts creating an internal topic (such as {@code __consumer_offsets}) in the background, whatever
     * {@code auto.create.topics.enable} says: the broker itself needs it.
     *
     * @param replicationFactor the wanted replication factor, capped by the live brokers when the topic is created
     * @return true when the topic is being created; false when the broker is shutting down
     */
    public boolean createInternal(String topic, int partitions, int replicationFactor, Map<String, String> configs) {
        return submit(topic, partitions, replicationFactor, configs);
    }

    private boolean submit(String topic, int partitions, int replicationFactor, Map<String, String> configs) {
        if (pending.add(topic)) {
            try {
                creator.execute(() -> create(topic, partitions, replicationFactor, configs));
            } catch (RejectedExecutionException shuttingDown) {
                pending.remove(topic);
                return false;
            }
        }
        return true;
    }

    private void create(String topic, int partitions, int replicationFactor, Map<String, String> configs) {
        try {
            if (metadata.get().topic(topic).isPresent()) {
                return;
            }
            int live = Math.max(1, metadata.get().liveBrokerIds().size());
            int rf = Math.min(replicationFactor, live);
            topicAdmin.get().createTopic(new TopicAdmin.NewTopic(topic, partitions, rf).withConfigs(configs));
            log.info("auto-created topic {} ({} partitions, replication factor {})", topic, partitions, rf);
        } catch (TributaryException e) {
            if (e.error() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                log.warn("auto-creating topic {} failed: {}", topic, e.getMessage());
            }
        } catch (Exception e) {
            log.warn("auto-creating topic {} failed: {}", topic, e.toString());
        } finally {
            pending.remove(topic);
        }
    }

    @Override
    public void close() {
        creator.shutdownNow();
    }
}
