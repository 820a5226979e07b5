package io.tributary.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The client side of one SCRAM exchange (RFC 5802 §5): {@link #clientFirst()}, then {@link #clientFinal} with the
 * server's first message, then {@link #verifyServerFinal} to know the server holds the credential too. No channel
 * binding (gs2 header {@code n,,}): TLS below protects the exchange. Not thread-safe; one object per exchange.
 */
public final class ScramClient {
    private static final String GS2_HEADER = "n,,";

    private final ScramFormatter formatter;
    private final String username;
    private final String password;
    private final String clientNonce = ScramFormatter.nonce();
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramClient(ScramMechanism mechanism, String username, String password) {
        this.formatter = new ScramFormatter(mechanism);
        this.username = username;
        this.password = password;
    }

    public String clientFirst() {
        clientFirstBare = "n=" + ScramFormatter.saslName(username) + ",r=" + clientNonce;
        return GS2_HEADER + clientFirstBare;
    }

    /** @throws IllegalArgumentException when the server's message is malformed or does not continue our nonce */
    public String clientFinal(String serverFirst) {
        if (clientFirstBare == null) {
            throw new IllegalStateException("clientFirst() first");
        }
        String nonce = null;
        String salt = null;
        String iterations = null;
        for (String attr : serverFirst.split(",")) {
            if (attr.startsWith("r=")) {
                nonce = attr.substring(2);
            } else if (attr.startsWith("s=")) {
                salt = attr.substring(2);
            } else if (attr.startsWith("i=")) {
                iterations = attr.substring(2);
            } else if (attr.startsWith("e=")) {
                throw new IllegalArgumentException("the server refused: " + attr.substring(2));
            }
        }
        if (nonce == null || salt == null || iterations == null) {
            throw new IllegalArgumentException("the server's first SCRAM message lacks r, s or i: " + serverFirst);
        }
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new IllegalArgumentException("the server's nonce does not extend ours: a replayed or forged exchange");
        }
        int i = Integer.parseInt(iterations);
        if (i < ScramMechanism.MIN_ITERATIONS) {
            throw new IllegalArgumentException("the server asks for " + i + " iterations, fewer than " + ScramMechanism.MIN_ITERATIONS);
        }
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(GS2_HEADER.getBytes(StandardCharsets.US_ASCII)) + ",r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] salted = formatter.saltedPassword(password, Base64.getDecoder().decode(salt), i);
        expectedServerSignature = formatter.serverSignature(formatter.serverKey(salted), authMessage);
        return withoutProof + ",p=" + Base64.getEncoder().encodeToString(formatter.clientProof(salted, authMessage));
    }

    /** @throws IllegalArgumentException when the server refused, or its signature is not the one the password gives */
    public void verifyServerFinal(String serverFinal) {
        if (serverFinal.startsWith("e=")) {
            throw new IllegalArgumentException("the server refused: " + serverFinal.substring(2));
        }
        if (!serverFinal.startsWith("v=") || expectedServerSignature == null) {
            throw new IllegalArgumentException("not a SCRAM server-final message: " + serverFinal);
        }
        byte[] signature = Base64.getDecoder().decode(serverFinal.substring(2));
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new IllegalArgumentException("the server's signature is wrong: it does not hold this user's credential");
        }
    }
}
