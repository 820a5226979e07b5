package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One resource pattern's ACLs, the document of Kafka's {@code ResourceZNode}
 * ({@code /kafka-acl/Topic/orders}, {@code /kafka-acl-extended/prefixed/Group/team-}):
 * {@code {"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read","host":"*"}]}}.
 * Field names are Kafka's camelCase ones (explicit, so the codec's snake_case naming does not apply); operation and
 * permission are Kafka's names ({@code Read}, {@code ClusterAction}, {@code Allow}). Immutable.
 */
@JsonPropertyOrder({"version", "acls"})
public record AclDocument(int version, List<Entry> acls) implements ZkDocument {
    public static final ZkCodec<AclDocument> CODEC = new ZkCodec<>(AclDocument.class, "ACL");

    /** One ACL entry as Kafka's {@code AclEntry.toJsonCompatibleMap} writes it. */
    @JsonPropertyOrder({"principal", "permissionType", "operation", "host"})
    public record Entry(@JsonProperty("principal") String principal,
                        @JsonProperty("permissionType") String permissionType,
                        @JsonProperty("operation") String operation,
                        @JsonProperty("host") String host) {
    }

    public AclDocument {
        acls = acls == null ? List.of() : List.copyOf(acls);
    }

    public static AclDocument of(Collection<AccessControlEntry> entries) {
        List<Entry> out = new ArrayList<>(entries.size());
        for (AccessControlEntry e : entries) {
            out.add(new Entry(e.principal(), e.permission().kafkaName(), e.operation().kafkaName(), e.host()));
        }
        return new AclDocument(CURRENT_VERSION, out);
    }

    /**
     * The entries, in document order.
     *
     * @throws CorruptMetadataException when an entry names an unknown operation or permission, or lacks a field
     */
    public Set<AccessControlEntry> entries() {
        Set<AccessControlEntry> out = new LinkedHashSet<>();
        for (Entry e : acls) {
            if (e == null || e.principal() == null || e.host() == null || e.operation() == null || e.permissionType() == null) {
                throw new CorruptMetadataException("an ACL entry lacks principal, permissionType, operation or host: " + e);
            }
            AclOperation op = AclOperation.parse(e.operation())
                    .orElseThrow(() -> new CorruptMetadataException("unknown ACL operation '" + e.operation() + "'"));
            AclPermissionType permission = AclPermissionType.parse(e.permissionType())
                    .orElseThrow(() -> new CorruptMetadataException("unknown ACL permissionType '" + e.permissionType() + "'"));
            try {
                out.add(new AccessControlEntry(e.principal(), e.host(), op, permission));
            } catch (IllegalArgumentException invalid) {
                throw new CorruptMetadataException("invalid ACL entry " + e + ": " + invalid.getMessage(), invalid);
            }
        }
        return out;
    }

    /** Decodes and checks a znode's bytes in one step; {@link CorruptMetadataException} when they are not ACLs. */
    static Set<AccessControlEntry> decodeEntries(byte[] data) {
        return Objects.requireNonNull(CODEC.decode(data)).entries();
    }
}
