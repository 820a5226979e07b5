package io.tributary.client.admin;

import io.tributary.api.security.ScramMechanism;

import java.util.Objects;

/** Removes a user's credential for one mechanism. Immutable. */
public record UserScramCredentialDeletion(String user, ScramMechanism mechanism) implements UserScramCredentialAlteration {
    public UserScramCredentialDeletion {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(mechanism, "mechanism");
    }
}
