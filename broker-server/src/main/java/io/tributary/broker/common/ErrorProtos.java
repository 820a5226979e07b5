package io.tributary.broker.common;

import io.tributary.api.ErrorCode;
import io.tributary.api.LeaderHintException;
import io.tributary.api.TributaryException;
import io.tributary.api.config.ConfigException;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.LeaderHint;

/**
 * The error catalogue as the per-partition (and per-group, per-topic) {@code Error} message that results carry inside
 * a successful response. Handlers build their results with it; whole-call failures are the transport's business
 * (the gRPC door maps exceptions to statuses in {@code grpc/GrpcErrors}). Stateless and thread-safe.
 */
public final class ErrorProtos {
    private ErrorProtos() {
    }

    /** The catalogue entry for any throwable: domain errors keep theirs, anything else is UNKNOWN_SERVER_ERROR. */
    public static ErrorCode codeOf(Throwable t) {
        if (t instanceof TributaryException te) {
            return te.error();
        }
        if (t instanceof ConfigException) {
            return ErrorCode.INVALID_CONFIG;
        }
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    /** The catalogue entry a result error names; NONE for an unset error. */
    public static ErrorCode codeOf(Error e) {
        return ErrorCode.forName(e.getCode());
    }

    /** A result error for {@code t}, with the leader hint when it carries one. */
    public static Error toProto(Throwable t) {
        ErrorCode code = codeOf(t);
        Error.Builder e = Error.newBuilder().setCode(code.name()).setRetriable(code.retriable())
                .setMessage(t.getMessage() == null ? code.description() : t.getMessage());
        if (t instanceof LeaderHintException lh) {
            e.setLeader(toProto(lh.hint()));
        }
        return e.build();
    }

    public static Error toProto(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code.name()).setRetriable(code.retriable()).setMessage(message).build();
    }

    public static LeaderHint toProto(io.tributary.api.LeaderHint hint) {
        return LeaderHint.newBuilder().setLeaderId(hint.leaderId()).setLeaderEpoch(hint.leaderEpoch())
                .setHost(hint.host()).setPort(hint.port()).build();
    }
}
