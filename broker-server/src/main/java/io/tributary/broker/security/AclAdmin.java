package io.tributary.broker.security;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;
import io.tributary.api.acl.AclOperation;
import io.tributary.coordination.AclStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * ACL administration (Kafka's CreateAcls / DeleteAcls / DescribeAcls): Alter on the Cluster to change ACLs,
 * Describe on it to list them, and SECURITY_DISABLED when no authorizer is configured, as in Kafka. Changes go to
 * ZooKeeper ({@link AclStore}), from where every broker's authorizer picks them up. Thread-safe.
 */
public final class AclAdmin {
    private final Authorization authorization;
    private final Supplier<AclStore> store;

    public AclAdmin(Authorization authorization, Supplier<AclStore> store) {
        this.authorization = authorization;
        this.store = store;
    }

    public void requireAlter(RequestContext ctx) {
        authorization.requireCluster(ctx, AclOperation.ALTER);
    }

    public void requireDescribe(RequestContext ctx) {
        authorization.requireCluster(ctx, AclOperation.DESCRIBE);
    }

    private AclStore store() {
        if (!authorization.authorizer().enabled()) {
            throw new TributaryException(ErrorCode.SECURITY_DISABLED,
                    "this broker has no authorizer: set authorizer.class.name=kafka.security.authorizer.AclAuthorizer to use ACLs");
        }
        return store.get();
    }

    /**
     * Creates the valid bindings in one pass per resource; returns one error per binding (null when created or
     * already present). {@code invalid} holds the error of each binding that did not parse (its binding is null).
     */
    public List<TributaryException> create(RequestContext ctx, List<AclBinding> bindings, List<TributaryException> invalid) {
        requireAlter(ctx);
        AclStore s = store();
        List<AclBinding> valid = new ArrayList<>();
        for (AclBinding b : bindings) {
            if (b != null) {
                valid.add(b);
            }
        }
        TributaryException failure = null;
        if (!valid.isEmpty()) {
            try {
                s.add(valid);
            } catch (Exception e) {
                failure = new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "could not write ACLs to ZooKeeper: " + e.getMessage(), e);
            }
        }
        List<TributaryException> out = new ArrayList<>();
        for (int i = 0; i < bindings.size(); i++) {
            out.add(bindings.get(i) == null ? invalid.get(i) : failure);
        }
        return out;
    }

    public Set<AclBinding> delete(RequestContext ctx, AclBindingFilter filter) {
        requireAlter(ctx);
        try {
            return store().remove(filter);
        } catch (TributaryException e) {
            throw e;
        } catch (Exception e) {
            throw new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "could not delete ACLs in ZooKeeper: " + e.getMessage(), e);
        }
    }

    public List<AclBinding> describe(RequestContext ctx, AclBindingFilter filter) {
        requireDescribe(ctx);
        try {
            return store().describe(filter);
        } catch (TributaryException e) {
            throw e;
        } catch (Exception e) {
            throw new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "could not read ACLs from ZooKeeper: " + e.getMessage(), e);
        }
    }
}
