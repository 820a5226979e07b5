package io.tributary.client.admin;

import io.tributary.api.security.ScramMechanism;

import java.util.Objects;

/**
 * Sets a user's credential for one mechanism. The password stays in this process: the admin client sends a random
 * salt and the salted password ({@code Hi(password, salt, iterations)}), as Kafka's does. {@link #toString()} hides
 * the password. Immutable.
 *
 * @param iterations at least {@link ScramMechanism#MIN_ITERATIONS}, at most {@link ScramMechanism#MAX_ITERATIONS}
 */
public record UserScramCredentialUpsertion(String user, ScramCredentialInfo info, String password) implements UserScramCredentialAlteration {
    public UserScramCredentialUpsertion {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(password, "password");
        if (user.isEmpty()) {
            throw new IllegalArgumentException("a SCRAM credential needs a user name");
        }
        if (password.isEmpty()) {
            throw new IllegalArgumentException("the password of user " + user + " must not be empty");
        }
        if (info.iterations() < ScramMechanism.MIN_ITERATIONS || info.iterations() > ScramMechanism.MAX_ITERATIONS) {
            throw new IllegalArgumentException(info.mechanism().mechanismName() + " iterations must be in ["
                    + ScramMechanism.MIN_ITERATIONS + ", " + ScramMechanism.MAX_ITERATIONS + "], got " + info.iterations());
        }
    }

    /** With {@link ScramCredentialInfo#DEFAULT_ITERATIONS} (4096). */
    public UserScramCredentialUpsertion(String user, ScramMechanism mechanism, String password) {
        this(user, new ScramCredentialInfo(mechanism, ScramCredentialInfo.DEFAULT_ITERATIONS), password);
    }

    @Override
    public String toString() {
        return "UserScramCredentialUpsertion(user=" + user + ", " + info + ", password=[hidden])";
    }
}
