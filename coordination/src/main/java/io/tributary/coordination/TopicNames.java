package io.tributary.coordination;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import java.util.Collection;
import java.util.Optional;

/**
 * Topic name rules (SPEC §1): {@code [a-zA-Z0-9._-]}, 1..{@value #MAX_LENGTH} characters, not {@code .} or
 * {@code ..}; two names that are equal once {@code .} is mapped to {@code _} collide (their metric names would),
 * so the second is rejected. Names starting with {@code __} are internal. Stateless.
 */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** @throws TributaryException {@code INVALID_TOPIC_EXCEPTION} with the reason */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw invalid("topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw invalid("topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > MAX_LENGTH) {
            throw invalid("topic name is " + name.length() + " characters long; the limit is " + MAX_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!legal) {
                throw invalid("topic name \"" + name + "\" contains '" + c
                        + "'; only ASCII letters, digits, '.', '_' and '-' are allowed");
            }
        }
    }

    public static boolean isInternal(String name) {
        return name.startsWith("__");
    }

    /** The existing topic {@code name} collides with (differs from it but maps to the same name), if any. */
    public static Optional<String> collision(String name, Collection<String> existing) {
        String unified = unify(name);
        return existing.stream().filter(t -> !t.equals(name) && unify(t).equals(unified)).findFirst();
    }

    static String unify(String name) {
        return name.replace('.', '_');
    }

    private static TributaryException invalid(String message) {
        return new TributaryException(ErrorCode.INVALID_TOPIC_EXCEPTION, message);
    }
}
