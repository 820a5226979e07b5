package io.tributary.broker.group;

import io.tributary.api.v1.OffsetValue;

/**
 * A committed offset as the coordinator keeps it. Immutable.
 *
 * @param offset            the next offset the group will consume
 * @param leaderEpoch       leader epoch of the last consumed record, -1 unknown
 * @param metadata          the committer's string
 * @param commitTimestampMs when the coordinator accepted it
 * @param logOffset         where its record sits in {@code __consumer_offsets}: of two updates of one partition the
 *                          later record wins, whatever order their acknowledgements arrive in
 */
public record OffsetAndMetadata(long offset, int leaderEpoch, String metadata, long commitTimestampMs, long logOffset) {

    OffsetValue toValue() {
        return OffsetValue.newBuilder().setOffset(offset).setLeaderEpoch(leaderEpoch).setMetadata(metadata)
                .setCommitTimestampMs(commitTimestampMs).build();
    }

    static OffsetAndMetadata fromValue(OffsetValue v, long logOffset) {
        return new OffsetAndMetadata(v.getOffset(), v.getLeaderEpoch(), v.getMetadata(), v.getCommitTimestampMs(), logOffset);
    }

    OffsetAndMetadata atLogOffset(long newLogOffset) {
        return new OffsetAndMetadata(offset, leaderEpoch, metadata, commitTimestampMs, newLogOffset);
    }
}
