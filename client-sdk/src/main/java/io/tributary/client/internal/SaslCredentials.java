package io.tributary.client.internal;

import io.tributary.api.config.ConfigException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The SASL slice of a client's configuration: mechanism, user name and password, from {@code sasl.username} /
 * {@code sasl.password} or from Kafka's {@code sasl.jaas.config}
 * ({@code org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="..";}).
 * {@link #toString()} never shows the password. Immutable.
 */
public record SaslCredentials(String mechanism, String username, String password) {
    public SaslCredentials {
        Objects.requireNonNull(mechanism, "mechanism");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "SaslCredentials(mechanism=" + mechanism + ", username=" + username + ", password=[hidden])";
    }

    /** One JAAS login module entry: the module's class name and its options. {@link #toString()} hides the values. */
    public record JaasEntry(String loginModule, Map<String, String> options) {
        @Override
        public String toString() {
            return "JaasEntry(" + loginModule + ", options=" + options.keySet() + ")";
        }
    }

    /**
     * Parses a JAAS login module entry: {@code <LoginModule class> required key="value" key2=value2;}. Values may be
     * quoted, with backslash escapes inside quotes. Error messages never quote values.
     *
     * @throws ConfigException when the text is not one login module entry
     */
    public static JaasEntry parseJaas(String key, String text) {
        String s = text.trim();
        int i = 0;
        int n = s.length();
        while (i < n && !Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        String module = s.substring(0, i);
        if (module.isEmpty()) {
            throw new ConfigException(key + ": expected '<LoginModule> required username=\"..\" password=\"..\";'");
        }
        i = skipSpaces(s, i);
        int flagStart = i;
        while (i < n && Character.isLetter(s.charAt(i))) {
            i++;
        }
        String flag = s.substring(flagStart, i);
        if (!(flag.equals("required") || flag.equals("requisite") || flag.equals("sufficient") || flag.equals("optional"))) {
            throw new ConfigException(key + ": the login module must be followed by a control flag such as 'required'");
        }
        Map<String, String> options = new LinkedHashMap<>();
        while (true) {
            i = skipSpaces(s, i);
            if (i >= n) {
                throw new ConfigException(key + ": the entry must end with ';'");
            }
            if (s.charAt(i) == ';') {
                if (!s.substring(i + 1).isBlank()) {
                    throw new ConfigException(key + ": exactly one login module entry is expected");
                }
                return new JaasEntry(module, options);
            }
            int nameStart = i;
            while (i < n && s.charAt(i) != '=' && !Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            String name = s.substring(nameStart, i);
            i = skipSpaces(s, i);
            if (i >= n || s.charAt(i) != '=' || name.isEmpty()) {
                throw new ConfigException(key + ": expected option=value after the control flag");
            }
            i = skipSpaces(s, i + 1);
            StringBuilder value = new StringBuilder();
            if (i < n && s.charAt(i) == '"') {
                i++;
                while (i < n && s.charAt(i) != '"') {
                    char c = s.charAt(i);
                    if (c == '\\' && i + 1 < n) {
                        c = s.charAt(++i);
                    }
                    value.append(c);
                    i++;
                }
                if (i >= n) {
                    throw new ConfigException(key + ": the value of option '" + name + "' has no closing quote");
                }
                i++;
            } else {
                while (i < n && !Character.isWhitespace(s.charAt(i)) && s.charAt(i) != ';') {
                    value.append(s.charAt(i++));
                }
            }
            if (options.put(name, value.toString()) != null) {
                throw new ConfigException(key + ": option '" + name + "' is given twice");
            }
        }
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
