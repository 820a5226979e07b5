package io.tributary.client.admin;

import io.tributary.api.TributaryException;

import java.util.List;

/** The configuration of one resource, or the error that prevented describing or altering it. Immutable. */
public record ResourceConfig(ConfigResource resource, List<ConfigEntry> entries, TributaryException error) {
    public ResourceConfig {
        entries = List.copyOf(entries);
    }

    public ConfigEntry get(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }
}
