package io.tributary.broker.server;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.security.GrpcTls;
import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.ConsumerGrpc;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.broker.admin.AdminHandler;
import io.tributary.broker.admin.MetadataHandler;
import io.tributary.broker.admin.TopicAutoCreator;
import io.tributary.broker.common.BusyTimeThreadPool;
import io.tributary.broker.common.Time;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.config.Listeners;
import io.tributary.broker.fetch.FetchSessions;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.grpc.AdminService;
import io.tributary.broker.grpc.ConnectionGuard;
import io.tributary.broker.grpc.ConsumerService;
import io.tributary.broker.grpc.ErrorInterceptor;
import io.tributary.broker.grpc.GroupsService;
import io.tributary.broker.grpc.GrpcPeerClient;
import io.tributary.broker.grpc.MetadataService;
import io.tributary.broker.grpc.PrincipalInterceptor;
import io.tributary.broker.grpc.ProducerService;
import io.tributary.broker.grpc.ReplicationService;
import io.tributary.broker.grpc.RequestLogInterceptor;
import io.tributary.broker.grpc.SecurityService;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.metrics.ConsumerLagMetrics;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.produce.ProduceHandler;
import io.tributary.broker.produce.ProducerIdManager;
import io.tributary.broker.replication.IsrManager;
import io.tributary.broker.replication.ReplicaFetchHandler;
import io.tributary.broker.replication.ReplicaFetcherManager;
import io.tributary.broker.security.AclAdmin;
import io.tributary.broker.security.AclAuthorizer;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.Authorizer;
import io.tributary.broker.security.ConnectionRegistry;
import io.tributary.broker.security.SaslAuthenticator;
import io.tributary.broker.security.ScramAdmin;
import io.tributary.broker.security.SslPrincipalMapper;
import io.tributary.coordination.BrokerCoordination;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.CoordinationConfig;
import io.tributary.coordination.SessionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One broker: its logs, its place in the cluster (ZooKeeper), and its gRPC server. Owns the start-up and
 * shutdown order:
 * <ol>
 *   <li>open the logs (recovering after a crash);</li>
 *   <li>start the gRPC server, health NOT_SERVING, so the bound port is known;</li>
 *   <li>join the cluster: register, load metadata, take the partition roles the controller assigned;</li>
 *   <li>health SERVING (and back to NOT_SERVING whenever the ZooKeeper session is lost).</li>
 * </ol>
 * Shutdown reverses it: NOT_SERVING, leave the cluster (the controller moves leadership away), drain and stop
 * the gRPC server, close the logs and write the clean-shutdown marker.
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} may be called from different threads (the shutdown hook).
 */
public final class BrokerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);

    private enum State { LATENT, STARTING, RUNNING, STOPPING, STOPPED }

    private final BrokerConfig config;
    private final Time time;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final HealthStatusManager health = new HealthStatusManager();
    private final ServerBuilder<?> serverBuilder;
    private LogManager logManager;
    private BrokerCoordination coordination;
    private PartitionManager partitionManager;
    private FetchSessions fetchSessions;
    private GrpcPeerClient peers;
    private TopicAutoCreator autoCreator;
    private GroupCoordinator groupCoordinator;
    private ReplicaFetcherManager fetcherManager;
    private ScheduledExecutorService replicationTimer;
    private BusyTimeThreadPool requestExecutor;
    private ScheduledExecutorService healthRefresher;
    private BrokerMetrics metrics;
    private ConnectionRegistry connections;
    private AclAuthorizer aclAuthorizer;
    private ScheduledExecutorService securityTimer;
    /** The primary (first) listener's server; with {@link #servers} all of them, by listener name. */
    private Server server;
    private final Map<String, Server> servers = new LinkedHashMap<>();
    private Listeners listeners;
    /** Last health status set; guarded by this. */
    private boolean lastServing;

    public BrokerServer(BrokerConfig config, Time time) {
        this(config, time, null);
    }

    /**
     * @param serverBuilder the gRPC server to serve on instead of Netty on {@code listeners}' address (tests pass an
     *     in-process one); the broker adds its executors, limits and services to it. Null for the default.
     */
    public BrokerServer(BrokerConfig config, Time time, ServerBuilder<?> serverBuilder) {
        this.config = config;
        this.time = time;
        this.serverBuilder = serverBuilder;
    }

    public void start() throws Exception {
        if (!state.compareAndSet(State.LATENT, State.STARTING)) {
            throw new IllegalStateException("broker already started");
        }
        try {
            health.setStatus("", ServingStatus.NOT_SERVING);
            logManager = new LogManager(new LogManager.Config(config.logDirs(), config.defaultLogConfig(),
                    config.retentionCheckIntervalMs(), config.flushSchedulerIntervalMs(),
                    config.flushOffsetCheckpointIntervalMs(), config.flushBeforeAck(), 10_000, config.logCleanerConfig()), time);
            logManager.startup();

            AtomicReference<BrokerCoordination> coordinationRef = new AtomicReference<>();
            partitionManager = new PartitionManager(config.brokerId(), logManager, config::logConfigFor, () -> {
                BrokerCoordination c = coordinationRef.get();
                return c == null ? ClusterMetadata.EMPTY : c.metadata();
            }, () -> {
                BrokerCoordination c = coordinationRef.get();
                return c != null && c.isServing();
            });
            metrics = new BrokerMetrics(partitionManager, () -> {
                BrokerCoordination c = coordinationRef.get();
                return c != null && c.isController();
            }, config.metricsPartitionLevelEnable());
            autoCreator = new TopicAutoCreator(config, () -> coordinationRef.get().topicAdmin(),
                    partitionManager::metadata);
            listeners = config.listeners();
            connections = new ConnectionRegistry(config.maxConnections(), config.maxConnectionsPerIp());
            Authorizer authorizer = Authorizer.ALLOW_ALL;
            if (!config.authorizerClassName().isEmpty()) {
                aclAuthorizer = new AclAuthorizer(config.superUsers(), config.allowEveryoneIfNoAclFound());
                authorizer = aclAuthorizer;
            }
            Authorization authorization = new Authorization(authorizer);
            securityTimer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("security-timer"));
            Listeners.Listener interBroker = listeners.interBrokerListener();
            peers = new GrpcPeerClient(config.socketRequestMaxBytes(), interBroker.name(), interBroker.protocol().tls
                    ? GrpcTls.client(config.sslConfig(), GrpcTls.provider(config.sslProvider()), config.sslEndpointIdentification()) : null);
            MetadataHandler metadataHandler = new MetadataHandler(partitionManager, autoCreator, authorization);
            fetchSessions = new FetchSessions(partitionManager, ComponentConfigs.fetchSessions(config), metrics.traffic(),
                    metrics.requests(), authorization);
            AdminHandler adminHandler = new AdminHandler(partitionManager, () -> coordinationRef.get().topicAdmin(),
                    config, metadataHandler, peers, authorization);
            ProduceHandler produceHandler = new ProduceHandler(partitionManager, logManager, config.requestTimeoutMs(), autoCreator,
                    metrics.traffic(), metrics.requests(), authorization);
            IsrManager isrManager = new IsrManager(partitionManager, () -> coordinationRef.get().partitionStateStore(),
                    partitionManager::sessionConnected, config.replicaLagTimeMaxMs());
            replicationTimer = Executors.newScheduledThreadPool(2, DaemonThreads.named("replica-fetch-wait"));
            ReplicaFetchHandler replicaFetchHandler = new ReplicaFetchHandler(partitionManager, isrManager, replicationTimer, replicationTimer,
                    metrics.requests(), authorization);
            fetcherManager = new ReplicaFetcherManager(partitionManager, peers, ComponentConfigs.replicaFetchers(config),
                    () -> coordinationRef.get().brokerEpoch(), isrManager);
            partitionManager.addReplicaRoleHooks(fetcherManager);
            groupCoordinator = new GroupCoordinator(ComponentConfigs.group(config), partitionManager, logManager, autoCreator, time, authorization);
            partitionManager.addReplicaRoleHooks(groupCoordinator);
            metrics.registerReplication(partitionManager.isrChanges(), fetcherManager::maxLag);
            metrics.registerLogDirs(config.logDirs());
            metrics.registerConsumerLag(new ConsumerLagMetrics(groupCoordinator::snapshot, partitionManager, peers,
                    config.metricsConsumerLagRefreshMs(), config.metricsPartitionLevelEnable()));

            server = buildServers(List.of(
                    new ProducerService(produceHandler, new ProducerIdManager(config.brokerId(),
                            () -> coordinationRef.get().producerIdBlocks(), authorization), config.maxInflightProduceRequestsPerStream()),
                    new ConsumerService(fetchSessions),
                    new MetadataService(metadataHandler),
                    new AdminService(adminHandler),
                    new ReplicationService(replicaFetchHandler),
                    new GroupsService(groupCoordinator),
                    securityService(authorization, coordinationRef)));
            for (Map.Entry<String, Server> e : servers.entrySet()) {
                e.getValue().start();
                log.info("broker {} listening on {} ({})", config.brokerId(), e.getValue().getListenSockets().get(0),
                        listeners.byName(e.getKey()).map(l -> l.protocol().name()).orElse("in-process"));
            }
            if (config.metricsPort() >= 0) {
                metrics.start(config.listenHost(), config.metricsPort());
            }

            // Every listener is registered as NAME://host:port; host and port are the primary listener's, for clients
            // that read only those.
            List<String> endpoints = new ArrayList<>();
            for (Listeners.Listener l : listeners.listeners()) {
                Listeners.HostPort adv = listeners.advertised().get(l.name());
                endpoints.add(l.name() + "://" + adv.host() + ":" + (adv.port() > 0 ? adv.port() : port(l.name())));
            }
            Listeners.HostPort primary = listeners.advertised().get(listeners.primary().name());
            int advertisedPort = primary.port() > 0 ? primary.port() : port();
            CoordinationConfig coordinationConfig = CoordinationConfig.builder(config.brokerId(), config.zookeeperConnect())
                    .sessionTimeoutMs(config.zookeeperSessionTimeoutMs())
                    .connectionTimeoutMs(config.zookeeperConnectionTimeoutMs())
                    .zkSetAcl(config.zookeeperSetAcl())
                    .zkSaslClient(config.zookeeperSaslClient())
                    .zkSaslClientConfig(config.zookeeperSaslClientConfig())
                    .hostPort(primary.host(), advertisedPort)
                    .endpoints(endpoints)
                    .rack(config.rack().isBlank() ? null : config.rack())
                    .uncleanLeaderElectionEnable(config.uncleanLeaderElectionEnable())
                    .deleteTopicEnable(config.deleteTopicEnable())
                    .leaderRebalance(new CoordinationConfig.LeaderRebalancePolicy(config.autoLeaderRebalanceEnable(),
                            config.leaderImbalanceCheckIntervalMs(), config.leaderImbalancePerBrokerPercentage()))
                    .build();
            coordination = BrokerCoordination.create(coordinationConfig);
            coordinationRef.set(coordination);
            metrics.registerCoordination(coordination);
            partitionManager.addSessionListener(this::onSessionState);
            partitionManager.addSessionListener(groupCoordinator::onSessionState);
            coordination.metadataCache().addListener(partitionManager);
            coordination.metadataCache().addListener(groupCoordinator);
            coordination.metadataCache().addListener(metrics);
            coordination.addPartitionRoleListener(partitionManager);
            coordination.start(Duration.ofMillis(config.zookeeperConnectionTimeoutMs()));
            if (aclAuthorizer != null) {
                startAcls();
            }
            state.set(State.RUNNING);
            onSessionState(coordination.sessionState());
            // Session events can arrive before the metadata cache has reloaded after a reconnect; re-check the
            // serving state regularly so health never sticks at a stale value.
            healthRefresher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("health-refresh"));
            healthRefresher.scheduleWithFixedDelay(() -> onSessionState(coordination.sessionState()), 250, 250, TimeUnit.MILLISECONDS);
            log.info("broker {} started: cluster {}, {} partition log(s) on disk", config.brokerId(), coordination.clusterId(),
                    logManager.allLogs().size());
        } catch (Exception e) {
            log.error("broker {} failed to start: {}", config.brokerId(), e.toString());
            close();
            throw e;
        }
    }

    /**
     * Feeds the authorizer from ZooKeeper and waits (bounded) for the first load, so clients are not refused for the
     * moment between start and load; until then the authorizer refuses all but super users (it fails closed).
     */
    private void startAcls() throws InterruptedException {
        var cache = coordination.startAclCache(aclAuthorizer::update);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.zookeeperConnectionTimeoutMs());
        while (!cache.loaded() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        log.info("broker {}: authorizer on, {} ACL resource(s) loaded{}", config.brokerId(), cache.current().size(),
                cache.loaded() ? "" : " (not loaded yet: refusing all but super users until they are)");
    }

    private SecurityService securityService(Authorization authorization, AtomicReference<BrokerCoordination> coordinationRef) {
        SaslAuthenticator sasl = new SaslAuthenticator(config.saslEnabledMechanisms(),
                (user, mechanism) -> joined(coordinationRef).userCredentials().scram(user, mechanism));
        return new SecurityService(sasl,
                name -> listeners.byName(name).map(l -> l.protocol().sasl).orElse(false),
                name -> listeners.byName(name).map(l -> l.protocol().tls).orElse(false),
                config.connectionsMaxReauthMs(), config.connectionFailedAuthenticationDelayMs(), securityTimer,
                new AclAdmin(authorization, () -> joined(coordinationRef).aclStore()),
                new ScramAdmin(() -> joined(coordinationRef).userCredentials()));
    }

    /** The coordination once the broker has joined the cluster; BROKER_NOT_AVAILABLE while it is starting. */
    private static BrokerCoordination joined(AtomicReference<BrokerCoordination> ref) {
        BrokerCoordination c = ref.get();
        if (c == null) {
            throw new TributaryException(ErrorCode.BROKER_NOT_AVAILABLE, "the broker is starting and has not joined the cluster yet; retry");
        }
        return c;
    }

    /**
     * Streams whose messages are handled on the transport thread that decoded them, without the hop to the request
     * executor (a thread wake-up per message, a large share of a small broker's CPU under load). Their handlers
     * never wait on ZooKeeper or another broker: a produce request validates and appends to the page cache (acks=all
     * and fsync-before-ack complete later, asynchronously), and a fetch session only queues work on its own executor.
     * Everything else (admin, metadata, replication, unary produce) keeps the request executor.
     */
    static final Set<String> TRANSPORT_THREAD_METHODS = Set.of(
            ProducerGrpc.getProduceMethod().getFullMethodName(),
            ConsumerGrpc.getFetchMethod().getFullMethodName());

    private static final Executor DIRECT = Runnable::run;

    private static final ServerCallExecutorSupplier HOT_STREAMS_ON_TRANSPORT_THREAD = new ServerCallExecutorSupplier() {
        @Override
        public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
            // null: the server's executor (requestExecutor)
            return TRANSPORT_THREAD_METHODS.contains(call.getMethodDescriptor().getFullMethodName())
                    ? DIRECT : null;
        }
    };

    private NettyServerBuilder nettyServerBuilder(Listeners.Listener l, SslContext tls) {
        InetSocketAddress address = l.host().isEmpty() ? new InetSocketAddress(l.port()) : new InetSocketAddress(l.host(), l.port());
        ConnectionGuard.Limits limits = new ConnectionGuard.Limits(l.name(), l.protocol().sasl, connections,
                config.saslServerMaxReceiveSize(), config.connectionsAuthenticationTimeoutMs());
        return NettyServerBuilder.forAddress(address, ConnectionGuard.credentials(l.protocol().tls ? tls : null, limits))
                .maxConcurrentCallsPerConnection(config.maxConcurrentStreamsPerConnection())
                .maxConnectionIdle(config.connectionsMaxIdleMs(), TimeUnit.MILLISECONDS)
                .keepAliveTime(config.grpcKeepaliveTimeMs(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(20, TimeUnit.SECONDS)
                // Clients keep long fetch streams open and may ping to keep NATs warm; allow it.
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
    }

    /**
     * One gRPC server per listener, sharing the services, executors and interceptors; a TLS listener gets the server
     * TLS context and maps client certificates to principals. An in-process builder (tests) stands for the primary
     * listener alone.
     */
    private Server buildServers(List<BindableService> services) {
        requestExecutor = new BusyTimeThreadPool(config.numIoThreads(), "request");
        metrics.registerExecutors(Map.of("request", requestExecutor, "fetch", fetchSessions.executor()));
        ErrorInterceptor errors = new ErrorInterceptor();
        RequestLogInterceptor requestLog = new RequestLogInterceptor(metrics.requests());
        metrics.registerStreams(requestLog.openStreams(), fetchSessions::openSessions);
        if (serverBuilder != null) {
            Server s = build(serverBuilder, services, errors, requestLog, new PrincipalInterceptor(listeners.primary().name(), null, false, null));
            servers.put(listeners.primary().name(), s);
            return s;
        }
        SslPrincipalMapper mapper = null;
        if (listeners.listeners().stream().anyMatch(l -> l.protocol().tls)) {
            mapper = config.sslPrincipalMapper();
        }
        for (Listeners.Listener l : listeners.listeners()) {
            // Per listener: listener.name.<name>.ssl.client.auth may differ (mutual TLS on the inter-broker one only).
            SslContext tls = l.protocol().tls ? GrpcTls.server(config.sslConfig(l.name()), GrpcTls.provider(config.sslProvider())) : null;
            NettyServerBuilder b = nettyServerBuilder(l, tls);
            servers.put(l.name(), build(b, services, errors, requestLog,
                    new PrincipalInterceptor(l.name(), l.protocol().tls ? mapper : null, l.protocol().sasl, connections)));
        }
        return servers.get(listeners.primary().name());
    }

    private Server build(ServerBuilder<?> builder, List<BindableService> services, ErrorInterceptor errors,
                         RequestLogInterceptor requestLog, PrincipalInterceptor principals) {
        builder.executor(requestExecutor)
                .callExecutor(HOT_STREAMS_ON_TRANSPORT_THREAD)
                .maxInboundMessageSize(config.socketRequestMaxBytes())
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance());
        for (BindableService s : services) {
            // Interceptors run last-added first: the principal is set, the call is measured and logged, then errors
            // are mapped around the handler (so the measurement sees the mapped status).
            builder.addService(ServerInterceptors.intercept(s, errors, requestLog, principals));
        }
        return builder.build();
    }

    private synchronized void onSessionState(SessionState sessionState) {
        boolean serving = state.get() == State.RUNNING
                && sessionState == SessionState.CONNECTED && coordination != null && coordination.isServing();
        if (serving != lastServing) {
            lastServing = serving;
            health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
            log.info("broker {}: ZooKeeper session {} -> {}", config.brokerId(), sessionState, serving ? "SERVING" : "NOT_SERVING");
        }
    }

    /** The port the primary listener is bound to; for a server without one (in-process), the configured port. */
    public int port() {
        return port(listeners.primary().name());
    }

    /** The port listener {@code name} is bound to. */
    public int port(String name) {
        Server s = servers.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no listener " + name + " (listeners: " + servers.keySet() + ")");
        }
        return s.getListenSockets().get(0) instanceof InetSocketAddress inet ? inet.getPort()
                : listeners.byName(name).map(Listeners.Listener::port).orElse(-1);
    }

    public int brokerId() {
        return config.brokerId();
    }

    /** The port of http://host:port/metrics, or -1 when metrics.port is -1 (off). */
    public int metricsPort() {
        return metrics == null ? -1 : metrics.port();
    }

    public BrokerCoordination coordination() {
        return coordination;
    }

    public PartitionManager partitionManager() {
        return partitionManager;
    }

    public LogManager logManager() {
        return logManager;
    }

    public HealthStatusManager health() {
        return health;
    }

    public void awaitTermination() throws InterruptedException {
        if (server != null) {
            server.awaitTermination();
        }
    }

    /** Clean shutdown; idempotent. */
    @Override
    public void close() {
        State previous = state.getAndSet(State.STOPPING);
        if (previous == State.STOPPING || previous == State.STOPPED) {
            state.set(previous);
            return;
        }
        log.info("broker {} shutting down", config.brokerId());
        if (healthRefresher != null) {
            healthRefresher.shutdownNow();
        }
        health.enterTerminalState();
        if (coordination != null) {
            coordination.close();
        }
        if (fetcherManager != null) {
            fetcherManager.close();
        }
        if (groupCoordinator != null) {
            // Membership streams never end on their own: end them (NOT_COORDINATOR) so the drain below does not wait.
            groupCoordinator.close();
        }
        servers.values().forEach(Server::shutdown);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.controlledShutdownTimeoutMs());
        for (Server s : servers.values()) {
            try {
                if (!s.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    s.shutdownNow();
                    s.awaitTermination(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                s.shutdownNow();
            }
        }
        if (fetchSessions != null) {
            fetchSessions.close();
        }
        if (autoCreator != null) {
            autoCreator.close();
        }
        if (replicationTimer != null) {
            replicationTimer.shutdownNow();
        }
        if (securityTimer != null) {
            securityTimer.shutdownNow();
        }
        if (peers != null) {
            peers.close();
        }
        if (requestExecutor != null) {
            requestExecutor.shutdown();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (logManager != null) {
            try {
                logManager.close();
            } catch (IOException e) {
                log.error("closing the logs failed; the next start will run recovery", e);
            }
        }
        state.set(State.STOPPED);
        log.info("broker {} stopped", config.brokerId());
    }
}
