package io.tributary.client.consumer;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.util.DaemonThreads;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.client.TributaryTimeoutException;
import io.tributary.client.config.ConsumerConfig;
import io.tributary.client.internal.ChannelPool;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.GroupsClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The consumer-thread half of a consumer's group: the subscription, applying the coordinator's assignments and
 * losses that {@link MembershipManager} queues (listener callbacks run here, inside poll()), commits and auto-commit,
 * and committed offsets as starting positions.
 *
 * <p>Commits go through one commit thread, first in first out, so a later commit can never be overtaken by an
 * earlier one (the broker may run two unary calls concurrently); commitSync waits for its own commit, bounded by its
 * timeout; commitAsync callbacks are handed back and run on the consumer's thread in commit order.
 *
 * <p>It also counts this member's rebalances and times them and the commits, in the consumer's metrics.
 *
 * <p>Not thread-safe: called by the consumer's thread only, under {@link TributaryConsumer}'s single-thread guard.
 */
final class ConsumerCoordinator {
    private static final Logger log = LoggerFactory.getLogger(ConsumerCoordinator.class);
    /**
     * commitSync waits this much beyond its timeout: the commit thread stops the commit at the deadline itself, and
     * this covers handing the outcome back (and commits queued ahead of it finishing at their own deadlines).
     */
    private static final long COMMIT_WAIT_GRACE_MS = 1_000;

    /** What the coordinator needs of the consumer's partition state. Called on the consumer's thread. */
    interface Partitions {
        /** The partitions the consumer owns now. */
        Set<TopicPartition> owned();

        /** Starts owning these; their positions come from committed offsets (or auto.offset.reset) unless sought. */
        void add(Collection<TopicPartition> partitions);

        /** Stops fetching these and discards their buffered records: poll() will never return them again. */
        void remove(Collection<TopicPartition> partitions);

        /** The positions of these partitions (those that have one), as offsets to commit. */
        Map<TopicPartition, OffsetAndMetadata> consumed(Collection<TopicPartition> partitions);
    }

    /** A completed asynchronous commit whose callback is still to run. */
    private record Completion(OffsetCommitCallback callback, Map<TopicPartition, OffsetAndMetadata> offsets, Exception error) {
    }

    private final ConsumerConfig config;
    private final String groupId;
    private final String clientId;
    private final GroupsClient groups;
    private final ChannelPool channels;
    private final Partitions partitions;
    private final Supplier<Set<String>> allTopics;
    private final Runnable wakeConsumer;
    private final ConsumerMetrics metrics;
    private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
    private MembershipManager membership;
    private ExecutorService committer;

    private Set<String> topics;
    private Pattern pattern;
    private ConsumerRebalanceListener listener;
    private boolean joinRequested;
    private long nextPatternCheckMs;
    private long nextAutoCommitMs;
    private CompletableFuture<?> autoCommitInFlight;
    private RuntimeException fatal;
    /** The Assignment applied last, to recognise the unchanged one a resumed stream re-sends. */
    private int appliedIncarnation = -1;
    private int appliedGeneration = -1;

    ConsumerCoordinator(ConsumerConfig config, String clientId, GroupsClient groups, ChannelPool channels, Partitions partitions,
                        Supplier<Set<String>> allTopics, Runnable wakeConsumer, ConsumerMetrics metrics) {
        this.config = config;
        this.groupId = config.groupId().orElseThrow();
        this.clientId = clientId;
        this.groups = groups;
        this.channels = channels;
        this.partitions = partitions;
        this.allTopics = allTopics;
        this.wakeConsumer = wakeConsumer;
        this.metrics = metrics;
        this.nextAutoCommitMs = System.currentTimeMillis() + config.autoCommitIntervalMs();
    }

    String groupId() {
        return groupId;
    }

    boolean subscribed() {
        return topics != null || pattern != null;
    }

    /** The subscribed topics: as given, or the pattern's matches as last resolved. */
    Set<String> subscription() {
        return topics == null ? Set.of() : Set.copyOf(topics);
    }

    void subscribe(Collection<String> newTopics, ConsumerRebalanceListener newListener) {
        pattern = null;
        listener = newListener;
        updateTopics(new TreeSet<>(newTopics));
    }

    void subscribe(Pattern newPattern, ConsumerRebalanceListener newListener) {
        pattern = newPattern;
        listener = newListener;
        topics = null;
        nextPatternCheckMs = 0; // resolved by the next poll(), which also joins
        if (joinRequested) {
            resolvePattern(System.currentTimeMillis());
        }
    }

    /** Gives every partition up (committing first with auto-commit) and leaves the group. */
    void unsubscribe() {
        if (!subscribed()) {
            return;
        }
        RuntimeException error = revokeAll("unsubscribe", System.currentTimeMillis() + revocationCommitTimeoutMs());
        if (membership != null) {
            membership.leave("the consumer unsubscribed", config.defaultApiTimeoutMs());
            membership.drainEvents();
        }
        topics = null;
        pattern = null;
        listener = null;
        joinRequested = false;
        appliedGeneration = -1;
        if (error != null) {
            throw error;
        }
    }

    /**
     * Called at the top of every poll() loop: joins if needed, applies queued assignments and losses (running the
     * listener), re-resolves a pattern subscription when due, auto-commits when due, and runs finished commitAsync
     * callbacks.
     *
     * @throws FencedInstanceIdException (and other fatal membership errors) once the membership failed for good
     */
    void poll(long nowMs) {
        invokeCompletedCallbacks();
        if (fatal != null) {
            throw fatal;
        }
        if (subscribed()) {
            membership().recordPoll(nowMs);
            if (pattern != null && nowMs >= nextPatternCheckMs) {
                resolvePattern(nowMs);
            }
            if (!joinRequested) {
                joinRequested = true;
                membership().join(List.copyOf(topics));
            }
            RuntimeException listenerError = applyMembershipEvents();
            if (fatal != null) {
                throw fatal;
            }
            if (listenerError != null) {
                throw listenerError;
            }
        }
        maybeAutoCommit(nowMs);
    }

    /** Asks the coordinator for a new assignment round. */
    void enforceRebalance(String reason) {
        if (!subscribed()) {
            throw new IllegalStateException("Tried to force a rebalance but consumer does not have a group subscription (call subscribe() first)");
        }
        if (joinRequested) {
            membership().requestRejoin(reason == null || reason.isEmpty() ? "enforceRebalance() called by the application" : reason);
        }
    }

    ConsumerGroupMetadata groupMetadata() {
        MembershipManager.Identity id = membership == null ? MembershipManager.Identity.NONE : membership.identity();
        return new ConsumerGroupMetadata(groupId, id.generation(), id.memberId(), config.groupInstanceId());
    }

    // ---- commits ----

    /**
     * Commits and waits, retrying retriable failures within {@code timeoutMs}.
     *
     * @throws CommitFailedException when the coordinator says this member or generation is gone
     * @throws TributaryTimeoutException when the commit did not complete in time
     */
    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, long timeoutMs) {
        invokeCompletedCallbacks();
        if (offsets.isEmpty()) {
            return;
        }
        long deadline = System.currentTimeMillis() + timeoutMs;
        CompletableFuture<Void> f = submitCommit(Map.copyOf(offsets), deadline);
        try {
            f.get(Math.max(1, timeoutMs) + COMMIT_WAIT_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TributaryTimeoutException("commitSync did not complete within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            throw new io.tributary.client.InterruptException("interrupted in commitSync", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : Errors.fromThrowable(e.getCause());
        } finally {
            invokeCompletedCallbacks();
        }
    }

    /** Commits in the background; {@code callback} (may be null) runs on the consumer's thread in a later call. */
    void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
        if (copy.isEmpty()) {
            if (callback != null) {
                completions.add(new Completion(callback, copy, null));
            }
            return;
        }
        submitCommit(copy, System.currentTimeMillis() + config.requestTimeoutMs()).whenComplete((ok, error) -> {
            Exception e = error == null ? null : asyncError(error instanceof java.util.concurrent.CompletionException c ? c.getCause() : error);
            if (e != null && callback == null) {
                log.warn("group {}: asynchronous offset commit failed: {}", groupId, e.getMessage());
            }
            if (callback != null) {
                completions.add(new Completion(callback, copy, e));
                wakeConsumer.run();
            }
        });
    }

    /** Committed offsets; partitions without one map to null (as in Kafka). */
    Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> tps, long timeoutMs) {
        Map<TopicPartition, CommittedOffset> found = groups.fetchOffsets(groupId, tps, System.currentTimeMillis() + timeoutMs);
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : tps) {
            CommittedOffset c = found.get(tp);
            out.put(tp, c == null ? null : toOffsetAndMetadata(c));
        }
        return out;
    }

    static OffsetAndMetadata toOffsetAndMetadata(CommittedOffset c) {
        return new OffsetAndMetadata(c.getOffset(), c.getLeaderEpoch() >= 0 ? Optional.of(c.getLeaderEpoch()) : Optional.empty(), c.getMetadata());
    }

    /** Runs the callbacks of finished commitAsync calls, oldest first. */
    void invokeCompletedCallbacks() {
        Completion c;
        while ((c = completions.poll()) != null) {
            try {
                c.callback().onComplete(c.offsets(), c.error());
            } catch (RuntimeException e) {
                log.error("group {}: an offset commit callback threw", groupId, e);
            }
        }
    }

    /**
     * Commits what was consumed (with auto-commit), gives the partitions up (onPartitionsRevoked), leaves the group
     * (dynamic members) and stops the background threads, all within {@code timeoutMs}.
     */
    void close(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        try {
            if (subscribed()) {
                RuntimeException error = revokeAll("close", Math.min(deadline, System.currentTimeMillis() + revocationCommitTimeoutMs()));
                if (error != null) {
                    log.warn("group {}: the rebalance listener threw while closing: {}", groupId, error.toString());
                }
            } else if (config.autoCommitEnabled()) {
                commitQuietly(partitions.consumed(partitions.owned()), deadline, "close");
            }
            if (membership != null) {
                membership.leave("the consumer is being closed", Math.max(1, deadline - System.currentTimeMillis()));
            }
            if (committer != null) {
                committer.shutdown();
                committer.awaitTermination(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            }
            invokeCompletedCallbacks();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (committer != null) {
                committer.shutdownNow();
            }
            if (membership != null) {
                membership.close();
            }
        }
    }

    /** Positions for newly owned partitions: their committed offsets (the rest have none). */
    Map<TopicPartition, OffsetAndMetadata> fetchCommitted(Collection<TopicPartition> tps, long timeoutMs) {
        Map<TopicPartition, CommittedOffset> found = groups.fetchOffsets(groupId, tps, System.currentTimeMillis() + timeoutMs);
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        found.forEach((tp, c) -> out.put(tp, toOffsetAndMetadata(c)));
        return out;
    }

    // ---- internals ----

    private MembershipManager membership() {
        if (membership == null) {
            membership = new MembershipManager(new MembershipManager.Settings(groupId, config.groupInstanceId(), clientId,
                    config.assignors(), config.sessionTimeoutMs(), config.heartbeatIntervalMs(), config.maxPollIntervalMs(),
                    config.retryBackoffMs(), config.requestTimeoutMs()), groups, channels, wakeConsumer);
        }
        return membership;
    }

    private void updateTopics(Set<String> newTopics) {
        if (newTopics.equals(topics)) {
            return;
        }
        topics = newTopics;
        if (joinRequested) {
            membership().changeSubscription(List.copyOf(newTopics));
        }
    }

    private void resolvePattern(long nowMs) {
        nextPatternCheckMs = nowMs + config.metadataMaxAgeMs();
        Set<String> matching = new TreeSet<>();
        try {
            for (String t : allTopics.get()) {
                if (pattern.matcher(t).matches()) {
                    matching.add(t);
                }
            }
        } catch (TributaryException e) {
            // Keep the last resolution and try again after the backoff rather than failing poll().
            log.warn("group {}: could not list topics to match pattern {}: {}", groupId, pattern, e.getMessage());
            nextPatternCheckMs = nowMs + config.retryBackoffMs();
            if (topics == null) {
                topics = new TreeSet<>();
            }
            return;
        }
        if (!matching.equals(topics)) {
            log.info("group {}: pattern {} now matches {}", groupId, pattern, matching);
        }
        updateTopics(matching);
    }

    /** Applies the queued events in order; an Assignment followed by another is superseded by it. */
    private RuntimeException applyMembershipEvents() {
        List<MembershipManager.Event> events = membership().drainEvents();
        RuntimeException listenerError = null;
        Long supersededStartNanos = null;
        for (int i = 0; i < events.size(); i++) {
            MembershipManager.Event e = events.get(i);
            if (e instanceof MembershipManager.Assigned a) {
                long startNanos = supersededStartNanos != null && supersededStartNanos - a.rebalanceStartNanos() < 0
                        ? supersededStartNanos : a.rebalanceStartNanos();
                if (i + 1 < events.size() && events.get(i + 1) instanceof MembershipManager.Assigned) {
                    supersededStartNanos = startNanos; // the rebalance the next one completes began with this one
                    continue; // each Assignment is the whole target: only the latest matters
                }
                supersededStartNanos = null;
                listenerError = first(listenerError, apply(a, startNanos));
            } else if (e instanceof MembershipManager.Lost l) {
                listenerError = first(listenerError, loseAll(l));
                if (l.fatal()) {
                    fatal = l.cause();
                } else {
                    membership().rejoin();
                }
            }
        }
        return listenerError;
    }

    /** @param rebalanceStartNanos when the rebalance this assignment completes began, for the rebalance latency */
    private RuntimeException apply(MembershipManager.Assigned a, long rebalanceStartNanos) {
        Set<TopicPartition> owned = partitions.owned();
        if (a.incarnation() == appliedIncarnation && a.generation() == appliedGeneration && a.partitions().equals(owned)) {
            // The same Assignment again (a resumed stream re-sends it): nothing moved, so no listener call.
            membership().acknowledge(a.incarnation(), a.generation(), owned);
            return null;
        }
        appliedIncarnation = a.incarnation();
        appliedGeneration = a.generation();
        Set<TopicPartition> revoked = new TreeSet<>(owned);
        revoked.removeAll(a.partitions());
        Set<TopicPartition> added = new TreeSet<>(a.partitions());
        added.removeAll(owned);
        RuntimeException error = null;
        if (!revoked.isEmpty()) {
            if (config.autoCommitEnabled()) {
                commitQuietly(partitions.consumed(revoked), System.currentTimeMillis() + revocationCommitTimeoutMs(), "revocation");
            }
            error = invokeListener("onPartitionsRevoked", revoked, l -> l.onPartitionsRevoked(revoked));
            partitions.remove(revoked);
        }
        partitions.add(added);
        error = first(error, invokeListener("onPartitionsAssigned", added, l -> l.onPartitionsAssigned(added)));
        log.info("group {}: generation {} ({}): revoked {}, added {}, owning {}{}", groupId, a.generation(), a.assignor(), revoked,
                added, new TreeSet<>(a.partitions()), a.pending().isEmpty() ? "" : ", pending " + new TreeSet<>(a.pending()));
        metrics.rebalanced(rebalanceStartNanos);
        membership().acknowledge(a.incarnation(), a.generation(), a.partitions());
        return error;
    }

    private RuntimeException loseAll(MembershipManager.Lost lost) {
        Set<TopicPartition> owned = new TreeSet<>(partitions.owned());
        if (owned.isEmpty()) {
            return null;
        }
        log.warn("group {}: giving away all assigned partitions as lost ({}): {}", groupId, lost.cause().getMessage(), owned);
        RuntimeException error = invokeListener("onPartitionsLost", owned, l -> l.onPartitionsLost(owned));
        partitions.remove(owned);
        appliedGeneration = -1;
        return error;
    }

    /** Commits (with auto-commit) and revokes everything owned; returns the listener's exception, if any. */
    private RuntimeException revokeAll(String why, long commitDeadlineMs) {
        Set<TopicPartition> owned = new TreeSet<>(partitions.owned());
        if (config.autoCommitEnabled()) {
            commitQuietly(partitions.consumed(owned), commitDeadlineMs, why);
        }
        RuntimeException error = null;
        if (!owned.isEmpty()) {
            error = invokeListener("onPartitionsRevoked", owned, l -> l.onPartitionsRevoked(owned));
            partitions.remove(owned);
        }
        return error;
    }

    private void commitQuietly(Map<TopicPartition, OffsetAndMetadata> offsets, long deadlineMs, String why) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            commitSync(offsets, Math.max(1, deadlineMs - System.currentTimeMillis()));
        } catch (RuntimeException e) {
            log.warn("group {}: auto-commit before {} failed: {}", groupId, why, e.getMessage());
        }
    }

    private void maybeAutoCommit(long nowMs) {
        if (!config.autoCommitEnabled() || nowMs < nextAutoCommitMs) {
            return;
        }
        nextAutoCommitMs = nowMs + config.autoCommitIntervalMs();
        if (autoCommitInFlight != null && !autoCommitInFlight.isDone()) {
            return; // one at a time: a slow coordinator must not pile commits up
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = partitions.consumed(partitions.owned());
        if (offsets.isEmpty()) {
            return;
        }
        autoCommitInFlight = submitCommit(Map.copyOf(offsets), nowMs + config.requestTimeoutMs()).whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("group {}: auto-commit of offsets {} failed: {}", groupId, offsets, unwrap(error).getMessage());
            }
        });
    }

    private long revocationCommitTimeoutMs() {
        // The coordinator waits max.poll.interval.ms for the revocation; the commit must not use all of it.
        return Math.min(config.defaultApiTimeoutMs(), Math.max(1, config.maxPollIntervalMs() / 2));
    }

    private CompletableFuture<Void> submitCommit(Map<TopicPartition, OffsetAndMetadata> offsets, long deadlineMs) {
        boolean insideGroup = subscribed() && membership != null;
        if (committer == null) {
            committer = Executors.newSingleThreadExecutor(DaemonThreads.named("tributary-consumer-commit-" + clientId));
        }
        return CompletableFuture.runAsync(() -> commit(offsets, deadlineMs, insideGroup), committer);
    }

    /** Commit thread: one commit, with the member's identity at the time it is sent. */
    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets, long deadlineMs, boolean insideGroup) {
        while (true) {
            MembershipManager.Identity id = insideGroup ? membership.identity() : MembershipManager.Identity.NONE;
            if (insideGroup && id.memberId().isEmpty()) {
                // Subscribed but not a member (not joined yet, or removed): an id-less commit would count as one from
                // outside the group, which an empty group accepts. Fail here, as Kafka does.
                throw new CommitFailedException(ErrorCode.UNKNOWN_MEMBER_ID, "this consumer is not a member of group " + groupId
                        + " right now (not joined yet, or removed from the group); the next poll() rejoins");
            }
            CommitOffsetsRequest.Builder request = CommitOffsetsRequest.newBuilder().setGroupId(groupId).setMemberId(id.memberId())
                    .setGenerationId(id.generation()).setGroupInstanceId(config.groupInstanceId().orElse(""));
            new TreeMap<>(offsets).forEach((tp, o) -> request.addOffsets(OffsetCommit.newBuilder().setTopic(tp.topic())
                    .setPartition(tp.partition()).setOffset(o.offset()).setLeaderEpoch(o.leaderEpochOrUnknown()).setMetadata(o.metadata())));
            Map<TopicPartition, TributaryException> outcome;
            try {
                outcome = timedCommit(request.build(), deadlineMs);
            } catch (TributaryException e) {
                if (e.error() == ErrorCode.ILLEGAL_GENERATION && insideGroup && awaitNewerGeneration(id, deadlineMs)) {
                    continue;
                }
                throw commitError(e, id);
            }
            for (TributaryException e : outcome.values()) {
                if (e != null) {
                    throw commitError(e, id);
                }
            }
            log.debug("group {}: committed {} as member '{}' generation {}", groupId, offsets, id.memberId(), id.generation());
            return;
        }
    }

    /** Commit thread: one commit call to the coordinator, timed for the commit latency whatever its outcome. */
    private Map<TopicPartition, TributaryException> timedCommit(CommitOffsetsRequest request, long deadlineMs) {
        long startNanos = System.nanoTime();
        try {
            return groups.commitOffsets(request, deadlineMs);
        } finally {
            metrics.commitCompleted(startNanos);
        }
    }

    /**
     * ILLEGAL_GENERATION for the whole commit means the group moved to a newer generation whose Assignment may still be
     * on its way to this member. The member keeps its partitions until it acknowledges giving them up, so the same
     * offsets may be committed under the newer generation: wait (bounded) for it to arrive.
     */
    private boolean awaitNewerGeneration(MembershipManager.Identity used, long deadlineMs) {
        long until = Math.min(deadlineMs, System.currentTimeMillis() + config.requestTimeoutMs());
        while (System.currentTimeMillis() < until) {
            MembershipManager.Identity now = membership.identity();
            if (!now.memberId().equals(used.memberId())) {
                return false; // a different membership: the partitions are lost, not moved on
            }
            if (now.generation() != used.generation()) {
                return true;
            }
            try {
                Thread.sleep(Math.max(1, config.retryBackoffMs()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static TributaryException commitError(TributaryException e, MembershipManager.Identity id) {
        if (e.error() == ErrorCode.UNKNOWN_MEMBER_ID || e.error() == ErrorCode.ILLEGAL_GENERATION) {
            return new CommitFailedException(e.error(), "member '" + id.memberId() + "', generation " + id.generation() + ": " + e.getMessage());
        }
        if (e.error() == ErrorCode.FENCED_INSTANCE_ID) {
            return new FencedInstanceIdException("offset commit refused: " + e.getMessage());
        }
        return e;
    }

    private static Exception asyncError(Throwable t) {
        if (t instanceof TributaryException te && te.retriable() && !(te instanceof CommitFailedException)) {
            return new RetriableCommitFailedException(te);
        }
        return t instanceof Exception ex ? ex : new RuntimeException(t);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private interface ListenerCall {
        void run(ConsumerRebalanceListener listener);
    }

    private RuntimeException invokeListener(String name, Collection<TopicPartition> tps, ListenerCall call) {
        if (listener == null) {
            return null;
        }
        try {
            call.run(listener);
            return null;
        } catch (RuntimeException e) {
            log.error("group {}: user rebalance callback {} for {} threw", groupId, name, tps, e);
            return e;
        }
    }

    private static RuntimeException first(RuntimeException a, RuntimeException b) {
        return a != null ? a : b;
    }
}
