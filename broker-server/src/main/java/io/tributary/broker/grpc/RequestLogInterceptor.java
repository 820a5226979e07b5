package io.tributary.broker.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.tributary.api.ErrorCode;
import io.tributary.api.ErrorInfos;
import io.tributary.api.v1.Error;
import io.tributary.broker.metrics.RequestMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures and logs every call at the transport's edge. For unary calls: the request count, errors by name and
 * latency in {@link RequestMetrics}, under the method's name. Streams carry many requests, which their handlers
 * count themselves (a produce request, a consumer or follower fetch response); here a stream is counted as open
 * while it lasts, and each message of a Membership stream as one request.
 *
 * <p>The request log ({@value #REQUEST_LOGGER} at DEBUG, like Kafka's {@code kafka.request.logger}) gets one line per
 * unary call and per stream when it ends: principal, client address, RPC, the topics it named, duration, error.
 * When that logger is off, nothing is built for it.
 *
 * <p>Runs inside {@link PrincipalInterceptor} (so it knows the principal) and outside {@link ErrorInterceptor} (so it
 * sees the mapped status). Thread-safe.
 */
public final class RequestLogInterceptor implements ServerInterceptor {
    public static final String REQUEST_LOGGER = "tributary.request";
    private static final Logger requestLog = LoggerFactory.getLogger(REQUEST_LOGGER);
    /** Unary RPCs whose handler counts them itself, under another name. */
    private static final Set<String> COUNTED_BY_HANDLER = Set.of("ProduceOnce");
    private static final int MAX_LOGGED_TOPICS = 5;
    private static final int MAX_ERROR_DEPTH = 3;
    private static final String ERROR_TYPE = Error.getDescriptor().getFullName();

    private final RequestMetrics metrics;
    private final ConcurrentHashMap<String, AtomicInteger> openStreams = new ConcurrentHashMap<>();

    public RequestLogInterceptor(RequestMetrics metrics) {
        this.metrics = metrics;
    }

    /** Open streams per streaming RPC (Produce, Fetch, ReplicaFetch, Membership), for the metrics' gauge. */
    public ConcurrentHashMap<String, AtomicInteger> openStreams() {
        return openStreams;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long startNanos = System.nanoTime();
        String rpc = call.getMethodDescriptor().getBareMethodName();
        boolean unary = call.getMethodDescriptor().getType() == MethodType.UNARY;
        RequestMetrics.Type type = unary && !COUNTED_BY_HANDLER.contains(rpc) ? metrics.type(rpc)
                : rpc.equals("Membership") ? metrics.type(rpc) : null;
        AtomicInteger open = unary ? null : openStreams.computeIfAbsent(rpc, r -> new AtomicInteger());
        if (open != null) {
            open.incrementAndGet();
        }
        String principal = PrincipalInterceptor.PRINCIPAL.get();
        String client = PrincipalInterceptor.CLIENT_HOST.get();
        CallState state = new CallState();
        ServerCall<Q, R> measured = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                if (unary && type != null && message instanceof Message m) {
                    countResultErrors(m, type, 0);
                }
                super.sendMessage(message);
            }

            @Override
            public void close(Status status, Metadata trailers) {
                if (state.closed) {
                    super.close(status, trailers);
                    return;
                }
                state.closed = true;
                ErrorCode error = status.isOk() ? ErrorCode.NONE : errorOf(status, trailers);
                if (unary && type != null) {
                    type.error(error);
                    type.completed(startNanos);
                }
                if (open != null) {
                    open.decrementAndGet();
                }
                if (requestLog.isDebugEnabled()) {
                    logRequest(principal, client, rpc, state, startNanos, error.name(), status.getCode().name());
                }
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> delegate = next.startCall(measured, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                state.messages++;
                if (type != null && !unary) {
                    type.counted();
                }
                if (requestLog.isDebugEnabled() && state.topics == null && message instanceof Message m) {
                    state.topics = topicsOf(m);
                }
                super.onMessage(message);
            }

            @Override
            public void onCancel() {
                // Cancelled by the client or the transport: close() is never called, so the stream ends here.
                if (!state.closed) {
                    state.closed = true;
                    if (open != null) {
                        open.decrementAndGet();
                    }
                    if (unary && type != null) {
                        type.completed(startNanos);
                    }
                    if (requestLog.isDebugEnabled()) {
                        logRequest(principal, client, rpc, state, startNanos, ErrorCode.NONE.name(), Status.Code.CANCELLED.name());
                    }
                }
                super.onCancel();
            }
        };
    }

    /**
     * One request-log line: readable as text, and with the same facts as key-value pairs, which the JSON layout
     * writes as fields of their own.
     */
    private static void logRequest(String principal, String client, String rpc, CallState state, long startNanos,
                                   String error, String status) {
        String topics = state.topics == null ? "" : String.join(",", state.topics);
        String durationMs = String.format(Locale.ROOT, "%.3f", (System.nanoTime() - startNanos) / 1e6);
        requestLog.atDebug()
                .addKeyValue("principal", principal).addKeyValue("client", client).addKeyValue("rpc", rpc)
                .addKeyValue("topics", topics).addKeyValue("messages", state.messages).addKeyValue("duration_ms", durationMs)
                .addKeyValue("error", error).addKeyValue("status", status)
                .log("principal={} client={} rpc={} topics=[{}] messages={} durationMs={} error={} status={}",
                        principal, client, rpc, topics, state.messages, durationMs, error, status);
    }

    /**
     * Per-call state. gRPC serializes a call's listener callbacks, and close happens-after them on the handler's
     * side; a cancel races a close only on the transport, where losing the race is harmless (the other one counted).
     */
    private static final class CallState {
        volatile boolean closed;
        volatile long messages;
        volatile Set<String> topics;
    }

    /**
     * Counts the per-item errors a successful unary response carries (a topic that could not be created, a partition
     * without a leader), as Kafka counts the error codes inside a response: every {@code Error} in the response or in
     * its repeated items, down to {@value #MAX_ERROR_DEPTH} levels.
     */
    private static void countResultErrors(Message m, RequestMetrics.Type type, int depth) {
        for (var e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (f.getMessageType().getFullName().equals(ERROR_TYPE)) {
                if (!f.isRepeated()) {
                    type.error(ErrorCode.forName(((Error) e.getValue()).getCode()));
                }
            } else if (depth < MAX_ERROR_DEPTH) {
                if (e.getValue() instanceof List<?> items) {
                    for (Object item : items) {
                        countResultErrors((Message) item, type, depth + 1);
                    }
                } else {
                    countResultErrors((Message) e.getValue(), type, depth + 1);
                }
            }
        }
    }

    private static ErrorCode errorOf(Status status, Metadata trailers) {
        ErrorCode named = ErrorInfos.brokerError(status, trailers);
        if (named != null) {
            return named;
        }
        // A status gRPC itself produced (a deadline, an oversized message) names no catalogue entry.
        return status.getCode() == Status.Code.DEADLINE_EXCEEDED ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    /**
     * The topics a request names, for the request log: top-level {@code topic}/{@code topics}/{@code names} fields,
     * and {@code topic}/{@code name} inside top-level repeated messages (a produce request's partitions, a create
     * request's topics). At most {@value #MAX_LOGGED_TOPICS}.
     */
    static Set<String> topicsOf(Message m) {
        Set<String> out = new LinkedHashSet<>();
        for (var e : m.getAllFields().entrySet()) {
            collect(e.getKey(), e.getValue(), out, true);
            if (out.size() >= MAX_LOGGED_TOPICS) {
                break;
            }
        }
        return out;
    }

    private static void collect(FieldDescriptor f, Object value, Set<String> out, boolean recurse) {
        if (value instanceof List<?> list) {
            for (Object v : list) {
                if (out.size() >= MAX_LOGGED_TOPICS) {
                    return;
                }
                collectOne(f, v, out, recurse);
            }
        } else {
            collectOne(f, value, out, recurse);
        }
    }

    private static void collectOne(FieldDescriptor f, Object v, Set<String> out, boolean recurse) {
        String name = f.getName();
        if (v instanceof String s && (name.equals("topic") || name.equals("topics") || (!recurse && name.equals("name")))) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        } else if (v instanceof Message nested && recurse) {
            for (var e : nested.getAllFields().entrySet()) {
                collect(e.getKey(), e.getValue(), out, false);
            }
        }
    }
}
