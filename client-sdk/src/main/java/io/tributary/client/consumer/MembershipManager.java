package io.tributary.client.consumer;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.AssignmentAck;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.JoinGroup;
import io.tributary.api.v1.LeaveGroup;
import io.tributary.api.v1.MembershipRequest;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.api.v1.Rejoin;
import io.tributary.api.v1.SubscriptionChange;
import io.tributary.client.Node;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.GroupsClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The background half of a consumer's group membership: one {@code Groups.Membership} stream to the coordinator,
 * heartbeats, reconnection, and the max.poll.interval.ms watchdog. It never touches partitions: assignments and
 * losses are queued as {@link Event}s for the consumer's thread, which applies them inside poll() (listener callbacks
 * run there) and reports back with {@link #acknowledge}.
 *
 * <p>How it reacts to the stream ending (the coordinator ends it with a status when the member must act):
 * <ul>
 *   <li>NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, an unreachable broker, a timeout, or
 *       an end without a status: look the coordinator up again and resume after a bounded, growing backoff with the
 *       same member id, the generation last acknowledged and the partitions owned. The consumer keeps fetching its
 *       partitions meanwhile.</li>
 *   <li>No message from the coordinator for the session timeout: the stream is treated as dead (cancelled) and
 *       resumed as above.</li>
 *   <li>UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION: the member was removed; {@link Lost} (not fatal). The member id is
 *       dropped and nothing reconnects until the consumer thread has reported the loss and calls {@link #rejoin}.</li>
 *   <li>FENCED_INSTANCE_ID: {@link Lost} with a {@link FencedInstanceIdException}, fatal: no rejoin.</li>
 *   <li>Any other non-retriable error (INCONSISTENT_GROUP_PROTOCOL, GROUP_MAX_SIZE_REACHED, INVALID_SESSION_TIMEOUT,
 *       INVALID_GROUP_ID, UNSUPPORTED_VERSION, authorization): {@link Lost}, fatal.</li>
 * </ul>
 * If poll() is not called for max.poll.interval.ms, a dynamic member sends LeaveGroup (a static one just drops the
 * stream, keeping its instance id) and a non-fatal {@link Lost} is queued: the next poll() reports the partitions lost
 * and rejoins as a new member, as Kafka does.
 *
 * <p>Threads: all mutable state below is confined to one single-thread scheduler, the membership thread. gRPC
 * callbacks and the consumer's thread only hand work to it; the consumer's thread reads what it publishes
 * ({@link #identity()}, the event queue, {@link #lastPollMs}) through thread-safe holders.
 */
final class MembershipManager {
    private static final Logger log = LoggerFactory.getLogger(MembershipManager.class);
    /** Upper bound on the wait between reconnection attempts, so a recovered coordinator is found within seconds. */
    static final long RECONNECT_BACKOFF_MAX_MS = 2_000;
    /** How often the watchdog looks for a silent coordinator and an overdue poll(). */
    static final long WATCHDOG_PERIOD_MS = 100;
    private static final long NO_REBALANCE = Long.MIN_VALUE;

    /** Something the consumer's thread must apply, in queue order. */
    sealed interface Event permits Assigned, Lost {
    }

    /**
     * The coordinator's latest assignment: the member must own exactly {@code partitions} from now on.
     * {@code rebalanceStartNanos} ({@link System#nanoTime()}) is when this member learned of the rebalance that
     * produced it, for the rebalance latency.
     */
    record Assigned(int incarnation, String memberId, int generation, String assignor, Set<TopicPartition> partitions,
                    Set<TopicPartition> pending, long rebalanceStartNanos) implements Event {
    }

    /** The member's partitions are gone (already given to others); {@code fatal} means: do not rejoin, throw {@code cause}. */
    record Lost(TributaryException cause, boolean fatal) implements Event {
    }

    /**
     * Who the member is now, as commits must say it: the member id and the generation of the latest Assignment
     * received (not the group generation of Joined: a member whose share did not change keeps its generation).
     * ("", -1) outside the group.
     */
    record Identity(String memberId, int generation) {
        static final Identity NONE = new Identity("", -1);
    }

    /** What the member sends when it joins; fixed for the consumer's life. */
    record Settings(String groupId, Optional<String> groupInstanceId, String clientId, List<String> assignors,
                    int sessionTimeoutMs, int heartbeatIntervalMs, int maxPollIntervalMs, long retryBackoffMs,
                    long requestTimeoutMs) {
    }

    private enum Phase {
        /** Not in a group: before the first join, and after leave(). */
        IDLE,
        /** Member (or joining): keeps a stream open, reconnecting when it breaks. */
        ACTIVE,
        /** Removed by the coordinator; waits for the consumer thread to report the loss and call rejoin(). */
        AWAITING_REJOIN,
        /** Ending the stream on purpose (leave, unsubscribe, close). */
        LEAVING,
        /** Fatal error or closed: nothing more happens. */
        STOPPED
    }

    private final Settings settings;
    private final GroupsClient groups;
    private final ChannelPool channels;
    private final Runnable wakeConsumer;
    private final ScheduledExecutorService thread;
    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Identity> identity = new AtomicReference<>(Identity.NONE);
    /** Written by the consumer's thread on every poll() loop, read by the watchdog. */
    private volatile long lastPollMs = System.currentTimeMillis();

    // ---- membership thread only ----
    private Phase phase = Phase.IDLE;
    /** Bumped whenever the member id is dropped, so acknowledgements of an older membership are ignored. */
    private int incarnation;
    private String memberId = "";
    private int ackedGeneration = -1;
    /** Generation of the latest Assignment received in this membership; -1 before the first. */
    private int assignedGeneration = -1;
    private Set<TopicPartition> owned = Set.of();
    private List<String> topics = List.of();
    private Stream stream;
    private long sessionTimeoutMs;
    private long heartbeatIntervalMs;
    private int reconnectAttempts;
    private ScheduledFuture<?> heartbeatTask;
    private ScheduledFuture<?> reconnectTask;
    private CompletableFuture<Void> leaveDone;
    /**
     * When this member learned that a rebalance is under way and no Assignment has arrived since ({@link System#nanoTime()});
     * {@link #NO_REBALANCE} otherwise.
     */
    private long rebalanceStartNanos = NO_REBALANCE;

    MembershipManager(Settings settings, GroupsClient groups, ChannelPool channels, Runnable wakeConsumer) {
        this.settings = settings;
        this.groups = groups;
        this.channels = channels;
        this.wakeConsumer = wakeConsumer;
        this.sessionTimeoutMs = settings.sessionTimeoutMs();
        this.heartbeatIntervalMs = settings.heartbeatIntervalMs();
        this.thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("tributary-consumer-membership-" + settings.clientId()));
        thread.scheduleWithFixedDelay(this::watchdog, WATCHDOG_PERIOD_MS, WATCHDOG_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    // ---- called from the consumer's thread ----

    /** Joins the group with these topics (or resumes joining after a loss); no-op when already active. */
    void join(List<String> subscribedTopics) {
        lastPollMs = System.currentTimeMillis();
        run(() -> {
            topics = List.copyOf(subscribedTopics);
            if (phase == Phase.IDLE || phase == Phase.AWAITING_REJOIN) {
                phase = Phase.ACTIVE;
                reconnectAttempts = 0;
                connect();
            }
        });
    }

    /** After the consumer thread reported a non-fatal loss: join again as a new member. */
    void rejoin() {
        lastPollMs = System.currentTimeMillis();
        run(() -> {
            if (phase == Phase.AWAITING_REJOIN) {
                phase = Phase.ACTIVE;
                reconnectAttempts = 0;
                connect();
            }
        });
    }

    void changeSubscription(List<String> subscribedTopics) {
        run(() -> {
            topics = List.copyOf(subscribedTopics);
            if (stream != null) {
                rebalanceStarted();
                stream.send(MembershipRequest.newBuilder().setSubscription(SubscriptionChange.newBuilder().addAllTopics(topics)).build());
            }
        });
    }

    /** The consumer applied the assignment of {@code generation} and now owns exactly {@code ownedNow}. */
    void acknowledge(int ofIncarnation, int generation, Set<TopicPartition> ownedNow) {
        Set<TopicPartition> copy = Set.copyOf(ownedNow);
        run(() -> {
            if (ofIncarnation != incarnation || phase != Phase.ACTIVE) {
                return; // an acknowledgement of a membership that was lost meanwhile: the loss is queued behind it
            }
            ackedGeneration = generation;
            owned = copy;
            if (stream != null) {
                stream.send(MembershipRequest.newBuilder().setAck(AssignmentAck.newBuilder().setGenerationId(generation)
                        .addAllOwned(GroupsClient.byTopic(copy))).build());
            }
        });
    }

    /** Asks for a new assignment round (KafkaConsumer.enforceRebalance). */
    void requestRejoin(String reason) {
        run(() -> {
            if (stream != null) {
                rebalanceStarted();
                stream.send(MembershipRequest.newBuilder().setRejoin(Rejoin.newBuilder().setReason(reason)).build());
            }
        });
    }

    void recordPoll(long nowMs) {
        lastPollMs = nowMs;
    }

    Identity identity() {
        return identity.get();
    }

    /** Every queued event, oldest first. */
    List<Event> drainEvents() {
        List<Event> out = new ArrayList<>();
        Event e;
        while ((e = events.poll()) != null) {
            out.add(e);
        }
        return out;
    }

    /**
     * Ends the membership: a dynamic member sends LeaveGroup and waits (up to {@code timeoutMs}, at most
     * request.timeout.ms) for the coordinator to close the stream; a static member only drops the stream, so a restart within the session timeout takes its
     * place. Afterwards the manager is idle and {@link #join} starts a new membership.
     */
    void leave(String reason, long timeoutMs) {
        // The coordinator answers a LeaveGroup by closing the stream at once; one that does not is unreachable.
        timeoutMs = Math.min(timeoutMs, settings.requestTimeoutMs());
        CompletableFuture<Void> done = call(() -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            cancelReconnect();
            if (phase == Phase.STOPPED) {
                f.complete(null);
                return f;
            }
            if (stream == null) {
                resetMembership(Phase.IDLE);
                f.complete(null);
                return f;
            }
            if (settings.groupInstanceId().isPresent()) {
                endStream("static member " + settings.groupInstanceId().get() + " stops without leaving: " + reason);
                resetMembership(Phase.IDLE);
                f.complete(null);
                return f;
            }
            phase = Phase.LEAVING;
            leaveDone = f;
            stream.send(MembershipRequest.newBuilder().setLeave(LeaveGroup.newBuilder().setReason(reason)).build());
            stream.halfClose();
            return f;
        }, timeoutMs);
        if (done != null) {
            try {
                done.get(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                log.warn("group {}: the coordinator did not end the membership within {} ms; dropping the stream", settings.groupId(), timeoutMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                log.debug("leaving group {} failed: {}", settings.groupId(), e.getCause().toString());
            }
        }
        run(() -> {
            if (phase == Phase.LEAVING) {
                endStream("left the group");
                resetMembership(Phase.IDLE);
            }
        });
    }

    /** Stops everything; call after {@link #leave} when a leave is wanted. */
    void close() {
        run(() -> {
            phase = Phase.STOPPED;
            endStream("consumer closed");
            cancelReconnect();
        });
        thread.shutdown();
        try {
            if (!thread.awaitTermination(1, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---- membership thread ----

    private void connect() {
        reconnectTask = null;
        if (phase != Phase.ACTIVE || stream != null) {
            return;
        }
        Node coordinator;
        try {
            coordinator = groups.coordinator(settings.groupId(), System.currentTimeMillis() + settings.requestTimeoutMs());
        } catch (TributaryException e) {
            if (e.retriable()) {
                log.debug("group {}: no coordinator yet ({}); retrying", settings.groupId(), e.getMessage());
                scheduleReconnect();
            } else {
                lose(e, true);
            }
            return;
        } catch (RuntimeException e) {
            lose(Errors.fromThrowable(e), true);
            return;
        }
        Stream s = new Stream(coordinator);
        stream = s;
        try {
            GroupsGrpc.newStub(channels.channel(coordinator)).membership(s);
        } catch (RuntimeException e) {
            stream = null;
            log.debug("group {}: opening the membership stream to {} failed: {}", settings.groupId(), coordinator, e.toString());
            scheduleReconnect();
            return;
        }
        JoinGroup.Builder join = JoinGroup.newBuilder().setGroupId(settings.groupId()).setMemberId(memberId)
                .setGroupInstanceId(settings.groupInstanceId().orElse("")).setClientId(settings.clientId())
                .addAllTopics(topics).addAllAssignors(settings.assignors()).setSessionTimeoutMs(settings.sessionTimeoutMs())
                .setRebalanceTimeoutMs(settings.maxPollIntervalMs()).setGenerationId(ackedGeneration)
                .addAllOwned(GroupsClient.byTopic(owned));
        log.debug("group {}: joining via coordinator {} as member '{}' (generation {}, owning {})", settings.groupId(), coordinator,
                memberId, ackedGeneration, owned);
        if (memberId.isEmpty()) {
            rebalanceStarted(); // a new member's join starts the rebalance that gives it its first assignment
        }
        s.send(MembershipRequest.newBuilder().setJoin(join).build());
    }

    private void onResponse(Stream s, MembershipResponse response) {
        if (s != stream) {
            return; // a stream this member already gave up
        }
        switch (response.getKindCase()) {
            case JOINED -> {
                var joined = response.getJoined();
                memberId = joined.getMemberId();
                if (joined.getSessionTimeoutMs() > 0) {
                    sessionTimeoutMs = joined.getSessionTimeoutMs();
                }
                heartbeatIntervalMs = joined.getHeartbeatIntervalMs() > 0 ? joined.getHeartbeatIntervalMs() : settings.heartbeatIntervalMs();
                identity.set(new Identity(memberId, assignedGeneration));
                reconnectAttempts = 0;
                scheduleHeartbeats();
                log.info("group {}: joined as member {} (generation {}, coordinator {})", settings.groupId(), memberId,
                        joined.getGenerationId(), s.coordinator);
            }
            case ASSIGNMENT -> {
                var a = response.getAssignment();
                assignedGeneration = a.getGenerationId();
                identity.set(new Identity(memberId, assignedGeneration));
                long startNanos = rebalanceStartNanos != NO_REBALANCE ? rebalanceStartNanos : System.nanoTime();
                rebalanceStartNanos = NO_REBALANCE;
                events.add(new Assigned(incarnation, memberId, a.getGenerationId(), a.getAssignor(),
                        GroupsClient.fromTopics(a.getPartitionsList()), GroupsClient.fromTopics(a.getPendingList()), startNanos));
                wakeConsumer.run();
            }
            case HEARTBEAT_ACK -> {
                if (response.getHeartbeatAck().getRebalancing()) {
                    rebalanceStarted();
                    wakeConsumer.run();
                } else {
                    // Stable: every member owns its target, so nothing is on its way to this one.
                    rebalanceStartNanos = NO_REBALANCE;
                }
            }
            default -> log.debug("group {}: ignoring an unknown membership message {}", settings.groupId(), response.getKindCase());
        }
    }

    private void onStreamEnd(Stream s, Throwable error) {
        if (s != stream) {
            return;
        }
        stream = null;
        cancelHeartbeats();
        if (phase == Phase.LEAVING) {
            resetMembership(Phase.IDLE);
            if (leaveDone != null) {
                leaveDone.complete(null);
            }
            return;
        }
        if (phase != Phase.ACTIVE) {
            return;
        }
        TributaryException e = error == null
                ? new TributaryException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the coordinator " + s.coordinator + " ended the membership stream")
                : Errors.fromThrowable(error);
        ErrorCode code = e.error();
        switch (code) {
            case UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION -> {
                log.warn("group {}: member {} was removed by the coordinator ({}); its partitions are lost, it will rejoin",
                        settings.groupId(), memberId, e.getMessage());
                lose(e, false);
            }
            case FENCED_INSTANCE_ID -> {
                log.error("group {}: group.instance.id {} was taken by another consumer; this one is fenced", settings.groupId(),
                        settings.groupInstanceId().orElse(""));
                lose(new FencedInstanceIdException("group.instance.id " + settings.groupInstanceId().orElse("")
                        + " of group " + settings.groupId() + " was taken by another consumer: " + e.getMessage()), true);
            }
            default -> {
                if (e.retriable()) {
                    log.info("group {}: membership stream to {} ended ({}); finding the coordinator again", settings.groupId(),
                            s.coordinator, e.getMessage());
                    groups.invalidateCoordinator(settings.groupId());
                    scheduleReconnect();
                } else {
                    log.error("group {}: the coordinator refused the membership: {}", settings.groupId(), e.getMessage());
                    lose(e, true);
                }
            }
        }
    }

    /** Drops the member id and tells the consumer thread its partitions are gone. */
    private void lose(TributaryException cause, boolean fatal) {
        endStream("membership lost");
        resetMembership(fatal ? Phase.STOPPED : Phase.AWAITING_REJOIN);
        events.add(new Lost(cause, fatal));
        wakeConsumer.run();
    }

    private void resetMembership(Phase next) {
        cancelHeartbeats();
        cancelReconnect();
        incarnation++;
        memberId = "";
        ackedGeneration = -1;
        assignedGeneration = -1;
        owned = Set.of();
        identity.set(Identity.NONE);
        rebalanceStartNanos = NO_REBALANCE;
        phase = next;
    }

    /** This member learned that a rebalance is under way; the earliest such moment since the last Assignment counts. */
    private void rebalanceStarted() {
        if (rebalanceStartNanos == NO_REBALANCE) {
            rebalanceStartNanos = System.nanoTime();
        }
    }

    private void watchdog() {
        long now = System.currentTimeMillis();
        Stream s = stream;
        if (s != null && phase == Phase.ACTIVE && now - s.lastReceivedMs > sessionTimeoutMs) {
            log.warn("group {}: no message from coordinator {} for {} ms (session timeout); reconnecting", settings.groupId(),
                    s.coordinator, now - s.lastReceivedMs);
            endStream("coordinator silent for the session timeout");
            groups.invalidateCoordinator(settings.groupId());
            scheduleReconnect();
            return;
        }
        if (phase == Phase.ACTIVE && now - lastPollMs > settings.maxPollIntervalMs()) {
            log.warn("group {}: consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer "
                    + "than the configured max.poll.interval.ms ({} ms), which typically implies that the poll loop is spending too "
                    + "much time processing messages. {} the group; the next poll() rejoins. You can address this either by "
                    + "increasing max.poll.interval.ms or by reducing the maximum size of batches returned in poll() with "
                    + "max.poll.records.", settings.groupId(), settings.maxPollIntervalMs(),
                    settings.groupInstanceId().isEmpty() ? "Leaving" : "Dropping out of");
            if (s != null && settings.groupInstanceId().isEmpty()) {
                s.send(MembershipRequest.newBuilder().setLeave(LeaveGroup.newBuilder()
                        .setReason("consumer poll timeout has expired (max.poll.interval.ms)")).build());
                s.halfClose();
                stream = null; // the coordinator closes it; its end no longer concerns this membership
                // Bounded: a coordinator that never closes it must not leave the call open for good.
                thread.schedule(() -> s.cancel("left the group after the poll timeout"), settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
            }
            lose(new TributaryException(ErrorCode.UNKNOWN_MEMBER_ID, "poll() was not called within max.poll.interval.ms ("
                    + settings.maxPollIntervalMs() + " ms); the member left the group"), false);
        }
    }

    private void scheduleHeartbeats() {
        cancelHeartbeats();
        heartbeatTask = thread.scheduleAtFixedRate(() -> {
            if (stream != null && phase == Phase.ACTIVE) {
                stream.send(MembershipRequest.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
            }
        }, heartbeatIntervalMs, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
    }

    private void cancelHeartbeats() {
        if (heartbeatTask != null) {
            heartbeatTask.cancel(false);
            heartbeatTask = null;
        }
    }

    private void scheduleReconnect() {
        if (reconnectTask != null || phase != Phase.ACTIVE) {
            return;
        }
        long base = Math.min(RECONNECT_BACKOFF_MAX_MS, Math.max(1, settings.retryBackoffMs()) << Math.min(reconnectAttempts, 16));
        // Jitter keeps the members of a group from reconnecting to a recovering coordinator in lockstep.
        long delay = Math.max(1, (long) (base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
        reconnectAttempts++;
        reconnectTask = thread.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void cancelReconnect() {
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
            reconnectTask = null;
        }
    }

    private void endStream(String why) {
        Stream s = stream;
        stream = null;
        cancelHeartbeats();
        if (s != null) {
            s.cancel(why);
        }
    }

    /** Runs a task on the membership thread; after close() there is nothing left to do, so it is dropped. */
    private void run(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("group {}: membership task failed", settings.groupId(), e);
                }
            });
        } catch (RejectedExecutionException closed) {
            // closed: nothing to do
        }
    }

    /** Runs a task on the membership thread and waits (bounded) for its result; null when closed or timed out. */
    private <T> T call(java.util.concurrent.Callable<T> task, long timeoutMs) {
        try {
            return thread.submit(task).get(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | TimeoutException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** One membership stream. Its callbacks run on gRPC threads and only hand the work to the membership thread. */
    private final class Stream implements ClientResponseObserver<MembershipRequest, MembershipResponse> {
        final Node coordinator;
        volatile long lastReceivedMs = System.currentTimeMillis();
        private ClientCallStreamObserver<MembershipRequest> requests;
        private boolean ended;

        Stream(Node coordinator) {
            this.coordinator = coordinator;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<MembershipRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(MembershipResponse value) {
            lastReceivedMs = System.currentTimeMillis();
            run(() -> onResponse(this, value));
        }

        @Override
        public void onError(Throwable t) {
            run(() -> onStreamEnd(this, t));
        }

        @Override
        public void onCompleted() {
            run(() -> onStreamEnd(this, null));
        }

        /** Membership thread only. Messages are a few bytes and at most one per heartbeat, so no flow control is needed. */
        void send(MembershipRequest request) {
            if (ended) {
                return;
            }
            try {
                requests.onNext(request);
            } catch (RuntimeException e) {
                // The call already failed; its onError is on its way and decides what happens next.
                log.debug("group {}: sending on the membership stream failed: {}", settings.groupId(), e.toString());
            }
        }

        void halfClose() {
            if (!ended) {
                ended = true;
                try {
                    requests.onCompleted();
                } catch (RuntimeException ignored) {
                    // Already failed: nothing to close.
                }
            }
        }

        void cancel(String why) {
            ended = true;
            requests.cancel(why, null);
        }
    }
}
