package io.tributary.api.security;

import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * What a server keeps of a SCRAM password (RFC 5802 §3): the salt, StoredKey = H(ClientKey), ServerKey and the
 * iteration count; never the password, and nothing a client could log in with. Written as Kafka writes it in
 * {@code /config/users/<user>}: {@code salt=<base64>,stored_key=<base64>,server_key=<base64>,iterations=4096}.
 * Immutable (the arrays are copied in and out).
 */
public record ScramCredential(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
    public ScramCredential {
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    /** Kafka's text form. */
    public String format() {
        Base64.Encoder b64 = Base64.getEncoder();
        return "salt=" + b64.encodeToString(salt) + ",stored_key=" + b64.encodeToString(storedKey)
                + ",server_key=" + b64.encodeToString(serverKey) + ",iterations=" + iterations;
    }

    /** @throws IllegalArgumentException naming what is missing or malformed */
    public static ScramCredential parse(String text) {
        Map<String, String> fields = new HashMap<>();
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("a SCRAM credential is salt=..,stored_key=..,server_key=..,iterations=..; got '"
                        + part + "'");
            }
            fields.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        try {
            Base64.Decoder b64 = Base64.getDecoder();
            return new ScramCredential(b64.decode(required(fields, "salt")), b64.decode(required(fields, "stored_key")),
                    b64.decode(required(fields, "server_key")), Integer.parseInt(required(fields, "iterations")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations of a SCRAM credential must be a number");
        }
    }

    private static String required(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("a SCRAM credential needs " + key);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredential c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(storedKey);
    }

    /** Shows the iteration count only: even derived keys stay out of logs. */
    @Override
    public String toString() {
        return "ScramCredential(iterations=" + iterations + ")";
    }
}
