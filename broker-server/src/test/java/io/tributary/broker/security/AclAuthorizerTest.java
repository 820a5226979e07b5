package io.tributary.broker.security;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kafka's ACL semantics, rule by rule: patterns, implication, DENY over ALLOW, hosts, super users, the default. */
class AclAuthorizerTest {
    private static final RequestContext ALICE = new RequestContext("User:alice", "10.0.0.1", "SASL_SSL");
    private static final RequestContext BOB = new RequestContext("User:bob", "10.0.0.2", "SASL_SSL");
    private static final RequestContext ADMIN = new RequestContext("User:admin", "10.0.0.3", "SASL_SSL");

    private final Map<ResourcePattern, Set<AccessControlEntry>> acls = new HashMap<>();

    private AclAuthorizer authorizer(boolean allowIfNoAcl) {
        AclAuthorizer a = new AclAuthorizer(Set.of("User:admin"), allowIfNoAcl);
        a.update(acls);
        return a;
    }

    private void acl(ResourcePattern p, String principal, String host, AclOperation op, AclPermissionType perm) {
        acls.computeIfAbsent(p, x -> new HashSet<>()).add(new AccessControlEntry(principal, host, op, perm));
    }

    private void allow(ResourcePattern p, String principal, AclOperation op) {
        acl(p, principal, "*", op, AclPermissionType.ALLOW);
    }

    @Test
    void aResourceWithoutAclsIsClosedByDefaultAndOpenWithAllowEveryoneIfNoAclFound() {
        assertFalse(authorizer(false).authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "orders"));
        assertTrue(authorizer(true).authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "orders"));
        // Once a resource has any ACL, the default no longer applies to it.
        allow(ResourcePattern.literal(ResourceType.TOPIC, "orders"), "User:bob", AclOperation.READ);
        assertFalse(authorizer(true).authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "orders"));
    }

    @Test
    void literalPrefixedAndWildcardPatternsEachMatchTheirResources() {
        allow(ResourcePattern.literal(ResourceType.TOPIC, "orders"), "User:alice", AclOperation.WRITE);
        allow(ResourcePattern.prefixed(ResourceType.TOPIC, "pay"), "User:alice", AclOperation.READ);
        allow(ResourcePattern.literal(ResourceType.TOPIC, "*"), "User:bob", AclOperation.DESCRIBE);
        AclAuthorizer a = authorizer(false);
        assertTrue(a.authorize(ALICE, AclOperation.WRITE, ResourceType.TOPIC, "orders"));
        assertFalse(a.authorize(ALICE, AclOperation.WRITE, ResourceType.TOPIC, "orders2"), "literal is exact");
        assertTrue(a.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "payments"));
        assertTrue(a.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "pay"));
        assertFalse(a.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "pa"));
        assertFalse(a.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "xpayments"));
        assertTrue(a.authorize(BOB, AclOperation.DESCRIBE, ResourceType.TOPIC, "anything"));
        assertFalse(a.authorize(BOB, AclOperation.READ, ResourceType.TOPIC, "anything"));
        assertFalse(a.authorize(ALICE, AclOperation.READ, ResourceType.GROUP, "payments"), "types do not mix");
    }

    @Test
    void manyPrefixesAreAllFoundForOneName() {
        for (String p : new String[] {"a", "ab", "abc", "abd", "b", "abcde"}) {
            allow(ResourcePattern.prefixed(ResourceType.TOPIC, p), "User:u-" + p, AclOperation.READ);
        }
        AclAuthorizer a = authorizer(false);
        for (String p : new String[] {"a", "ab", "abc", "abcde"}) {
            assertTrue(a.authorize(new RequestContext("User:u-" + p, "h", ""), AclOperation.READ, ResourceType.TOPIC, "abcdef"), p);
        }
        assertFalse(a.authorize(new RequestContext("User:u-abd", "h", ""), AclOperation.READ, ResourceType.TOPIC, "abcdef"));
        assertFalse(a.authorize(new RequestContext("User:u-b", "h", ""), AclOperation.READ, ResourceType.TOPIC, "abcdef"));
    }

    @Test
    void readWriteDeleteAndAlterImplyDescribeButNotTheOtherWayAround() {
        allow(ResourcePattern.literal(ResourceType.TOPIC, "t"), "User:alice", AclOperation.READ);
        allow(ResourcePattern.literal(ResourceType.TOPIC, "t2"), "User:alice", AclOperation.ALTER_CONFIGS);
        allow(ResourcePattern.literal(ResourceType.TOPIC, "t3"), "User:alice", AclOperation.DESCRIBE);
        AclAuthorizer a = authorizer(false);
        assertTrue(a.authorize(ALICE, AclOperation.DESCRIBE, ResourceType.TOPIC, "t"));
        assertTrue(a.authorize(ALICE, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "t2"));
        assertFalse(a.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "t3"));
    }

    @Test
    void denyWinsOverAllowAndAllCoversEveryOperation() {
        ResourcePattern t = ResourcePattern.literal(ResourceType.TOPIC, "orders");
        allow(ResourcePattern.literal(ResourceType.TOPIC, "*"), "User:*", AclOperation.ALL);
        acl(t, "User:alice", "*", AclOperation.WRITE, AclPermissionType.DENY);
        AclAuthorizer a = authorizer(false);
        assertFalse(a.authorize(ALICE, AclOperation.WRITE, ResourceType.TOPIC, "orders"));
        assertTrue(a.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "orders"), "only Write is denied");
        assertTrue(a.authorize(BOB, AclOperation.WRITE, ResourceType.TOPIC, "orders"));
        // A DENY of Read does not deny Describe (implication is for ALLOW only), a DENY of All denies everything.
        acl(t, "User:bob", "*", AclOperation.ALL, AclPermissionType.DENY);
        assertFalse(authorizer(false).authorize(BOB, AclOperation.DESCRIBE, ResourceType.TOPIC, "orders"));
    }

    @Test
    void hostsRestrictAnAcl() {
        acl(ResourcePattern.literal(ResourceType.TOPIC, "t"), "User:alice", "10.0.0.1", AclOperation.READ, AclPermissionType.ALLOW);
        AclAuthorizer a = authorizer(false);
        assertTrue(a.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, "t"));
        assertFalse(a.authorize(new RequestContext("User:alice", "10.9.9.9", ""), AclOperation.READ, ResourceType.TOPIC, "t"));
    }

    @Test
    void superUsersMayDoAnythingEvenAgainstADeny() {
        acl(ResourcePattern.literal(ResourceType.TOPIC, "t"), "User:admin", "*", AclOperation.ALL, AclPermissionType.DENY);
        AclAuthorizer a = authorizer(false);
        assertTrue(a.authorize(ADMIN, AclOperation.DELETE, ResourceType.TOPIC, "t"));
        assertTrue(a.authorize(ADMIN, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, ResourcePattern.CLUSTER_NAME));
    }

    @Test
    void writeOnAnyTopicGivesIdempotentWriteUnlessAWildcardDenyRemovesIt() {
        allow(ResourcePattern.prefixed(ResourceType.TOPIC, "orders-"), "User:alice", AclOperation.WRITE);
        assertTrue(authorizer(false).authorizeAny(ALICE, AclOperation.WRITE, ResourceType.TOPIC));
        assertFalse(authorizer(false).authorizeAny(BOB, AclOperation.WRITE, ResourceType.TOPIC));
        acl(ResourcePattern.literal(ResourceType.TOPIC, "*"), "User:alice", "*", AclOperation.WRITE, AclPermissionType.DENY);
        assertFalse(authorizer(false).authorizeAny(ALICE, AclOperation.WRITE, ResourceType.TOPIC));
    }

    @Test
    void anUpdateReplacesEveryAclAtOnce() {
        allow(ResourcePattern.literal(ResourceType.GROUP, "g"), "User:alice", AclOperation.READ);
        AclAuthorizer a = authorizer(false);
        assertTrue(a.authorize(ALICE, AclOperation.READ, ResourceType.GROUP, "g"));
        a.update(Map.of());
        assertFalse(a.authorize(ALICE, AclOperation.READ, ResourceType.GROUP, "g"));
    }
}
