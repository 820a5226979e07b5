package io.tributary.client.admin;

import java.util.List;
import java.util.Map;

/** Keys to set and keys to return to their default, for one resource. Immutable. */
public record ConfigAlteration(Map<String, String> set, List<String> delete) {
    public ConfigAlteration {
        set = set == null ? Map.of() : Map.copyOf(set);
        delete = delete == null ? List.of() : List.copyOf(delete);
    }
}
