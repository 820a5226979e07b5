package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The data of an ACL change notification, in Kafka's two forms (its {@code LiteralAclChangeStore} and
 * {@code ExtendedAclChangeStore}):
 * <pre>
 * {root}/kafka-acl-changes/acl_changes_{seq}            TOPIC:orders        (ResourceType:name, name as is)
 * {root}/kafka-acl-extended-changes/acl_changes_{seq}   {"version":1,"resourceType":"TOPIC","name":"orders","patternType":"PREFIXED"}
 * </pre>
 * Kafka 2.4+ writes the resource type as its Java enum name ({@code TOPIC}, {@code TRANSACTIONAL_ID}); Kafka up to 2.3
 * wrote {@code Topic}. Both are written here the first way and read either way (case-insensitively), so changes
 * written by Kafka's own tools are understood. Immutable.
 */
@JsonPropertyOrder({"version", "resourceType", "name", "patternType"})
public record AclChangeEvent(@JsonProperty("version") int version,
                             @JsonProperty("resourceType") String resourceType,
                             @JsonProperty("name") String name,
                             @JsonProperty("patternType") String patternType) implements ZkDocument {
    public static final ZkCodec<AclChangeEvent> CODEC = new ZkCodec<>(AclChangeEvent.class, "ACL change event");

    /** What a change notification about {@code pattern} holds. */
    public static byte[] encode(ResourcePattern pattern) {
        if (pattern.patternType() == PatternType.LITERAL) {
            return (pattern.type().name() + ":" + pattern.name()).getBytes(StandardCharsets.UTF_8);
        }
        return CODEC.encode(new AclChangeEvent(CURRENT_VERSION, pattern.type().name(), pattern.name(),
                pattern.patternType().name()));
    }

    /**
     * The pattern a notification names.
     *
     * @param extended whether it was read under {@code kafka-acl-extended-changes} (JSON) rather than
     *                 {@code kafka-acl-changes} ({@code Type:name})
     * @throws CorruptMetadataException when the data is neither form
     */
    public static ResourcePattern decode(byte[] data, boolean extended) {
        if (!extended) {
            String text = new String(data == null ? new byte[0] : data, StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new CorruptMetadataException("expected an ACL change of the form ResourceType:name, got '" + text + "'");
            }
            return pattern(text.substring(0, colon), text.substring(colon + 1), PatternType.LITERAL.name());
        }
        AclChangeEvent e = CODEC.decode(data);
        return pattern(e.resourceType(), e.name(), e.patternType());
    }

    private static ResourcePattern pattern(String type, String name, String patternType) {
        ResourceType t = type == null ? null : ResourceType.parse(type).orElse(null);
        PatternType p = patternType == null ? null : PatternType.parse(patternType.toUpperCase(Locale.ROOT)).orElse(null);
        if (t == null || p == null || name == null) {
            throw new CorruptMetadataException("ACL change names no known resource: type " + type + ", name " + name
                    + ", pattern type " + patternType);
        }
        try {
            return new ResourcePattern(t, name, p);
        } catch (IllegalArgumentException invalid) {
            throw new CorruptMetadataException("ACL change names an invalid resource: " + invalid.getMessage(), invalid);
        }
    }
}
