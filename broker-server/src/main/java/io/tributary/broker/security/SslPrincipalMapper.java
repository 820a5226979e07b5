package io.tributary.broker.security;

import io.tributary.api.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Maps a client certificate's subject to a principal name with {@code ssl.principal.mapping.rules}, written as Kafka
 * writes them (KIP-371): a comma-separated list of {@code RULE:pattern/replacement/} (optionally followed by
 * {@code L} or {@code U} to lower- or upper-case the result) and {@code DEFAULT} (the subject as it is). The subject
 * is the RFC 2253 form of the distinguished name ({@code CN=alice,OU=eng,O=Acme}); the first rule whose pattern
 * matches the whole subject decides; a subject that no rule matches is refused. A slash inside a pattern or a
 * replacement is written {@code \/}; commas may appear inside them.
 *
 * <p>Example: {@code RULE:^CN=([^,]+),OU=brokers.*$/$1/L,DEFAULT} maps {@code CN=Broker-1,OU=brokers,O=Acme} to
 * {@code broker-1} and anything else to its full subject.
 *
 * <p>Immutable and thread-safe.
 */
public final class SslPrincipalMapper {
    private sealed interface Rule permits Default, Replace {
    }

    private record Default() implements Rule {
    }

    private record Replace(Pattern pattern, String replacement, char caseChange) implements Rule {
    }

    private final List<Rule> rules;

    private SslPrincipalMapper(List<Rule> rules) {
        this.rules = rules;
    }

    /** @throws ConfigException naming the rule that does not parse */
    public static SslPrincipalMapper fromRules(String rules) {
        String spec = rules == null || rules.isBlank() ? "DEFAULT" : rules.trim();
        List<Rule> parsed = new ArrayList<>();
        int i = 0;
        while (i < spec.length()) {
            i = skipSpaces(spec, i);
            if (spec.startsWith("DEFAULT", i)) {
                parsed.add(new Default());
                i += "DEFAULT".length();
            } else if (spec.startsWith("RULE:", i)) {
                int patternStart = i + "RULE:".length();
                int patternEnd = unescapedSlash(spec, patternStart);
                int replacementEnd = patternEnd < 0 ? -1 : unescapedSlash(spec, patternEnd + 1);
                if (replacementEnd < 0) {
                    throw invalid(spec, i, "a RULE needs the form RULE:pattern/replacement/ with an optional L or U after it");
                }
                String pattern = spec.substring(patternStart, patternEnd);
                String replacement = spec.substring(patternEnd + 1, replacementEnd);
                i = replacementEnd + 1;
                char caseChange = 0;
                if (i < spec.length() && (spec.charAt(i) == 'L' || spec.charAt(i) == 'U')) {
                    caseChange = spec.charAt(i++);
                }
                try {
                    parsed.add(new Replace(Pattern.compile(pattern), replacement, caseChange));
                } catch (PatternSyntaxException e) {
                    throw invalid(spec, patternStart, "'" + pattern + "' is not a valid regular expression: " + e.getDescription());
                }
            } else {
                throw invalid(spec, i, "expected RULE:pattern/replacement/[L|U] or DEFAULT");
            }
            i = skipSpaces(spec, i);
            if (i < spec.length()) {
                if (spec.charAt(i) != ',') {
                    throw invalid(spec, i, "rules are separated by commas");
                }
                i++;
                if (skipSpaces(spec, i) == spec.length()) {
                    throw invalid(spec, i, "a comma must be followed by another rule");
                }
            }
        }
        return new SslPrincipalMapper(List.copyOf(parsed));
    }

    /**
     * The principal name for a certificate subject.
     *
     * @throws IllegalArgumentException when no rule matches (the connection is then refused)
     */
    public String principalName(String distinguishedName) {
        for (Rule rule : rules) {
            if (rule instanceof Default) {
                return distinguishedName;
            }
            Replace r = (Replace) rule;
            Matcher m = r.pattern().matcher(distinguishedName);
            if (m.matches()) {
                String name = m.replaceAll(r.replacement());
                return switch (r.caseChange()) {
                    case 'L' -> name.toLowerCase(Locale.ROOT);
                    case 'U' -> name.toUpperCase(Locale.ROOT);
                    default -> name;
                };
            }
        }
        throw new IllegalArgumentException("no ssl.principal.mapping.rules rule matches the certificate subject '"
                + distinguishedName + "'");
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The index of the next '/' not preceded by a backslash, from {@code from}; -1 if none. */
    private static int unescapedSlash(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '/') {
                return i;
            }
        }
        return -1;
    }

    private static ConfigException invalid(String spec, int at, String why) {
        return new ConfigException("ssl.principal.mapping.rules: " + why + " (at position " + at + " of '" + spec + "')");
    }
}
