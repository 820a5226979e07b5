package io.tributary.api.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One table of configuration keys: name, type, default, validator and doc. Parsing checks every key against
 * the table, so an unknown or invalid key fails fast with a message naming it, and the same table renders the
 * reference documentation.
 *
 * <p>Built once at class-initialisation time, then immutable and thread-safe.
 */
public final class ConfigDef {
    /** Marks a key that has no default: parsing fails when it is absent. */
    public static final Object NO_DEFAULT = new Object() {
        @Override
        public String toString() {
            return "(required)";
        }
    };

    /** Value types. A PASSWORD is a string that is never shown: not in errors, not when configs are described. */
    public enum Type {
        BOOLEAN, INT, LONG, DOUBLE, STRING, LIST, PASSWORD
    }

    /** Checks a parsed value; throws {@link ConfigException} with a reason. */
    @FunctionalInterface
    public interface Validator {
        void ensureValid(String name, Object value);

        default String describe() {
            return "";
        }
    }

    public record Key(String name, Type type, Object defaultValue, Validator validator, String doc) {
    }

    private final Map<String, Key> keys = new LinkedHashMap<>();

    public ConfigDef define(String name, Type type, Object defaultValue, Validator validator, String doc) {
        if (keys.containsKey(name)) {
            throw new IllegalStateException("config key defined twice: " + name);
        }
        Object parsedDefault = defaultValue == NO_DEFAULT || defaultValue == null ? defaultValue : parse(name, type, defaultValue);
        if (parsedDefault != NO_DEFAULT && parsedDefault != null && validator != null) {
            validator.ensureValid(name, parsedDefault);
        }
        keys.put(name, new Key(name, type, parsedDefault, validator, doc));
        return this;
    }

    public ConfigDef define(String name, Type type, Object defaultValue, String doc) {
        return define(name, type, defaultValue, null, doc);
    }

    public Collection<Key> keys() {
        return Collections.unmodifiableCollection(keys.values());
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    /**
     * Parses and validates {@code props} against the table. Every problem is reported at once, one per line,
     * so an operator fixes a file in one pass.
     *
     * @return every defined key with its typed value (defaults filled in)
     * @throws ConfigException on unknown keys, unparsable or invalid values, or missing required keys
     */
    public Map<String, Object> parse(Map<?, ?> props) {
        List<String> errors = new ArrayList<>();
        Set<String> unknown = new TreeSet<>();
        for (Object k : props.keySet()) {
            if (!keys.containsKey(String.valueOf(k))) {
                unknown.add(String.valueOf(k));
            }
        }
        for (String u : unknown) {
            errors.add("unknown configuration key '" + u + "'" + suggestion(u));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Key key : keys.values()) {
            Object raw = props.get(key.name());
            try {
                Object value;
                if (raw == null) {
                    if (key.defaultValue() == NO_DEFAULT) {
                        throw new ConfigException("missing required configuration key '" + key.name() + "': " + key.doc());
                    }
                    value = key.defaultValue();
                } else {
                    value = parse(key.name(), key.type(), raw);
                    if (key.validator() != null && value != null) {
                        key.validator().ensureValid(key.name(), value);
                    }
                }
                values.put(key.name(), value);
            } catch (ConfigException e) {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("\n", errors));
        }
        return Collections.unmodifiableMap(values);
    }

    private String suggestion(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : keys.keySet()) {
            int d = editDistance(unknown, name);
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static Object parse(String name, Type type, Object raw) {
        if (raw == null) {
            return null;
        }
        String s = raw instanceof String str ? str.trim() : null;
        try {
            switch (type) {
                case BOOLEAN -> {
                    if (raw instanceof Boolean b) {
                        return b;
                    }
                    String v = s.toLowerCase(Locale.ROOT);
                    if (!v.equals("true") && !v.equals("false")) {
                        throw invalid(name, raw, "expected true or false");
                    }
                    return Boolean.valueOf(v);
                }
                case INT -> {
                    return raw instanceof Number n ? Math.toIntExact(n.longValue()) : Integer.parseInt(s);
                }
                case LONG -> {
                    return raw instanceof Number n ? n.longValue() : Long.parseLong(s);
                }
                case DOUBLE -> {
                    return raw instanceof Number n ? n.doubleValue() : Double.parseDouble(s);
                }
                case STRING, PASSWORD -> {
                    return raw instanceof String ? s : String.valueOf(raw);
                }
                case LIST -> {
                    if (raw instanceof List<?> l) {
                        return List.copyOf(l.stream().map(String::valueOf).toList());
                    }
                    if (s.isEmpty()) {
                        return List.of();
                    }
                    List<String> out = new ArrayList<>();
                    for (String part : s.split(",")) {
                        if (!part.isBlank()) {
                            out.add(part.trim());
                        }
                    }
                    return List.copyOf(out);
                }
                default -> throw new IllegalStateException("unhandled type " + type);
            }
        } catch (NumberFormatException | ArithmeticException | NullPointerException e) {
            throw invalid(name, raw, "expected " + type.name().toLowerCase(Locale.ROOT));
        }
    }

    static ConfigException invalid(String name, Object value, String why) {
        return new ConfigException("invalid value '" + value + "' for configuration key '" + name + "': " + why);
    }

    /** Accepts numbers in [min, max]; either bound may be null. */
    public static Validator between(Number min, Number max) {
        return new Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                double v = ((Number) value).doubleValue();
                if (min != null && v < min.doubleValue()) {
                    throw invalid(name, value, "must be at least " + min);
                }
                if (max != null && v > max.doubleValue()) {
                    throw invalid(name, value, "must be at most " + max);
                }
            }

            @Override
            public String describe() {
                return max == null ? "[" + min + ",...]" : "[" + (min == null ? "..." : min) + "," + max + "]";
            }
        };
    }

    public static Validator atLeast(Number min) {
        return between(min, null);
    }

    /** Accepts one of the given strings, ignoring case. */
    public static Validator oneOf(String... allowed) {
        List<String> list = List.of(allowed);
        return new Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                for (String a : list) {
                    if (a.equalsIgnoreCase(String.valueOf(value))) {
                        return;
                    }
                }
                throw invalid(name, value, "must be one of " + list);
            }

            @Override
            public String describe() {
                return list.toString();
            }
        };
    }

    /** A Markdown table of every key: the reference documentation, generated from the same definitions. */
    public String toMarkdownTable() {
        StringBuilder sb = new StringBuilder("| name | type | default | valid values | description |\n|---|---|---|---|---|\n");
        for (Key k : keys.values()) {
            sb.append("| `").append(k.name()).append("` | ").append(k.type().name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(Objects.toString(k.defaultValue(), "null")).append(" | ")
                    .append(k.validator() == null ? "" : k.validator().describe()).append(" | ")
                    .append(k.doc()).append(" |\n");
        }
        return sb.toString();
    }
}
