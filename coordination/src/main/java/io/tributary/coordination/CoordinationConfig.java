package io.tributary.coordination;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the coordination layer needs from {@code server.properties}, parsed once. Immutable; build with
 * {@link #builder(int, String)}.
 *
 * @param brokerId                    {@code broker.id}
 * @param zkConnect                   {@code zookeeper.connect}, chroot included
 * @param sessionTimeoutMs            {@code zookeeper.session.timeout.ms}
 * @param connectionTimeoutMs         how long one ZooKeeper operation waits for a connection before failing
 * @param host                        advertised host
 * @param port                        advertised port
 * @param endpoints                   advertised listeners, e.g. {@code PLAINTEXT://host:9092}
 * @param rack                        {@code broker.rack}, null when unset
 * @param uncleanLeaderElectionEnable cluster default of {@code unclean.leader.election.enable}
 * @param deleteTopicEnable           {@code delete.topic.enable}
 * @param controllerReconcileIntervalMs how often the controller re-checks everything even without a watch firing
 * @param leaderRebalance             automatic moves of leadership back to preferred replicas
 * @param zkSecurity                  {@code zookeeper.set.acl}, {@code zookeeper.sasl.client},
 *                                    {@code zookeeper.sasl.clientconfig} (see {@link ZkClientSecurity})
 */
public record CoordinationConfig(int brokerId, ZkConnect zkConnect, int sessionTimeoutMs, int connectionTimeoutMs,
                                 String host, int port, List<String> endpoints, String rack,
                                 boolean uncleanLeaderElectionEnable, boolean deleteTopicEnable,
                                 long controllerReconcileIntervalMs, LeaderRebalancePolicy leaderRebalance,
                                 ZkClientSecurity zkSecurity) {
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 18_000;

    /**
     * Kafka's {@code auto.leader.rebalance.enable}, {@code leader.imbalance.check.interval.seconds} (here in ms) and
     * {@code leader.imbalance.per.broker.percentage}: every interval, a broker whose share of "its" partitions (it is
     * their preferred replica) led by someone else exceeds the percentage gets them back where it is in sync.
     */
    public record LeaderRebalancePolicy(boolean enabled, long checkIntervalMs, int imbalancePerBrokerPercentage) {
        public static final LeaderRebalancePolicy KAFKA_DEFAULT = new LeaderRebalancePolicy(true, 300_000L, 10);

        public LeaderRebalancePolicy {
            if (checkIntervalMs <= 0 || imbalancePerBrokerPercentage < 0 || imbalancePerBrokerPercentage > 100) {
                throw new IllegalArgumentException("leader rebalance interval must be positive and the percentage in [0, 100]");
            }
        }
    }

    public CoordinationConfig {
        Objects.requireNonNull(zkConnect, "zkConnect");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(leaderRebalance, "leaderRebalance");
        Objects.requireNonNull(zkSecurity, "zkSecurity");
        endpoints = List.copyOf(endpoints);
        if (brokerId < 0) {
            throw new IllegalArgumentException("broker.id must be >= 0, got " + brokerId);
        }
        if (sessionTimeoutMs <= 0 || connectionTimeoutMs <= 0 || controllerReconcileIntervalMs <= 0) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    public static Builder builder(int brokerId, String zookeeperConnect) {
        return new Builder(brokerId, ZkConnect.parse(zookeeperConnect));
    }

    public ZkLayout layout() {
        return zkConnect.layout();
    }

    public Duration sessionTimeout() {
        return Duration.ofMillis(sessionTimeoutMs);
    }

    /** Kafka's {@code zookeeper.set.acl}. */
    public boolean zkSetAcl() {
        return zkSecurity.setAcl();
    }

    /** Not thread-safe. */
    public static final class Builder {
        private final int brokerId;
        private final ZkConnect zkConnect;
        private int sessionTimeoutMs = DEFAULT_SESSION_TIMEOUT_MS;
        private int connectionTimeoutMs = 15_000;
        private String host = "127.0.0.1";
        private int port = 9092;
        private List<String> endpoints;
        private String rack;
        private boolean uncleanLeaderElectionEnable;
        private boolean deleteTopicEnable = true;
        private long controllerReconcileIntervalMs = 30_000;
        private LeaderRebalancePolicy leaderRebalance = LeaderRebalancePolicy.KAFKA_DEFAULT;
        private boolean zkSetAcl = ZkClientSecurity.DEFAULT.setAcl();
        private boolean zkSaslClient = ZkClientSecurity.DEFAULT.saslClient();
        private String zkSaslClientConfig = ZkClientSecurity.DEFAULT.saslClientConfig();

        private Builder(int brokerId, ZkConnect zkConnect) {
            this.brokerId = brokerId;
            this.zkConnect = zkConnect;
        }

        public Builder sessionTimeoutMs(int value) {
            this.sessionTimeoutMs = value;
            return this;
        }

        public Builder connectionTimeoutMs(int value) {
            this.connectionTimeoutMs = value;
            return this;
        }

        public Builder hostPort(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        public Builder endpoints(List<String> value) {
            this.endpoints = value;
            return this;
        }

        public Builder rack(String value) {
            this.rack = value;
            return this;
        }

        public Builder uncleanLeaderElectionEnable(boolean value) {
            this.uncleanLeaderElectionEnable = value;
            return this;
        }

        public Builder deleteTopicEnable(boolean value) {
            this.deleteTopicEnable = value;
            return this;
        }

        public Builder controllerReconcileIntervalMs(long value) {
            this.controllerReconcileIntervalMs = value;
            return this;
        }

        public Builder leaderRebalance(LeaderRebalancePolicy value) {
            this.leaderRebalance = value;
            return this;
        }

        /** {@code zookeeper.set.acl} (default false). */
        public Builder zkSetAcl(boolean value) {
            this.zkSetAcl = value;
            return this;
        }

        /** {@code zookeeper.sasl.client} (default true). */
        public Builder zkSaslClient(boolean value) {
            this.zkSaslClient = value;
            return this;
        }

        /** {@code zookeeper.sasl.clientconfig} (default {@code Client}). */
        public Builder zkSaslClientConfig(String value) {
            this.zkSaslClientConfig = value;
            return this;
        }

        public CoordinationConfig build() {
            List<String> eps = endpoints != null ? endpoints : List.of("PLAINTEXT://" + host + ":" + port);
            return new CoordinationConfig(brokerId, zkConnect, sessionTimeoutMs, connectionTimeoutMs, host, port,
                    eps, rack, uncleanLeaderElectionEnable, deleteTopicEnable, controllerReconcileIntervalMs, leaderRebalance,
                    new ZkClientSecurity(zkSetAcl, zkSaslClient, zkSaslClientConfig));
        }
    }
}
