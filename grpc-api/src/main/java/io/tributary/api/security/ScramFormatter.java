package io.tributary.api.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * SCRAM's arithmetic (RFC 5802 §3) for one mechanism, shared by the server (which stores and checks) and clients
 * (which prove): SaltedPassword = Hi(password, salt, i) (PBKDF2), ClientKey = HMAC(SaltedPassword, "Client Key"),
 * StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key"), ClientProof = ClientKey XOR
 * HMAC(StoredKey, AuthMessage), ServerSignature = HMAC(ServerKey, AuthMessage). The password is taken as its UTF-8
 * bytes without SASLprep, as Kafka does, so credentials made by either work with the other's clients.
 *
 * <p>Thread-safe: every call makes its own Mac and digest.
 */
public final class ScramFormatter {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SALT_BYTES = 32;
    private static final int NONCE_BYTES = 24;

    private final ScramMechanism mechanism;

    public ScramFormatter(ScramMechanism mechanism) {
        this.mechanism = mechanism;
    }

    public ScramMechanism mechanism() {
        return mechanism;
    }

    /** A new credential for {@code password}: a random salt, {@code iterations} rounds. */
    public ScramCredential credential(String password, int iterations) {
        if (iterations < ScramMechanism.MIN_ITERATIONS || iterations > ScramMechanism.MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be in [" + ScramMechanism.MIN_ITERATIONS + ", "
                    + ScramMechanism.MAX_ITERATIONS + "], got " + iterations);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] salted = saltedPassword(password, salt, iterations);
        return new ScramCredential(salt, storedKey(clientKey(salted)), serverKey(salted), iterations);
    }

    public byte[] saltedPassword(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, mechanism.keyBytes() * 8);
            try {
                return SecretKeyFactory.getInstance(mechanism.pbkdf2Algorithm()).generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mechanism.pbkdf2Algorithm() + " failed", e);
        }
    }

    public byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    }

    public byte[] serverKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
    }

    public byte[] storedKey(byte[] clientKey) {
        return mechanism.digest().digest(clientKey);
    }

    /** ClientKey XOR HMAC(StoredKey, AuthMessage): what the client sends as {@code p=}. */
    public byte[] clientProof(byte[] saltedPassword, String authMessage) {
        byte[] clientKey = clientKey(saltedPassword);
        return xor(clientKey, hmac(storedKey(clientKey), authMessage.getBytes(StandardCharsets.UTF_8)));
    }

    /** The ClientKey a proof reveals to a server holding StoredKey: proof XOR HMAC(StoredKey, AuthMessage). */
    public byte[] clientKeyFromProof(byte[] storedKey, byte[] proof, String authMessage) {
        return xor(proof, hmac(storedKey, authMessage.getBytes(StandardCharsets.UTF_8)));
    }

    public byte[] serverSignature(byte[] serverKey, String authMessage) {
        return hmac(serverKey, authMessage.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] hmac(byte[] key, byte[] data) {
        Mac mac = mechanism.mac();
        try {
            mac.init(new SecretKeySpec(key, mac.getAlgorithm()));
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("an HMAC key was refused", e);
        }
        return mac.doFinal(data);
    }

    /** A fresh nonce: random, printable, without ',' (RFC 5802's {@code printable}). */
    public static String nonce() {
        byte[] bytes = new byte[NONCE_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A user name as SCRAM writes it: ',' and '=' escaped as =2C and =3D. */
    public static String saslName(String username) {
        return username.replace("=", "=3D").replace(",", "=2C");
    }

    /** The user name a {@code saslname} stands for; null when it has a bare '=' (malformed). */
    public static String username(String saslName) {
        StringBuilder out = new StringBuilder(saslName.length());
        for (int i = 0; i < saslName.length(); i++) {
            char c = saslName.charAt(i);
            if (c == '=') {
                if (saslName.startsWith("=2C", i)) {
                    out.append(',');
                } else if (saslName.startsWith("=3D", i)) {
                    out.append('=');
                } else {
                    return null;
                }
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static byte[] xor(byte[] a, byte[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("SCRAM values of different lengths: " + a.length + " and " + b.length);
        }
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }
}
