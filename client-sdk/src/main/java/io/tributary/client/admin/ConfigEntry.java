package io.tributary.client.admin;

/** One configuration value with where it came from: DYNAMIC (set in ZooKeeper), STATIC_BROKER, DEFAULT. Immutable. */
public record ConfigEntry(String name, String value, String source, boolean readOnly, String documentation) {
}
