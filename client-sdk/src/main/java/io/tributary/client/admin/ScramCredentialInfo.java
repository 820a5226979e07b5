package io.tributary.client.admin;

import io.tributary.api.security.ScramMechanism;

import java.util.Objects;

/**
 * One SCRAM credential as it may be shown: its mechanism and iteration count (never its salt or keys), as Kafka's
 * {@code ScramCredentialInfo}. Immutable.
 */
public record ScramCredentialInfo(ScramMechanism mechanism, int iterations) {
    /** Kafka's default and minimum. */
    public static final int DEFAULT_ITERATIONS = ScramMechanism.MIN_ITERATIONS;

    public ScramCredentialInfo {
        Objects.requireNonNull(mechanism, "mechanism");
    }

    @Override
    public String toString() {
        return mechanism.mechanismName() + "=iterations=" + iterations;
    }
}
