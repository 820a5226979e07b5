package io.tributary.api;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;

/**
 * Reads the catalogue entry a broker put on a failed gRPC call: the {@code google.rpc.ErrorInfo} detail (domain
 * {@value #DOMAIN}, reason = the error name) of its rich status. Shared by clients and by brokers calling each other.
 * Stateless and thread-safe.
 */
public final class ErrorInfos {
    /** The ErrorInfo domain brokers put on every Tributary error. */
    public static final String DOMAIN = "tributary.io";

    private ErrorInfos() {
    }

    /**
     * The error a broker named on this failure, or null when it carries no Tributary ErrorInfo: the call failed in the
     * transport, or before a broker's handler ran.
     */
    public static ErrorCode brokerError(Throwable t) {
        return brokerError(StatusProto.fromThrowable(t));
    }

    /** The error a broker named on a call closed with {@code status} and {@code trailers}, or null (see above). */
    public static ErrorCode brokerError(Status status, Metadata trailers) {
        return brokerError(StatusProto.fromStatusAndTrailers(status, trailers));
    }

    private static ErrorCode brokerError(com.google.rpc.Status rich) {
        if (rich == null) {
            return null;
        }
        for (Any detail : rich.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    ErrorInfo info = detail.unpack(ErrorInfo.class);
                    return DOMAIN.equals(info.getDomain()) || info.getDomain().isEmpty() ? ErrorCode.forName(info.getReason()) : null;
                } catch (InvalidProtocolBufferException unreadable) {
                    // A detail we cannot read names nothing.
                    return null;
                }
            }
        }
        return null;
    }
}
