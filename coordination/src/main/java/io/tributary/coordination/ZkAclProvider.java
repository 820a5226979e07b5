package io.tributary.coordination;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * Kafka's ZooKeeper ACLs ({@code ZkData.defaultAcls}) for every znode a Tributary client creates when
 * {@code zookeeper.set.acl=true}: {@code CREATOR_ALL_ACL} (all rights for the creating session's authenticated
 * identity, e.g. {@code sasl:tributary}) plus world READ, except on sensitive paths ({@link ZkLayout#isSensitivePath}:
 * {@code /config/users} and below, {@code /config/brokers} and below), which the world cannot read. Everything else,
 * the chroot, its missing ancestors and the ACL trees ({@code /kafka-acl...}) included, stays world-readable as in
 * Kafka. ZooKeeper ACLs are per znode, not inherited; Curator asks this provider for every znode it creates, parents
 * made by {@code creatingParentsIfNeeded} and transaction ops included.
 *
 * <p>{@code CREATOR_ALL_ACL} is the {@code auth} scheme: the server replaces it with the session's authenticated ids,
 * and refuses the create (InvalidACL) when there are none; hence {@link ZkClientSecurity#requireAuthenticated}. Every
 * broker, and the tools that write, must authenticate as the same identity.
 *
 * <p>Immutable and thread-safe.
 */
public final class ZkAclProvider implements ACLProvider {
    // Not List.copyOf: ZooKeeper validates with acl.contains(null), which immutable lists answer with a
    // NullPointerException.
    private static final List<ACL> SECURE = concat(ZooDefs.Ids.CREATOR_ALL_ACL, ZooDefs.Ids.READ_ACL_UNSAFE);
    private static final List<ACL> SENSITIVE = concat(ZooDefs.Ids.CREATOR_ALL_ACL, List.of());
    private static final List<ACL> OPEN = concat(ZooDefs.Ids.OPEN_ACL_UNSAFE, List.of());

    private final ZkLayout layout;

    public ZkAclProvider(ZkLayout layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /** The ACLs a znode gets: secure (Kafka's, as above) or open ({@code world:anyone} all rights, ZooKeeper's default). */
    public static List<ACL> aclFor(ZkLayout layout, String path, boolean secure) {
        if (!secure) {
            return OPEN;
        }
        return layout.isSensitivePath(path) ? SENSITIVE : SECURE;
    }

    @Override
    public List<ACL> getDefaultAcl() {
        return SECURE;
    }

    @Override
    public List<ACL> getAclForPath(String path) {
        return aclFor(layout, path, true);
    }

    private static List<ACL> concat(List<ACL> a, List<ACL> b) {
        List<ACL> out = new ArrayList<>(a);
        out.addAll(b);
        return Collections.unmodifiableList(out);
    }
}
