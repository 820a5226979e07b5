package io.tributary.api;

import io.grpc.Status;

/**
 * The error catalogue: every failure a broker can report, by stable name, with whether a client may retry it
 * and the gRPC status code it travels under. Brokers attach the name to the {@code google.rpc.Status} details
 * of a failed call (and to per-partition results inside a successful one); clients map it back with
 * {@link #forName(String)}. Names follow Kafka's where Kafka has one, so a Kafka user can read them.
 *
 * <p>Immutable and thread-safe.
 */
public enum ErrorCode {
    NONE(false, Status.Code.OK, "no error"),
    UNKNOWN_SERVER_ERROR(false, Status.Code.INTERNAL, "the broker hit an unexpected error"),

    // Storage and record validation.
    // Not retriable, unlike Kafka's: over gRPC (TCP + HTTP/2 framing) bytes do not rot in transit, so a batch that
    // fails its check was built wrong and would fail again.
    CORRUPT_MESSAGE(false, Status.Code.INVALID_ARGUMENT, "a record batch failed its CRC or structure check"),
    INVALID_RECORD(false, Status.Code.INVALID_ARGUMENT, "a record batch is well-formed but not acceptable"),
    MESSAGE_TOO_LARGE(false, Status.Code.INVALID_ARGUMENT, "a record batch exceeds message.max.bytes"),
    INVALID_TIMESTAMP(false, Status.Code.INVALID_ARGUMENT, "a record timestamp is out of the accepted range"),
    OFFSET_OUT_OF_RANGE(false, Status.Code.OUT_OF_RANGE, "the offset is outside the partition's log range"),
    STORAGE_ERROR(true, Status.Code.UNAVAILABLE, "the broker could not read or write its log directory"),

    // Topics, partitions and leadership.
    UNKNOWN_TOPIC_OR_PARTITION(true, Status.Code.NOT_FOUND, "the topic or partition does not exist"),
    INVALID_TOPIC_EXCEPTION(false, Status.Code.INVALID_ARGUMENT, "the topic name is not valid"),
    TOPIC_ALREADY_EXISTS(false, Status.Code.ALREADY_EXISTS, "the topic already exists"),
    INVALID_PARTITIONS(false, Status.Code.INVALID_ARGUMENT, "the partition count is not valid"),
    INVALID_REPLICATION_FACTOR(false, Status.Code.INVALID_ARGUMENT, "the replication factor is not valid"),
    INVALID_REPLICA_ASSIGNMENT(false, Status.Code.INVALID_ARGUMENT, "the replica assignment is not valid"),
    INVALID_CONFIG(false, Status.Code.INVALID_ARGUMENT, "a configuration value is not valid"),
    TOPIC_DELETION_DISABLED(false, Status.Code.FAILED_PRECONDITION, "delete.topic.enable is false"),
    NOT_LEADER_OR_FOLLOWER(true, Status.Code.UNAVAILABLE, "this broker does not lead the partition"),
    LEADER_NOT_AVAILABLE(true, Status.Code.UNAVAILABLE, "the partition has no live leader right now"),
    FENCED_LEADER_EPOCH(true, Status.Code.FAILED_PRECONDITION, "the request's leader epoch is older than the broker's"),
    UNKNOWN_LEADER_EPOCH(true, Status.Code.UNAVAILABLE, "the request's leader epoch is newer than the broker's"),
    NOT_CONTROLLER(true, Status.Code.UNAVAILABLE, "this broker is not the controller"),
    STALE_CONTROLLER_EPOCH(false, Status.Code.FAILED_PRECONDITION, "the request comes from a deposed controller"),
    REASSIGNMENT_IN_PROGRESS(false, Status.Code.FAILED_PRECONDITION, "a partition reassignment is already running"),
    BROKER_NOT_AVAILABLE(true, Status.Code.UNAVAILABLE, "the broker is not available"),
    // Never sent by a broker: clients name a call that a closed connection or a dead peer cut short with it.
    NETWORK_EXCEPTION(true, Status.Code.UNAVAILABLE, "the connection to the broker closed before the call completed"),

    // Produce.
    INVALID_REQUIRED_ACKS(false, Status.Code.INVALID_ARGUMENT, "acks must be 0, 1 or -1 (all)"),
    NOT_ENOUGH_REPLICAS(true, Status.Code.UNAVAILABLE, "fewer in-sync replicas than min.insync.replicas"),
    NOT_ENOUGH_REPLICAS_AFTER_APPEND(true, Status.Code.UNAVAILABLE,
            "appended, but the in-sync replica set shrank below min.insync.replicas before it was replicated"),
    REQUEST_TIMED_OUT(true, Status.Code.DEADLINE_EXCEEDED, "the request did not complete within its timeout"),
    OUT_OF_ORDER_SEQUENCE_NUMBER(false, Status.Code.FAILED_PRECONDITION, "the producer's sequence number has a gap"),
    DUPLICATE_SEQUENCE_NUMBER(false, Status.Code.ALREADY_EXISTS, "the batch was already appended"),
    INVALID_PRODUCER_EPOCH(false, Status.Code.FAILED_PRECONDITION, "the producer epoch is older than the broker's"),
    UNKNOWN_PRODUCER_ID(false, Status.Code.FAILED_PRECONDITION, "the broker has no state for this producer id"),

    // Consumer groups.
    COORDINATOR_NOT_AVAILABLE(true, Status.Code.UNAVAILABLE, "the group coordinator is not available"),
    NOT_COORDINATOR(true, Status.Code.UNAVAILABLE, "this broker is not the group's coordinator"),
    ILLEGAL_GENERATION(false, Status.Code.FAILED_PRECONDITION, "the group generation is stale"),
    UNKNOWN_MEMBER_ID(false, Status.Code.FAILED_PRECONDITION, "the member id is not known to the group"),
    REBALANCE_IN_PROGRESS(true, Status.Code.UNAVAILABLE, "the group is rebalancing"),
    GROUP_ID_NOT_FOUND(false, Status.Code.NOT_FOUND, "the group does not exist"),
    NON_EMPTY_GROUP(false, Status.Code.FAILED_PRECONDITION, "the group still has members"),
    COORDINATOR_LOAD_IN_PROGRESS(true, Status.Code.UNAVAILABLE, "the coordinator is loading the group's state"),
    INVALID_GROUP_ID(false, Status.Code.INVALID_ARGUMENT, "the group id is not valid"),
    INCONSISTENT_GROUP_PROTOCOL(false, Status.Code.FAILED_PRECONDITION, "the member shares no assignor with the group"),
    FENCED_INSTANCE_ID(false, Status.Code.FAILED_PRECONDITION, "another member took this group.instance.id"),
    GROUP_MAX_SIZE_REACHED(false, Status.Code.RESOURCE_EXHAUSTED, "the group has group.max.size members"),
    INVALID_SESSION_TIMEOUT(false, Status.Code.INVALID_ARGUMENT,
            "the session timeout is outside group.min.session.timeout.ms..group.max.session.timeout.ms"),

    // Requests in general.
    INVALID_REQUEST(false, Status.Code.INVALID_ARGUMENT, "the request is malformed"),
    POLICY_VIOLATION(false, Status.Code.FAILED_PRECONDITION, "the request violates a broker policy"),
    THROTTLING_QUOTA_EXCEEDED(true, Status.Code.RESOURCE_EXHAUSTED, "a per-connection or per-broker limit is reached"),
    CLUSTER_AUTHORIZATION_FAILED(false, Status.Code.PERMISSION_DENIED, "the principal may not perform cluster actions"),
    TOPIC_AUTHORIZATION_FAILED(false, Status.Code.PERMISSION_DENIED, "the principal may not access the topic"),
    GROUP_AUTHORIZATION_FAILED(false, Status.Code.PERMISSION_DENIED, "the principal may not access the group"),
    TRANSACTIONAL_ID_AUTHORIZATION_FAILED(false, Status.Code.PERMISSION_DENIED,
            "the principal may not use the transactional id"),
    SECURITY_DISABLED(false, Status.Code.FAILED_PRECONDITION, "no authorizer is configured (authorizer.class.name)"),

    // Authentication.
    SASL_AUTHENTICATION_FAILED(false, Status.Code.UNAUTHENTICATED, "the user name or password is wrong"),
    UNSUPPORTED_SASL_MECHANISM(false, Status.Code.INVALID_ARGUMENT, "the listener does not enable this SASL mechanism"),
    ILLEGAL_SASL_STATE(false, Status.Code.FAILED_PRECONDITION, "a SASL message arrived out of turn"),
    // Retriable: the client authenticates the connection (again) and retries.
    REAUTHENTICATION_REQUIRED(true, Status.Code.UNAUTHENTICATED,
            "the connection has not authenticated, or its session expired: run Security/Authenticate on it"),
    UNACCEPTABLE_CREDENTIAL(false, Status.Code.INVALID_ARGUMENT, "the SCRAM credential is not acceptable"),
    RESOURCE_NOT_FOUND(false, Status.Code.NOT_FOUND, "the user or resource does not exist"),
    DUPLICATE_RESOURCE(false, Status.Code.INVALID_ARGUMENT, "the request names the same resource twice"),
    UNSUPPORTED_VERSION(false, Status.Code.UNIMPLEMENTED, "the request uses a version the broker does not support");

    private final boolean retriable;
    private final Status.Code grpcCode;
    private final String description;

    ErrorCode(boolean retriable, Status.Code grpcCode, String description) {
        this.retriable = retriable;
        this.grpcCode = grpcCode;
        this.description = description;
    }

    /** Whether the same request may succeed if sent again (possibly after a metadata refresh). */
    public boolean retriable() {
        return retriable;
    }

    /** The gRPC status code this error travels under when it fails a whole call. */
    public Status.Code grpcCode() {
        return grpcCode;
    }

    public String description() {
        return description;
    }

    /** The catalogue entry for a name received on the wire; {@link #UNKNOWN_SERVER_ERROR} for names this client does not know. */
    public static ErrorCode forName(String name) {
        if (name == null || name.isEmpty()) {
            return NONE;
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException unknown) {
            return UNKNOWN_SERVER_ERROR;
        }
    }
}
