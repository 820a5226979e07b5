package io.tributary.broker.admin;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.TopicAdmin;
import io.tributary.coordination.TopicNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Creates topics that clients name before anyone created them, when {@code auto.create.topics.enable} allows it,
 * with the broker's {@code num.partitions} and {@code default.replication.factor} (capped by the live brokers).
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
    private final ExecutorService creator = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "topic-auto-create");
        t.setDaemon(true);
        return t;
    });
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
        if (pending.add(topic)) {
            try {
                creator.execute(() -> create(topic));
            } catch (RejectedExecutionException shuttingDown) {
                pending.remove(topic);
                return false;
            }
        }
        return true;
    }

    private void create(String topic) {
        try {
            int live = Math.max(1, metadata.get().liveBrokerIds().size());
            int rf = Math.min(config.defaultReplicationFactor(), live);
            topicAdmin.get().createTopic(new TopicAdmin.NewTopic(topic, config.numPartitions(), rf));
            log.info("auto-created topic {} ({} partitions, replication factor {})", topic, config.numPartitions(), rf);
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
