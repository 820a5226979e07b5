package io.tributary.broker.group;

import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.OffsetCommitResult;
import io.tributary.broker.common.ErrorProtos;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;

/**
 * A group's committed offsets: what is visible (only what is replicated), the writes in flight, expiry and the
 * tombstones of a deletion. Who may commit is the group's decision ({@link ConsumerGroup#commit}); this class stores.
 *
 * <p>Not thread-safe: called under the group's lock, and write acknowledgements take that same {@code lock}.
 */
final class GroupOffsets {
    private static final Logger log = LoggerFactory.getLogger(GroupOffsets.class);

    private final String groupId;
    private final GroupEnvironment env;
    /** The owning group's monitor. */
    private final Object lock;
    /** Whether the group still writes and applies; read under {@link #lock}. */
    private final BooleanSupplier active;
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    private int writesInFlight;

    GroupOffsets(String groupId, GroupEnvironment env, Object lock, BooleanSupplier active) {
        this.groupId = groupId;
        this.env = env;
        this.lock = lock;
        this.active = active;
    }

    void restore(Map<TopicPartition, OffsetAndMetadata> loaded) {
        offsets.putAll(loaded);
    }

    boolean isEmpty() {
        return offsets.isEmpty();
    }

    boolean writesInFlight() {
        return writesInFlight > 0;
    }

    /**
     * Writes the request's valid offsets; invalid partitions get their error as a result. The future completes once
     * the records are replicated, and only then are the offsets visible.
     *
     * @param committer null for a commit from outside the group
     * @param allowed   the partitions {@code committer} may commit
     */
    CompletableFuture<CommitOffsetsResponse> commit(CommitOffsetsRequest request, GroupMember committer,
                                                    SortedSet<TopicPartition> allowed) {
        long now = env.time().milliseconds();
        List<OffsetCommitResult.Builder> results = new ArrayList<>();
        List<GroupRecords.Entry> entries = new ArrayList<>();
        List<TopicPartition> partitionOfEntry = new ArrayList<>();
        List<OffsetAndMetadata> valueOfEntry = new ArrayList<>();
        for (OffsetCommit oc : request.getOffsetsList()) {
            OffsetCommitResult.Builder r = OffsetCommitResult.newBuilder().setTopic(oc.getTopic()).setPartition(oc.getPartition());
            results.add(r);
            TributaryException invalid = MemberRequests.validateCommit(oc, committer, allowed, env.config());
            if (invalid != null) {
                r.setError(ErrorProtos.toProto(invalid));
                continue;
            }
            TopicPartition tp = new TopicPartition(oc.getTopic(), oc.getPartition());
            OffsetAndMetadata value = new OffsetAndMetadata(oc.getOffset(), oc.getLeaderEpoch(), oc.getMetadata(), now, -1);
            partitionOfEntry.add(tp);
            valueOfEntry.add(value);
            entries.add(GroupRecords.offsetCommit(groupId, tp, value));
        }
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(response(results));
        }
        GroupLogWriter.Appended appended = env.writer().append(entries);
        writesInFlight++;
        return appended.acknowledged().handle((ok, failure) -> {
            synchronized (lock) {
                writesInFlight--;
                if (failure == null && active.getAsBoolean()) {
                    for (int i = 0; i < appended.logOffsets().length; i++) {
                        put(partitionOfEntry.get(i), valueOfEntry.get(i).atLogOffset(appended.logOffsets()[i]));
                    }
                }
            }
            if (failure != null) {
                throw failure instanceof RuntimeException re ? re : new IllegalStateException(failure);
            }
            return response(results);
        });
    }

    private static CommitOffsetsResponse response(List<OffsetCommitResult.Builder> results) {
        CommitOffsetsResponse.Builder response = CommitOffsetsResponse.newBuilder();
        results.forEach(response::addResults);
        return response.build();
    }

    /** Of two updates of one partition, the one later in the log wins, whatever order they were acknowledged in. */
    private void put(TopicPartition tp, OffsetAndMetadata value) {
        OffsetAndMetadata existing = offsets.get(tp);
        if (existing == null || existing.logOffset() < value.logOffset()) {
            offsets.put(tp, value);
        }
    }

    /** Every committed offset, by partition: an unmodifiable copy. */
    Map<TopicPartition, Long> committedOffsets() {
        Map<TopicPartition, Long> out = new HashMap<>(offsets.size() * 2);
        offsets.forEach((tp, o) -> out.put(tp, o.offset()));
        return Collections.unmodifiableMap(out);
    }

    /** Committed offsets of the given partitions (-1 where none), or of every partition when the list is empty. */
    List<CommittedOffset> fetch(List<TopicPartition> requested) {
        List<CommittedOffset> out = new ArrayList<>();
        if (requested.isEmpty()) {
            new TreeMap<>(offsets).forEach((tp, o) -> out.add(committed(tp, o)));
        } else {
            for (TopicPartition tp : requested) {
                out.add(committed(tp, offsets.get(tp)));
            }
        }
        return out;
    }

    private static CommittedOffset committed(TopicPartition tp, OffsetAndMetadata o) {
        CommittedOffset.Builder c = CommittedOffset.newBuilder().setTopic(tp.topic()).setPartition(tp.partition());
        if (o == null) {
            return c.setOffset(-1).setLeaderEpoch(-1).setCommitTimestampMs(-1).build();
        }
        return c.setOffset(o.offset()).setLeaderEpoch(o.leaderEpoch()).setMetadata(o.metadata())
                .setCommitTimestampMs(o.commitTimestampMs()).build();
    }

    /**
     * Tombstones the offsets committed longer than {@code retentionMs} ago and, when that is all of them and
     * {@code groupRecordExists}, the group record too; {@code afterGroupTombstone} runs under the lock once that
     * tombstone is replicated. Only for a group without members (the caller checks).
     */
    void expire(long retentionMs, boolean groupRecordExists, Runnable afterGroupTombstone) {
        long now = env.time().milliseconds();
        remove((tp, o) -> now - o.commitTimestampMs() >= retentionMs, groupRecordExists, afterGroupTombstone,
                "older than offsets.retention.minutes");
    }

    /**
     * Tombstones the offsets of {@code topics} (deleted from the cluster) and, when that is all of them and
     * {@code groupRecordRemovable}, the group record too, as {@link #expire} does.
     */
    void dropTopics(Set<String> topics, boolean groupRecordRemovable, Runnable afterGroupTombstone) {
        if (offsets.keySet().stream().noneMatch(tp -> topics.contains(tp.topic()))) {
            // Not this group's topics: it keeps its record even if it has no offsets at all.
            return;
        }
        remove((tp, o) -> topics.contains(tp.topic()), groupRecordRemovable, afterGroupTombstone,
                "of deleted topic(s) " + topics);
    }

    private void remove(BiPredicate<TopicPartition, OffsetAndMetadata> which, boolean groupRecordRemovable,
                        Runnable afterGroupTombstone, String why) {
        List<TopicPartition> removed = new ArrayList<>();
        offsets.forEach((tp, o) -> {
            if (which.test(tp, o)) {
                removed.add(tp);
            }
        });
        boolean dropGroupRecord = groupRecordRemovable && removed.size() == offsets.size();
        if (removed.isEmpty() && !dropGroupRecord) {
            return;
        }
        Collections.sort(removed);
        List<GroupRecords.Entry> entries = new ArrayList<>();
        removed.forEach(tp -> entries.add(GroupRecords.offsetTombstone(groupId, tp)));
        if (dropGroupRecord) {
            entries.add(GroupRecords.groupTombstone(groupId));
        }
        GroupLogWriter.Appended appended;
        try {
            appended = env.writer().append(entries);
        } catch (TributaryException e) {
            log.warn("group {}: could not delete committed offsets {}: {}", groupId, why, e.getMessage());
            return;
        }
        writesInFlight++;
        appended.acknowledged().whenComplete((ok, failure) -> {
            synchronized (lock) {
                writesInFlight--;
                if (failure != null || !active.getAsBoolean()) {
                    return;
                }
                for (int i = 0; i < removed.size(); i++) {
                    long tombstoneAt = appended.logOffsets()[i];
                    // A commit that landed after the tombstone stays.
                    offsets.computeIfPresent(removed.get(i), (tp, o) -> o.logOffset() < tombstoneAt ? null : o);
                }
                if (dropGroupRecord) {
                    afterGroupTombstone.run();
                }
                log.info("group {}: deleted {} committed offset(s) {}", groupId, removed.size(), why);
            }
        });
    }

    /** Tombstones for every committed offset, in partition order (the group is being deleted). */
    List<GroupRecords.Entry> tombstones() {
        List<GroupRecords.Entry> entries = new ArrayList<>();
        new TreeMap<>(offsets).keySet().forEach(tp -> entries.add(GroupRecords.offsetTombstone(groupId, tp)));
        return entries;
    }

    void clear() {
        offsets.clear();
    }
}
