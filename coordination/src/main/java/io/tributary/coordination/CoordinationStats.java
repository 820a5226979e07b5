package io.tributary.coordination;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.apache.curator.drivers.AdvancedTracerDriver;
import org.apache.curator.drivers.EventTrace;
import org.apache.curator.drivers.OperationTrace;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;

/**
 * What a broker's coordination counts for its metrics, kept in plain counters so this module needs no metrics
 * library: ZooKeeper disconnects and session expirations (Kafka's ZooKeeperDisconnectsPerSec and
 * ZooKeeperExpiresPerSec), unclean leader elections made by this broker's controller, and each ZooKeeper request's
 * latency, handed to a {@link LatencySink} (Kafka's ZooKeeperRequestLatencyMs).
 *
 * <p>Thread-safe.
 */
public final class CoordinationStats {
    /** Receives the latency of every ZooKeeper operation the broker's client completes. */
    @FunctionalInterface
    public interface LatencySink {
        void observe(long latencyMs);
    }

    private final LongAdder disconnects = new LongAdder();
    private final LongAdder expirations = new LongAdder();
    private final LongAdder uncleanLeaderElections = new LongAdder();
    private volatile LatencySink latencySink = latencyMs -> { };

    /** Counts the client's connection changes and traces its operations from now on. */
    void attach(CuratorFramework client) {
        ConnectionStateListener listener = (c, state) -> {
            if (state == ConnectionState.SUSPENDED) {
                disconnects.increment();
            } else if (state == ConnectionState.LOST) {
                expirations.increment();
            }
        };
        client.getConnectionStateListenable().addListener(listener);
        client.getZookeeperClient().setTracerDriver(new AdvancedTracerDriver() {
            @Override
            public void addTrace(OperationTrace trace) {
                latencySink.observe(trace.getLatencyMs());
            }

            @Override
            public void addEvent(EventTrace trace) {
                // Connection events are counted by the listener above.
            }
        });
    }

    public void latencySink(LatencySink sink) {
        this.latencySink = Objects.requireNonNull(sink, "sink");
    }

    void uncleanLeaderElection() {
        uncleanLeaderElections.increment();
    }

    /** Times the session was suspended (the client lost its server; the session may survive). */
    public long disconnects() {
        return disconnects.sum();
    }

    /** Times the session was lost (expired, or treated as expired by Curator). */
    public long expirations() {
        return expirations.sum();
    }

    /** Leaders this broker's controller elected from outside the ISR (unclean.leader.election.enable). */
    public long uncleanLeaderElections() {
        return uncleanLeaderElections.sum();
    }
}
