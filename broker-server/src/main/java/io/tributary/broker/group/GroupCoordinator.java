package io.tributary.broker.group;

import io.tributary.api.ErrorCode;
import io.tributary.api.LeaderHintException;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.AssignmentAck;
import io.tributary.api.v1.BrokerNode;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.CoordinatorResult;
import io.tributary.api.v1.DeleteGroupsRequest;
import io.tributary.api.v1.DeleteGroupsResponse;
import io.tributary.api.v1.DescribeGroupsRequest;
import io.tributary.api.v1.DescribeGroupsResponse;
import io.tributary.api.v1.FetchOffsetsRequest;
import io.tributary.api.v1.FetchOffsetsResponse;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.FindCoordinatorResponse;
import io.tributary.api.v1.GroupDescription;
import io.tributary.api.v1.GroupListing;
import io.tributary.api.v1.GroupResult;
import io.tributary.api.v1.JoinGroup;
import io.tributary.api.v1.ListGroupsRequest;
import io.tributary.api.v1.ListGroupsResponse;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.OffsetCommitResult;
import io.tributary.broker.admin.TopicAutoCreator;
import io.tributary.broker.cluster.MetadataViews;
import io.tributary.broker.common.ErrorProtos;
import io.tributary.broker.common.Time;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.partition.Partition;
import io.tributary.broker.partition.PartitionManager;
import io.tributary.broker.security.Authorization;
import io.tributary.broker.security.RequestContext;
import io.tributary.coordination.BrokerInfo;
import io.tributary.coordination.ClusterMetadata;
import io.tributary.coordination.MetadataListener;
import io.tributary.coordination.PartitionMetadata;
import io.tributary.coordination.SessionState;
import io.tributary.coordination.TopicMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The broker's group coordinator: owns the groups of the {@code __consumer_offsets} partitions this broker leads and
 * answers the Groups API for them.
 *
 * <p>Leading a partition (told by the {@link PartitionManager}) starts an asynchronous load on the loader thread;
 * until it completes, calls for its groups get COORDINATOR_LOAD_IN_PROGRESS. Losing it (follower, stopped, ZooKeeper
 * session lost, shutdown) ends every member stream of its groups with NOT_COORDINATOR and the new leader as hint.
 * Each leadership gets its own {@link GroupShard}, and its writes are fenced at its leader epoch, so nothing begun
 * under an old leadership is applied under a new one.
 *
 * <p>Threads: role changes arrive on the coordination thread and only flip state and queue work; loads run on one
 * loader thread (queue bounded by the partition count); group timers and offset expiry on one timer thread; write
 * acknowledgements on a small callback pool (bounded queue; when it is full the completing thread runs them).
 * Thread-safe; lock order: {@code roleLock}, then a group, then a member stream.
 */
public final class GroupCoordinator implements PartitionManager.ReplicaRoleHooks, MetadataListener, Closeable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    /** Most group ids one request may name. */
    static final int MAX_GROUPS_PER_REQUEST = 10_000;
    private static final long LOAD_RETRY_BACKOFF_MS = 1_000;
    private static final int CALLBACK_THREADS = 2;
    private static final int CALLBACK_QUEUE_CAPACITY = 100_000;
    /** A group removed while a call looked it up is retried on its successor this many times. */
    private static final int MAX_GROUP_LOOKUPS = 8;

    private final GroupConfig config;
    private final PartitionManager partitions;
    private final LogManager logManager;
    private final TopicAutoCreator topicCreator;
    private final Time time;
    private final ScheduledThreadPoolExecutor timer;
    private final ThreadPoolExecutor callbackPool;
    private final Executor callbacks;
    private final ThreadPoolExecutor loader;
    private final GroupEnvironment.Scheduler scheduler;
    private final ConcurrentHashMap<Integer, GroupShard> shards = new ConcurrentHashMap<>();
    private final Object roleLock = new Object();
    private volatile boolean closed;

    private final Authorization authorization;

    public GroupCoordinator(GroupConfig config, PartitionManager partitions, LogManager logManager,
                            TopicAutoCreator topicCreator, Time time, Authorization authorization) {
        this.authorization = authorization;
        this.config = config;
        this.partitions = partitions;
        this.logManager = logManager;
        this.topicCreator = topicCreator;
        this.time = time;
        this.timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.numbered("group-timer"));
        // Cancelled timers leave the queue at once: a group re-arms its timer often.
        this.timer.setRemoveOnCancelPolicy(true);
        this.callbackPool = new ThreadPoolExecutor(CALLBACK_THREADS, CALLBACK_THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(CALLBACK_QUEUE_CAPACITY), DaemonThreads.numbered("group-callback"));
        this.callbacks = task -> {
            try {
                callbackPool.execute(task);
            } catch (RejectedExecutionException fullOrShutDown) {
                // Never drop an acknowledgement: a caller waits on it.
                task.run();
            }
        };
        this.loader = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.offsetsTopicNumPartitions() + 16), DaemonThreads.numbered("group-loader"));
        this.scheduler = (task, delayMs) -> {
            try {
                ScheduledFuture<?> f = timer.schedule(() -> runLogged(task), delayMs, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException shutDown) {
                return () -> { };
            }
        };
        timer.scheduleWithFixedDelay(() -> runLogged(this::expireOffsets), config.offsetsRetentionCheckIntervalMs(),
                config.offsetsRetentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
    }

    private static void runLogged(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("group coordinator task failed", e);
        }
    }

    // ---- Roles ----------------------------------------------------------------------------------------------------

    private static boolean isOffsetsTopic(TopicPartition tp) {
        return tp.topic().equals(OffsetsTopic.NAME);
    }

    @Override
    public void onLeader(Partition partition) {
        TopicPartition tp = partition.topicPartition();
        if (!isOffsetsTopic(tp) || closed) {
            return;
        }
        int epoch = partition.state().leaderEpoch();
        synchronized (roleLock) {
            GroupShard current = shards.get(tp.partition());
            if (current != null && current.leaderEpoch == epoch && current.status != GroupShard.Status.UNLOADED) {
                return;
            }
            if (current != null) {
                unload(current, "it leads " + tp + " at a new leader epoch " + epoch + " and reloads it");
            }
            GroupShard shard = new GroupShard(partition, epoch, environment(tp, epoch));
            shards.put(tp.partition(), shard);
            submitLoad(shard);
        }
    }

    @Override
    public void onFollower(Partition partition) {
        if (isOffsetsTopic(partition.topicPartition())) {
            unload(partition.topicPartition(), "it follows broker " + partition.state().leader() + " for "
                    + partition.topicPartition() + " now");
        }
    }

    @Override
    public void onStopped(TopicPartition tp) {
        if (isOffsetsTopic(tp)) {
            unload(tp, "its replica of " + tp + " was stopped");
        }
    }

    /** A lost ZooKeeper session means another broker may lead already: stop coordinating at once. */
    public void onSessionState(SessionState state) {
        if (state == SessionState.LOST) {
            synchronized (roleLock) {
                for (GroupShard shard : List.copyOf(shards.values())) {
                    unload(shard, "it lost its ZooKeeper session");
                }
            }
        }
    }

    private void unload(TopicPartition tp, String why) {
        synchronized (roleLock) {
            GroupShard shard = shards.get(tp.partition());
            if (shard != null) {
                unload(shard, why);
            }
        }
    }

    private void unload(GroupShard shard, String why) {
        shards.remove(shard.topicPartition.partition(), shard);
        shard.status = GroupShard.Status.UNLOADED;
        TributaryException reason = notCoordinator(shard.topicPartition, "broker " + config.brokerId()
                + " no longer coordinates the groups of " + shard.topicPartition + ": " + why);
        for (ConsumerGroup g : shard.groups.values()) {
            g.unload(reason);
        }
        shard.groups.clear();
        log.info("unloaded {} ({})", shard, why);
    }

    private GroupEnvironment environment(TopicPartition tp, int epoch) {
        return new GroupEnvironment(config, time, new PartitionGroupLogWriter(partitions, logManager, tp, epoch,
                config.offsetsCommitTimeoutMs(), time, callbacks), this::partitionCount, scheduler);
    }

    private int partitionCount(String topic) {
        return partitions.metadata().topic(topic).filter(t -> !t.pendingDeletion())
                .map(t -> t.assignment().partitionCount()).orElse(0);
    }

    private boolean isCurrent(GroupShard shard) {
        return !closed && shards.get(shard.topicPartition.partition()) == shard
                && shard.status != GroupShard.Status.UNLOADED;
    }

    private void submitLoad(GroupShard shard) {
        try {
            loader.execute(() -> load(shard));
        } catch (RejectedExecutionException full) {
            if (!closed) {
                scheduler.schedule(() -> submitLoad(shard), LOAD_RETRY_BACKOFF_MS);
            }
        }
    }

    private void load(GroupShard shard) {
        if (!isCurrent(shard)) {
            return;
        }
        long startNs = System.nanoTime();
        Map<String, GroupLoader.LoadedGroup> loaded;
        try {
            loaded = GroupLoader.load(shard.partition.log(), config.offsetsLoadBufferBytes(), () -> isCurrent(shard));
        } catch (CancellationException stale) {
            return;
        } catch (RuntimeException e) {
            log.warn("loading the groups of {} failed: {}; retrying in {} ms", shard, e.toString(), LOAD_RETRY_BACKOFF_MS);
            if (isCurrent(shard)) {
                scheduler.schedule(() -> submitLoad(shard), LOAD_RETRY_BACKOFF_MS);
            }
            return;
        }
        Map<String, ConsumerGroup> groups = new HashMap<>();
        loaded.forEach((id, lg) -> {
            ConsumerGroup g = shard.newGroup(id);
            g.restore(lg.value, lg.offsets);
            groups.put(id, g);
        });
        synchronized (roleLock) {
            if (!isCurrent(shard)) {
                TributaryException stale = notCoordinator(shard.topicPartition, "leadership of "
                        + shard.topicPartition + " changed while its groups were loading");
                groups.values().forEach(g -> g.unload(stale));
                return;
            }
            shard.groups.putAll(groups);
            shard.status = GroupShard.Status.LOADED;
        }
        log.info("loaded {} group(s) of {} at leader epoch {} in {} ms", groups.size(), shard.topicPartition,
                shard.leaderEpoch, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
    }

    @Override
    public void onMetadataChanged(ClusterMetadata previous, ClusterMetadata current) {
        Set<String> deleted = deletedTopics(previous, current);
        boolean countsChanged = !partitionCounts(previous).equals(partitionCounts(current));
        if (deleted.isEmpty() && !countsChanged) {
            return;
        }
        callbacks.execute(() -> {
            for (GroupShard shard : shards.values()) {
                if (shard.status != GroupShard.Status.LOADED) {
                    continue;
                }
                for (ConsumerGroup g : shard.groups.values()) {
                    if (!deleted.isEmpty()) {
                        g.onTopicsDeleted(deleted);
                    }
                    if (countsChanged) {
                        g.onMetadataChanged();
                    }
                }
            }
        });
    }

    /**
     * Topics deleted between two snapshots: marked for deletion, gone, or recreated under a new topic id. Their
     * committed offsets are deleted with them, as Kafka does; a group that loads later keeps what it loaded (only the
     * event removes offsets), and the tools show such rows without a log end.
     */
    static Set<String> deletedTopics(ClusterMetadata previous, ClusterMetadata current) {
        Set<String> deleted = new TreeSet<>();
        for (TopicMetadata before : previous.topics().values()) {
            if (before.pendingDeletion()) {
                continue;
            }
            TopicMetadata now = current.topics().get(before.name());
            if (now == null || now.pendingDeletion() || !Objects.equals(now.topicId(), before.topicId())) {
                deleted.add(before.name());
            }
        }
        return deleted;
    }

    private static Map<String, Integer> partitionCounts(ClusterMetadata md) {
        return md.topics().values().stream().filter(t -> !t.pendingDeletion())
                .collect(Collectors.toMap(TopicMetadata::name, t -> t.assignment().partitionCount()));
    }

    private void expireOffsets() {
        for (GroupShard shard : shards.values()) {
            if (shard.status != GroupShard.Status.LOADED) {
                continue;
            }
            for (ConsumerGroup g : shard.groups.values()) {
                g.expireOffsets(config.offsetsRetentionMs());
                if (g.retireIfForgettable()) {
                    shard.groups.remove(g.groupId(), g);
                }
            }
        }
    }

    // ---- Routing --------------------------------------------------------------------------------------------------

    private TributaryException notCoordinator(TopicPartition tp, String message) {
        return new LeaderHintException(ErrorCode.NOT_COORDINATOR, message, partitions.leaderHint(tp));
    }

    /**
     * The shard holding {@code groupId} if this broker coordinates it now.
     *
     * @throws TributaryException INVALID_GROUP_ID, COORDINATOR_NOT_AVAILABLE (no offsets topic yet),
     *     NOT_COORDINATOR (with the coordinator as hint), COORDINATOR_LOAD_IN_PROGRESS
     */
    private GroupShard shardFor(String groupId) {
        OffsetsTopic.validateGroupId(groupId);
        TopicMetadata topic = partitions.metadata().topic(OffsetsTopic.NAME).filter(t -> !t.pendingDeletion())
                .orElseThrow(() -> new TributaryException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the offsets topic "
                        + OffsetsTopic.NAME + " does not exist yet; FindCoordinator creates it"));
        TopicPartition tp = new TopicPartition(OffsetsTopic.NAME,
                OffsetsTopic.partitionFor(groupId, topic.assignment().partitionCount()));
        GroupShard shard = shards.get(tp.partition());
        if (closed || shard == null || shard.status == GroupShard.Status.UNLOADED || !partitions.sessionConnected()) {
            throw notCoordinator(tp, "broker " + config.brokerId() + " does not coordinate group '" + groupId
                    + "' (it is not the leader of " + tp + " right now); find the coordinator again");
        }
        if (shard.status == GroupShard.Status.LOADING) {
            throw new TributaryException(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "broker " + config.brokerId()
                    + " is loading the groups of " + tp + "; retry shortly");
        }
        return shard;
    }

    /**
     * Runs {@code action} on the group under its lock, creating it if asked. A group retired or deleted between the
     * lookup and the lock is looked up again.
     */
    private <T> T withGroup(String groupId, boolean create, Function<ConsumerGroup, T> action) {
        for (int attempt = 0; attempt < MAX_GROUP_LOOKUPS; attempt++) {
            GroupShard shard = shardFor(groupId);
            ConsumerGroup g = create ? shard.groups.computeIfAbsent(groupId, shard::newGroup) : shard.groups.get(groupId);
            if (g == null) {
                return action.apply(null);
            }
            synchronized (g) {
                // Checked under the group's lock: an unload either saw this group or made the shard UNLOADED first.
                if (g.isActive() && shard.status == GroupShard.Status.LOADED) {
                    try {
                        return action.apply(g);
                    } catch (RuntimeException refused) {
                        // A refused call (a commit naming an unknown member, say) must not leave an empty group behind.
                        if (g.retireIfForgettable()) {
                            shard.groups.remove(groupId, g);
                        }
                        throw refused;
                    }
                }
            }
            shard.groups.remove(groupId, g);
        }
        throw new TributaryException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "group '" + groupId
                + "' kept changing under this request; retry");
    }

    /**
     * The first message of a member's membership stream: joins (or resumes) the member and answers through
     * {@code stream} from then on.
     *
     * @return the member id the member speaks under for the rest of the stream
     */
    public String join(RequestContext ctx, JoinGroup join, MemberStream stream) {
        // Kafka's JoinGroup: Read on the group. Topics are authorized where they are read (fetch) and committed.
        authorization.requireGroup(ctx, AclOperation.READ, join.getGroupId());
        String host = ctx.clientHost();
        return withGroup(join.getGroupId(), true, g -> g.join(join, host, stream));
    }

    public void heartbeat(String groupId, String memberId, MemberStream stream) {
        withMember(groupId, g -> g.heartbeat(memberId, stream));
    }

    /** The member has given up the partitions it was asked to revoke and took what it was assigned. */
    public void acknowledge(String groupId, String memberId, MemberStream stream, AssignmentAck ack) {
        withMember(groupId, g -> g.acknowledge(memberId, stream, ack));
    }

    public void changeSubscription(String groupId, String memberId, MemberStream stream, List<String> topics) {
        withMember(groupId, g -> g.changeSubscription(memberId, stream, topics));
    }

    public void rejoin(String groupId, String memberId, MemberStream stream, String reason) {
        withMember(groupId, g -> g.rejoin(memberId, stream, reason));
    }

    public void leave(String groupId, String memberId, MemberStream stream, String reason) {
        withMember(groupId, g -> g.leave(memberId, stream, reason));
    }

    /** Runs a member's stream message on its group. */
    private void withMember(String groupId, Consumer<ConsumerGroup> action) {
        withGroup(groupId, false, g -> {
            if (g == null) {
                throw new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "group '" + groupId
                        + "' has no members any more; join again");
            }
            action.accept(g);
            return null;
        });
    }

    /** Best effort: the stream is gone, so nobody hears about a failure to tell the group. */
    public void streamClosed(String groupId, String memberId, MemberStream stream) {
        try {
            GroupShard shard = shardFor(groupId);
            ConsumerGroup g = shard.groups.get(groupId);
            if (g != null) {
                g.streamClosed(memberId, stream);
            }
        } catch (TributaryException notHereAnyMore) {
            // Unloaded: the new coordinator keeps the member until it resumes or times out.
        }
    }

    // ---- Unary calls ----------------------------------------------------------------------------------------------

    /**
     * Needs Describe on each group; the coordinator is named by its address on the listener the request came in on.
     */
    public FindCoordinatorResponse findCoordinator(RequestContext ctx, FindCoordinatorRequest request) {
        String listener = ctx.listener();
        checkCount(request.getGroupIdsCount());
        ClusterMetadata md = partitions.metadata();
        TopicMetadata topic = md.topic(OffsetsTopic.NAME).orElse(null);
        if (topic == null) {
            topicCreator.createInternal(OffsetsTopic.NAME, config.offsetsTopicNumPartitions(),
                    config.offsetsTopicReplicationFactor(), OffsetsTopic.topicConfigs(config));
        }
        FindCoordinatorResponse.Builder response = FindCoordinatorResponse.newBuilder();
        for (String groupId : request.getGroupIdsList()) {
            CoordinatorResult.Builder r = CoordinatorResult.newBuilder().setGroupId(groupId).setPartition(-1);
            try {
                OffsetsTopic.validateGroupId(groupId);
                authorization.requireGroup(ctx, AclOperation.DESCRIBE, groupId);
                locate(md, topic, groupId, r, listener);
            } catch (TributaryException e) {
                r.setError(ErrorProtos.toProto(e));
            }
            response.addCoordinators(r);
        }
        return response.build();
    }

    private static void locate(ClusterMetadata md, TopicMetadata topic, String groupId, CoordinatorResult.Builder r, String listener) {
        if (topic == null || topic.pendingDeletion()) {
            throw new TributaryException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the offsets topic " + OffsetsTopic.NAME
                    + " is being created; retry shortly");
        }
        int partition = OffsetsTopic.partitionFor(groupId, topic.assignment().partitionCount());
        r.setPartition(partition);
        PartitionMetadata pm = topic.partitions().get(partition);
        BrokerInfo leader = pm == null ? null : md.brokers().get(pm.leader());
        if (leader == null) {
            throw new TributaryException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "partition " + partition + " of "
                    + OffsetsTopic.NAME + " has no live leader right now; retry shortly");
        }
        BrokerNode node = MetadataViews.broker(pm.leader(), leader, listener);
        r.setNode(node);
    }

    private static void checkCount(int groups) {
        if (groups > MAX_GROUPS_PER_REQUEST) {
            throw new TributaryException(ErrorCode.INVALID_REQUEST, "a request may name at most " + MAX_GROUPS_PER_REQUEST
                    + " groups, got " + groups);
        }
    }

    /**
     * Needs Read on the group (or the whole call fails GROUP_AUTHORIZATION_FAILED) and Read on each partition's topic
     * (a partition without it is TOPIC_AUTHORIZATION_FAILED and not committed; the others are).
     */
    public CompletableFuture<CommitOffsetsResponse> commitOffsets(RequestContext ctx, CommitOffsetsRequest request) {
        authorization.requireGroup(ctx, AclOperation.READ, request.getGroupId());
        List<OffsetCommitResult> denied = new ArrayList<>();
        CommitOffsetsRequest.Builder allowed = request.toBuilder().clearOffsets();
        for (OffsetCommit c : request.getOffsetsList()) {
            if (authorization.topic(ctx, AclOperation.READ, c.getTopic())) {
                allowed.addOffsets(c);
            } else {
                denied.add(OffsetCommitResult.newBuilder().setTopic(c.getTopic()).setPartition(c.getPartition())
                        .setError(ErrorProtos.toProto(Authorization.deniedTopic(ctx, AclOperation.READ, c.getTopic()))).build());
            }
        }
        if (denied.isEmpty()) {
            return withGroup(request.getGroupId(), true, g -> g.commit(request));
        }
        if (allowed.getOffsetsCount() == 0) {
            return CompletableFuture.completedFuture(CommitOffsetsResponse.newBuilder().addAllResults(denied).build());
        }
        return withGroup(request.getGroupId(), true, g -> g.commit(allowed.build()))
                .thenApply(r -> r.toBuilder().addAllResults(denied).build());
    }

    /**
     * Needs Describe on the group; partitions of topics the caller may not Describe are left out of an "every
     * partition" answer and reported TOPIC_AUTHORIZATION_FAILED when named.
     */
    public FetchOffsetsResponse fetchOffsets(RequestContext ctx, FetchOffsetsRequest request) {
        authorization.requireGroup(ctx, AclOperation.DESCRIBE, request.getGroupId());
        List<TopicPartition> requested = new ArrayList<>(PartitionSets.fromProto(request.getPartitionsList()));
        FetchOffsetsResponse.Builder response = FetchOffsetsResponse.newBuilder();
        List<TopicPartition> deniedNamed = new ArrayList<>();
        requested.removeIf(tp -> {
            boolean no = !authorization.topic(ctx, AclOperation.DESCRIBE, tp.topic());
            if (no) {
                deniedNamed.add(tp);
            }
            return no;
        });
        for (TopicPartition tp : deniedNamed) {
            response.addOffsets(io.tributary.api.v1.CommittedOffset.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                    .setOffset(-1).setLeaderEpoch(-1).setCommitTimestampMs(-1)
                    .setError(ErrorProtos.toProto(Authorization.deniedTopic(ctx, AclOperation.DESCRIBE, tp.topic()))));
        }
        if (!deniedNamed.isEmpty() && requested.isEmpty()) {
            return response.build();
        }
        withGroup(request.getGroupId(), false, g -> {
            if (g != null) {
                for (io.tributary.api.v1.CommittedOffset o : g.fetchOffsets(requested)) {
                    if (authorization.topic(ctx, AclOperation.DESCRIBE, o.getTopic())) {
                        response.addOffsets(o);
                    }
                }
            } else {
                requested.forEach(tp -> response.addOffsets(io.tributary.api.v1.CommittedOffset.newBuilder()
                        .setTopic(tp.topic()).setPartition(tp.partition()).setOffset(-1).setLeaderEpoch(-1)
                        .setCommitTimestampMs(-1)));
            }
            return null;
        });
        return response.build();
    }

    /** Every group with Describe on the Cluster; otherwise only the groups the caller may Describe. */
    public ListGroupsResponse listGroups(RequestContext ctx, ListGroupsRequest request) {
        boolean all = authorization.cluster(ctx, AclOperation.DESCRIBE);
        Set<String> states = request.getStatesList().stream().map(s -> s.toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        ListGroupsResponse.Builder response = ListGroupsResponse.newBuilder();
        for (GroupShard shard : shards.values()) {
            if (shard.status != GroupShard.Status.LOADED) {
                continue;
            }
            for (ConsumerGroup g : shard.groups.values()) {
                String state;
                synchronized (g) {
                    if (!g.isVisible()) {
                        continue;
                    }
                    state = g.state().label;
                }
                if ((states.isEmpty() || states.contains(state.toLowerCase(Locale.ROOT)))
                        && (all || authorization.group(ctx, AclOperation.DESCRIBE, g.groupId()))) {
                    response.addGroups(GroupListing.newBuilder().setGroupId(g.groupId()).setState(state)
                            .setCoordinatorId(config.brokerId()));
                }
            }
        }
        return response.build();
    }

    /**
     * Every visible group this broker coordinates now, with its committed offsets: the consumer-lag metrics' view,
     * read from memory (no log reads), so a scrape costs one pass over the groups.
     */
    public List<GroupSnapshot> snapshot() {
        List<GroupSnapshot> out = new ArrayList<>();
        for (GroupShard shard : shards.values()) {
            if (shard.status != GroupShard.Status.LOADED) {
                continue;
            }
            for (ConsumerGroup g : shard.groups.values()) {
                GroupSnapshot s = g.snapshot();
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Needs Describe on each group. */
    public DescribeGroupsResponse describeGroups(RequestContext ctx, DescribeGroupsRequest request) {
        checkCount(request.getGroupIdsCount());
        DescribeGroupsResponse.Builder response = DescribeGroupsResponse.newBuilder();
        for (String groupId : request.getGroupIdsList()) {
            GroupDescription d;
            try {
                authorization.requireGroup(ctx, AclOperation.DESCRIBE, groupId);
                d = withGroup(groupId, false, g -> {
                    if (g == null || !g.isVisible()) {
                        throw notFound(groupId);
                    }
                    return g.describe(config.brokerId());
                });
            } catch (TributaryException e) {
                d = GroupDescription.newBuilder().setGroupId(groupId).setError(ErrorProtos.toProto(e))
                        .setState(ConsumerGroup.State.DEAD.label).setGenerationId(-1)
                        .setCoordinatorId(config.brokerId()).build();
            }
            response.addGroups(d);
        }
        return response.build();
    }

    private static TributaryException notFound(String groupId) {
        return new TributaryException(ErrorCode.GROUP_ID_NOT_FOUND, "group '" + groupId
                + "' has neither members nor committed offsets");
    }

    /** Needs Delete on each group. */
    public CompletableFuture<DeleteGroupsResponse> deleteGroups(RequestContext ctx, DeleteGroupsRequest request) {
        checkCount(request.getGroupIdsCount());
        List<CompletableFuture<GroupResult>> results = new ArrayList<>();
        for (String groupId : request.getGroupIdsList()) {
            CompletableFuture<GroupResult> result;
            try {
                authorization.requireGroup(ctx, AclOperation.DELETE, groupId);
                result = withGroup(groupId, false, g -> {
                    if (g == null || !g.isVisible()) {
                        throw notFound(groupId);
                    }
                    CompletableFuture<Void> written = g.delete();
                    shardFor(groupId).groups.remove(groupId, g);
                    return written;
                }).handle((ok, failure) -> result(groupId, failure));
            } catch (TributaryException e) {
                result = CompletableFuture.completedFuture(result(groupId, e));
            }
            results.add(result);
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DeleteGroupsResponse.Builder response = DeleteGroupsResponse.newBuilder();
            results.forEach(r -> response.addGroups(r.join()));
            return response.build();
        });
    }

    private static GroupResult result(String groupId, Throwable failure) {
        GroupResult.Builder r = GroupResult.newBuilder().setGroupId(groupId);
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            r.setError(ErrorProtos.toProto(cause));
        }
        return r.build();
    }

    /** Ends every member stream with NOT_COORDINATOR so shutdown never waits on them; stops the threads. */
    @Override
    public void close() {
        closed = true;
        synchronized (roleLock) {
            for (GroupShard shard : List.copyOf(shards.values())) {
                unload(shard, "broker " + config.brokerId() + " is shutting down");
            }
        }
        timer.shutdownNow();
        loader.shutdownNow();
        callbackPool.shutdown();
    }
}
