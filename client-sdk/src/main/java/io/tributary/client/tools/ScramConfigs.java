package io.tributary.client.tools;

import io.tributary.api.security.ScramMechanism;
import io.tributary.client.admin.ScramCredentialInfo;
import io.tributary.client.admin.UserScramCredentialUpsertion;
import io.tributary.client.tools.ToolCommand.ToolException;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * kafka-configs.sh's SCRAM settings for {@code --entity-type users}:
 * {@code --add-config 'SCRAM-SHA-512=[iterations=8192,password=..],SCRAM-SHA-256=[password=..]'} (iterations default
 * 4096) and {@code --delete-config SCRAM-SHA-512}. A password may hold anything but a comma or a bracket (the list
 * syntax's own characters, as in Kafka); no error message ever repeats what was given after a '=', since that may be a
 * password.
 *
 * <p>Stateless.
 */
final class ScramConfigs {
    private static final String FORM = "expected SCRAM-SHA-256=[iterations=N,password=P] or SCRAM-SHA-512=[...]";

    private ScramConfigs() {
    }

    /** The upsertions {@code --add-config} asks for, one per mechanism. */
    static List<UserScramCredentialUpsertion> upsertions(String user, List<String> addConfig) {
        List<String> entries;
        try {
            entries = ToolCommand.splitConfigList(addConfig, "--add-config");
        } catch (ToolException unbalanced) {
            throw new ToolException("invalid --add-config for users: unbalanced brackets; " + FORM);
        }
        List<UserScramCredentialUpsertion> out = new ArrayList<>();
        Set<ScramMechanism> seen = EnumSet.noneOf(ScramMechanism.class);
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            ScramMechanism mechanism = eq < 0 ? null : mechanism(entry.substring(0, eq).trim());
            if (mechanism == null) {
                throw new ToolException("invalid --add-config for users: only SCRAM credentials are set here; " + FORM);
            }
            if (!seen.add(mechanism)) {
                throw new ToolException("invalid --add-config for users: " + mechanism.mechanismName() + " is given twice");
            }
            Integer iterations = null;
            String password = null;
            for (String setting : entry.substring(eq + 1).split(",")) {
                int at = setting.indexOf('=');
                String key = at < 0 ? "" : setting.substring(0, at).trim();
                String value = at < 0 ? "" : setting.substring(at + 1);
                if (key.equals("password")) {
                    password = value;
                } else if (key.equals("iterations")) {
                    try {
                        iterations = Integer.parseInt(value.trim());
                    } catch (NumberFormatException e) {
                        throw new ToolException("invalid --add-config for users: " + mechanism.mechanismName()
                                + " iterations must be a whole number");
                    }
                } else {
                    throw new ToolException("invalid --add-config for users: " + mechanism.mechanismName()
                            + " takes iterations=N and password=P only; " + FORM);
                }
            }
            if (password == null || password.isEmpty()) {
                throw new ToolException("invalid --add-config for users: " + mechanism.mechanismName() + " needs password=...");
            }
            ScramCredentialInfo info = new ScramCredentialInfo(mechanism, iterations == null ? ScramCredentialInfo.DEFAULT_ITERATIONS : iterations);
            try {
                out.add(new UserScramCredentialUpsertion(user, info, password));
            } catch (IllegalArgumentException e) {
                throw new ToolException("invalid --add-config for users: " + e.getMessage());
            }
        }
        return out;
    }

    /** The mechanisms {@code --delete-config} names. */
    static Set<ScramMechanism> deletions(List<String> deleteConfig) {
        Set<ScramMechanism> out = EnumSet.noneOf(ScramMechanism.class);
        for (String name : deleteConfig) {
            ScramMechanism m = mechanism(name.trim());
            if (m == null) {
                throw new ToolException("invalid --delete-config '" + name + "' for users: expected SCRAM-SHA-256 or SCRAM-SHA-512");
            }
            out.add(m);
        }
        return out;
    }

    private static ScramMechanism mechanism(String name) {
        return ScramMechanism.forName(name.toUpperCase(Locale.ROOT)).orElse(null);
    }
}
