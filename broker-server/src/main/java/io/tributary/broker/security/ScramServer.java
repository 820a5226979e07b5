package io.tributary.broker.security;

import io.tributary.api.security.ScramCredential;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The server side of one SCRAM exchange (RFC 5802 §5, RFC 7677): {@link #serverFirst} answers the client's first
 * message with the user's salt and iterations and a nonce of ours appended to the client's; {@link #serverFinal}
 * checks the client's proof against the stored credential and returns the server signature. Secrets are compared in
 * constant time. An unknown user gets a made-up salt (stable per name, from a secret of this broker) and fails at the
 * same step with the same error as a wrong password, so neither the answer nor its timing tells whether a user
 * exists. Without channel binding ({@code n,,}): TLS below protects the exchange.
 *
 * <p>Not thread-safe: one object per exchange, driven by one connection.
 */
public final class ScramServer {
    /** The one answer to bad credentials, whatever was wrong. */
    public static final String INVALID_CREDENTIALS = "authentication failed: invalid username or password";
    private static final int MAX_MESSAGE_CHARS = 4096;

    private final ScramFormatter formatter;
    private final Function<String, Optional<ScramCredential>> credentials;
    private final byte[] unknownUserSecret;

    private enum Step { FIRST, FINAL, DONE, FAILED }

    private Step step = Step.FIRST;
    private String username;
    private ScramCredential credential;
    private boolean knownUser;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;

    /**
     * @param credentials       the stored credential of a user for this mechanism, if it has one
     * @param unknownUserSecret a secret of this broker from which made-up salts of unknown users are derived
     */
    public ScramServer(ScramMechanism mechanism, Function<String, Optional<ScramCredential>> credentials, byte[] unknownUserSecret) {
        this.formatter = new ScramFormatter(mechanism);
        this.credentials = credentials;
        this.unknownUserSecret = unknownUserSecret.clone();
    }

    /** Thrown when the exchange fails; its message is what the client may be told. */
    public static final class ScramException extends Exception {
        ScramException(String message) {
            super(message);
        }
    }

    public String serverFirst(String clientFirst) throws ScramException {
        expect(Step.FIRST);
        check(clientFirst);
        // gs2-header: "n,," or "n,a=<authzid>,"; "y" or "p=" ask for channel binding, which is not offered.
        int first = clientFirst.indexOf(',');
        int second = first < 0 ? -1 : clientFirst.indexOf(',', first + 1);
        if (second < 0 || !clientFirst.startsWith("n,")) {
            throw fail("the SCRAM client-first message must start with the gs2 header n,, (channel binding is not supported)");
        }
        gs2Header = clientFirst.substring(0, second + 1);
        String authzid = clientFirst.substring(first + 1, second);
        clientFirstBare = clientFirst.substring(second + 1);
        String saslName = null;
        String clientNonce = null;
        for (String attr : clientFirstBare.split(",")) {
            if (attr.startsWith("n=")) {
                saslName = attr.substring(2);
            } else if (attr.startsWith("r=")) {
                clientNonce = attr.substring(2);
            } else if (attr.startsWith("m=")) {
                throw fail("mandatory SCRAM extensions are not supported");
            }
        }
        if (saslName == null || clientNonce == null || clientNonce.isEmpty() || clientNonce.contains(",")) {
            throw fail("the SCRAM client-first message needs n=<user> and r=<nonce>");
        }
        username = ScramFormatter.username(saslName);
        if (username == null || username.isEmpty()) {
            throw fail("the SCRAM user name is malformed (',' and '=' are written =2C and =3D)");
        }
        if (!authzid.isEmpty() && !authzid.equals("a=" + saslName)) {
            throw fail("an authorization identity different from the user name is not supported");
        }
        Optional<ScramCredential> stored = credentials.apply(username);
        knownUser = stored.isPresent();
        credential = stored.orElseGet(() -> madeUp(username));
        nonce = clientNonce + ScramFormatter.nonce();
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i=" + credential.iterations();
        step = Step.FINAL;
        return serverFirst;
    }

    /** @return the server-final message {@code v=<signature>} once the proof holds */
    public String serverFinal(String clientFinal) throws ScramException {
        expect(Step.FINAL);
        check(clientFinal);
        int proofAt = clientFinal.lastIndexOf(",p=");
        if (proofAt < 0) {
            throw fail("the SCRAM client-final message needs p=<proof>");
        }
        String withoutProof = clientFinal.substring(0, proofAt);
        String channelBinding = null;
        String finalNonce = null;
        for (String attr : withoutProof.split(",")) {
            if (attr.startsWith("c=")) {
                channelBinding = attr.substring(2);
            } else if (attr.startsWith("r=")) {
                finalNonce = attr.substring(2);
            }
        }
        String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.US_ASCII));
        if (!expectedBinding.equals(channelBinding)) {
            throw fail("the SCRAM channel binding c= does not match the gs2 header of the first message");
        }
        if (finalNonce == null || !MessageDigest.isEqual(finalNonce.getBytes(StandardCharsets.US_ASCII), nonce.getBytes(StandardCharsets.US_ASCII))) {
            throw fail("the SCRAM nonce of the final message is not this exchange's: a replayed or forged message");
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(clientFinal.substring(proofAt + 3));
        } catch (IllegalArgumentException notBase64) {
            throw fail(INVALID_CREDENTIALS);
        }
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] storedKey = credential.storedKey();
        if (proof.length != storedKey.length) {
            throw fail(INVALID_CREDENTIALS);
        }
        byte[] clientKey = formatter.clientKeyFromProof(storedKey, proof, authMessage);
        // Constant time, and the same work for unknown users, whose made-up keys never match.
        boolean valid = MessageDigest.isEqual(formatter.storedKey(clientKey), storedKey) & knownUser;
        if (!valid) {
            throw fail(INVALID_CREDENTIALS);
        }
        step = Step.DONE;
        return "v=" + Base64.getEncoder().encodeToString(formatter.serverSignature(credential.serverKey(), authMessage));
    }

    /** The authenticated user name; only after a successful {@link #serverFinal}. */
    public String username() {
        if (step != Step.DONE) {
            throw new IllegalStateException("the SCRAM exchange has not succeeded");
        }
        return username;
    }

    private ScramCredential madeUp(String user) {
        byte[] seed = formatter.hmac(unknownUserSecret, user.getBytes(StandardCharsets.UTF_8));
        byte[] salt = Arrays.copyOf(seed, 32);
        byte[] storedKey = formatter.hmac(seed, "stored".getBytes(StandardCharsets.US_ASCII));
        byte[] serverKey = formatter.hmac(seed, "server".getBytes(StandardCharsets.US_ASCII));
        return new ScramCredential(salt, storedKey, serverKey, ScramMechanism.MIN_ITERATIONS);
    }

    private void expect(Step wanted) throws ScramException {
        if (step != wanted) {
            Step was = step;
            step = Step.FAILED;
            throw new ScramException("SCRAM message out of order (exchange is " + was.name().toLowerCase(Locale.ROOT) + ")");
        }
    }

    private void check(String message) throws ScramException {
        if (message == null || message.length() > MAX_MESSAGE_CHARS) {
            throw fail("a SCRAM message must be at most " + MAX_MESSAGE_CHARS + " characters");
        }
    }

    private ScramException fail(String why) {
        step = Step.FAILED;
        return new ScramException(why);
    }
}
