package io.tributary.broker.security;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;

/**
 * The checks request handlers make, with Kafka's error names and a message that says which operation on which
 * resource the caller lacked. Thread-safe.
 */
public final class Authorization {
    private final Authorizer authorizer;

    public Authorization(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    public Authorizer authorizer() {
        return authorizer;
    }

    public boolean allowed(RequestContext ctx, AclOperation op, ResourceType type, String name) {
        return authorizer.authorize(ctx, op, type, name);
    }

    public boolean topic(RequestContext ctx, AclOperation op, String topic) {
        return authorizer.authorize(ctx, op, ResourceType.TOPIC, topic);
    }

    public boolean cluster(RequestContext ctx, AclOperation op) {
        return authorizer.authorize(ctx, op, ResourceType.CLUSTER, ResourcePattern.CLUSTER_NAME);
    }

    /** @throws TributaryException TOPIC/GROUP/CLUSTER/TRANSACTIONAL_ID_AUTHORIZATION_FAILED */
    public void require(RequestContext ctx, AclOperation op, ResourceType type, String name) {
        if (!authorizer.authorize(ctx, op, type, name)) {
            throw denied(ctx, op, type, name);
        }
    }

    public void requireTopic(RequestContext ctx, AclOperation op, String topic) {
        require(ctx, op, ResourceType.TOPIC, topic);
    }

    public void requireGroup(RequestContext ctx, AclOperation op, String group) {
        require(ctx, op, ResourceType.GROUP, group);
    }

    public boolean group(RequestContext ctx, AclOperation op, String group) {
        return authorizer.authorize(ctx, op, ResourceType.GROUP, group);
    }

    /** Creating a topic takes Create on the Cluster or on the topic, as in Kafka. */
    public boolean mayCreateTopic(RequestContext ctx, String topic) {
        return cluster(ctx, AclOperation.CREATE) || topic(ctx, AclOperation.CREATE, topic);
    }

    public static TributaryException deniedTopic(RequestContext ctx, AclOperation op, String topic) {
        return denied(ctx, op, ResourceType.TOPIC, topic);
    }

    public void requireCluster(RequestContext ctx, AclOperation op) {
        require(ctx, op, ResourceType.CLUSTER, ResourcePattern.CLUSTER_NAME);
    }

    /** The refusal, for handlers that report it per partition rather than failing the call. */
    public static TributaryException denied(RequestContext ctx, AclOperation op, ResourceType type, String name) {
        return new TributaryException(errorFor(type), ctx.principal() + " is not authorized to " + op.kafkaName()
                + " " + type.kafkaName() + " '" + name + "'" + (ctx.clientHost().isEmpty() ? "" : " from host " + ctx.clientHost())
                + " (grant it with tributary-acls.sh --add --allow-principal " + ctx.principal() + " --operation "
                + op.kafkaName() + resourceFlag(type, name) + ")");
    }

    public static ErrorCode errorFor(ResourceType type) {
        return switch (type) {
            case TOPIC -> ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            case GROUP -> ErrorCode.GROUP_AUTHORIZATION_FAILED;
            case CLUSTER -> ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
            case TRANSACTIONAL_ID -> ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        };
    }

    private static String resourceFlag(ResourceType type, String name) {
        return switch (type) {
            case TOPIC -> " --topic " + name;
            case GROUP -> " --group " + name;
            case CLUSTER -> " --cluster";
            case TRANSACTIONAL_ID -> " --transactional-id " + name;
        };
    }
}
