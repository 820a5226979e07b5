package io.tributary.api.security;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import javax.crypto.Mac;

/**
 * The SCRAM mechanisms (RFC 5802, RFC 7677) with Kafka's names and its minimum iteration count: the hash, the HMAC
 * and the PBKDF2 variant each uses. Immutable.
 */
public enum ScramMechanism {
    SCRAM_SHA_256("SCRAM-SHA-256", "SHA-256", "HmacSHA256", "PBKDF2WithHmacSHA256", 32),
    SCRAM_SHA_512("SCRAM-SHA-512", "SHA-512", "HmacSHA512", "PBKDF2WithHmacSHA512", 64);

    /** Fewer iterations make a stolen credential cheap to brute-force; Kafka refuses them too. */
    public static final int MIN_ITERATIONS = 4096;
    /** An upper bound, so a hostile credential update cannot make every login burn seconds of CPU. */
    public static final int MAX_ITERATIONS = 16_384 * 64;

    private final String mechanismName;
    private final String hashAlgorithm;
    private final String macAlgorithm;
    private final String pbkdf2Algorithm;
    private final int keyBytes;

    ScramMechanism(String mechanismName, String hashAlgorithm, String macAlgorithm, String pbkdf2Algorithm, int keyBytes) {
        this.mechanismName = mechanismName;
        this.hashAlgorithm = hashAlgorithm;
        this.macAlgorithm = macAlgorithm;
        this.pbkdf2Algorithm = pbkdf2Algorithm;
        this.keyBytes = keyBytes;
    }

    /** The SASL mechanism name, as clients and {@code /config/users} write it: {@code SCRAM-SHA-512}. */
    public String mechanismName() {
        return mechanismName;
    }

    public static Optional<ScramMechanism> forName(String name) {
        for (ScramMechanism m : values()) {
            if (m.mechanismName.equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    String pbkdf2Algorithm() {
        return pbkdf2Algorithm;
    }

    int keyBytes() {
        return keyBytes;
    }

    MessageDigest digest() {
        try {
            return MessageDigest.getInstance(hashAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(hashAlgorithm + " is missing from this JDK", e);
        }
    }

    Mac mac() {
        try {
            return Mac.getInstance(macAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(macAlgorithm + " is missing from this JDK", e);
        }
    }
}
