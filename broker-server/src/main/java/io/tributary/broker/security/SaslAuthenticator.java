package io.tributary.broker.security;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.security.ScramCredential;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The server side of SASL for every transport: which mechanisms a listener enables, and one {@link Exchange} per
 * authentication. SCRAM-SHA-256/512 run {@link ScramServer}; PLAIN checks the password against the user's stored
 * SCRAM credential (the password is salted and hashed with the stored salt and iterations, and the result compared
 * in constant time with the stored key), so one credential store serves both and no password is ever kept. PLAIN is
 * refused on listeners without TLS whatever the configuration says: it sends the password itself.
 *
 * <p>Thread-safe; exchanges are not (one per connection attempt).
 */
public final class SaslAuthenticator {
    public static final String PLAIN = "PLAIN";
    /** The longest SASL message accepted: SCRAM messages are a few hundred bytes. */
    public static final int MAX_TOKEN_BYTES = 8 * 1024;

    /** Where credentials come from (ZooKeeper's {@code /config/users}). */
    @FunctionalInterface
    public interface CredentialSource {
        Optional<ScramCredential> scram(String user, ScramMechanism mechanism) throws Exception;
    }

    private final Set<String> enabledMechanisms;
    private final CredentialSource credentials;
    private final byte[] unknownUserSecret = new byte[32];

    /**
     * @param enabledMechanisms {@code sasl.enabled.mechanisms}; validated by the config
     */
    public SaslAuthenticator(List<String> enabledMechanisms, CredentialSource credentials) {
        this.enabledMechanisms = Set.copyOf(new LinkedHashSet<>(enabledMechanisms));
        this.credentials = credentials;
        new SecureRandom().nextBytes(unknownUserSecret);
    }

    /** The mechanisms this broker accepts on a listener with ({@code tls}) or without TLS. */
    public Set<String> mechanisms(boolean tls) {
        Set<String> out = new LinkedHashSet<>(enabledMechanisms);
        if (!tls) {
            out.remove(PLAIN);
        }
        return out;
    }

    /**
     * Starts an exchange.
     *
     * @throws TributaryException UNSUPPORTED_SASL_MECHANISM when the listener does not enable {@code mechanism}
     */
    public Exchange start(String mechanism, boolean tls) {
        if (!mechanisms(tls).contains(mechanism)) {
            String why = PLAIN.equals(mechanism) && !tls && enabledMechanisms.contains(PLAIN)
                    ? "PLAIN sends the password itself and is accepted only on SASL_SSL listeners"
                    : "mechanism '" + mechanism + "' is not enabled on this listener";
            throw new TributaryException(ErrorCode.UNSUPPORTED_SASL_MECHANISM, why + "; enabled: " + mechanisms(tls));
        }
        if (PLAIN.equals(mechanism)) {
            return new PlainExchange();
        }
        return new ScramExchange(ScramMechanism.forName(mechanism).orElseThrow());
    }

    /** One authentication attempt. Not thread-safe. */
    public interface Exchange {
        /**
         * Consumes the client's next message and returns the server's answer (empty when there is none).
         *
         * @throws TributaryException SASL_AUTHENTICATION_FAILED (same for unknown users and wrong passwords) or
         *                            ILLEGAL_SASL_STATE
         */
        byte[] evaluate(byte[] clientMessage);

        boolean complete();

        /** {@code User:<name>} once complete. */
        String principal();

        String mechanism();
    }

    private static TributaryException failed() {
        return new TributaryException(ErrorCode.SASL_AUTHENTICATION_FAILED, ScramServer.INVALID_CREDENTIALS);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TributaryException(ErrorCode.ILLEGAL_SASL_STATE, "a SASL message must be UTF-8 text");
        }
    }

    private Optional<ScramCredential> lookup(String user, ScramMechanism m) {
        try {
            return credentials.scram(user, m);
        } catch (Exception e) {
            throw new TributaryException(ErrorCode.BROKER_NOT_AVAILABLE,
                    "the broker could not read credentials from ZooKeeper; retry (" + e.getMessage() + ")", e);
        }
    }

    private final class ScramExchange implements Exchange {
        private final ScramMechanism mechanism;
        private final ScramServer server;
        private int step;

        ScramExchange(ScramMechanism mechanism) {
            this.mechanism = mechanism;
            this.server = new ScramServer(mechanism, user -> lookup(user, mechanism), unknownUserSecret);
        }

        @Override
        public byte[] evaluate(byte[] clientMessage) {
            check(clientMessage);
            try {
                String answer = switch (step) {
                    case 0 -> server.serverFirst(utf8(clientMessage));
                    case 1 -> server.serverFinal(utf8(clientMessage));
                    default -> throw new TributaryException(ErrorCode.ILLEGAL_SASL_STATE,
                            "the SCRAM exchange is complete; no further message is expected");
                };
                step++;
                return answer.getBytes(StandardCharsets.UTF_8);
            } catch (ScramServer.ScramException e) {
                step = 3;
                ErrorCode code = e.getMessage().contains("out of order") ? ErrorCode.ILLEGAL_SASL_STATE : ErrorCode.SASL_AUTHENTICATION_FAILED;
                throw new TributaryException(code, e.getMessage());
            }
        }

        @Override
        public boolean complete() {
            return step == 2;
        }

        @Override
        public String principal() {
            return "User:" + server.username();
        }

        @Override
        public String mechanism() {
            return mechanism.mechanismName();
        }
    }

    /** RFC 4616: {@code [authzid] NUL authcid NUL passwd}. */
    private final class PlainExchange implements Exchange {
        private String user;

        @Override
        public byte[] evaluate(byte[] clientMessage) {
            check(clientMessage);
            if (user != null) {
                throw new TributaryException(ErrorCode.ILLEGAL_SASL_STATE, "PLAIN takes exactly one message");
            }
            String text = utf8(clientMessage);
            int first = text.indexOf('\0');
            int second = first < 0 ? -1 : text.indexOf('\0', first + 1);
            if (second < 0 || text.indexOf('\0', second + 1) >= 0) {
                throw new TributaryException(ErrorCode.SASL_AUTHENTICATION_FAILED,
                        "a PLAIN message is [authzid] NUL user NUL password");
            }
            String authzid = text.substring(0, first);
            String name = text.substring(first + 1, second);
            String password = text.substring(second + 1);
            if (name.isEmpty() || (!authzid.isEmpty() && !authzid.equals(name))) {
                throw new TributaryException(ErrorCode.SASL_AUTHENTICATION_FAILED,
                        "PLAIN needs a user name, and an authorization identity, if any, equal to it");
            }
            if (!verify(name, password)) {
                throw failed();
            }
            user = name;
            return new byte[0];
        }

        /** Same work for unknown users: a made-up credential of the strongest mechanism is checked and discarded. */
        private boolean verify(String name, String password) {
            Optional<ScramCredential> stored = lookup(name, ScramMechanism.SCRAM_SHA_512);
            ScramMechanism m = ScramMechanism.SCRAM_SHA_512;
            if (stored.isEmpty()) {
                stored = lookup(name, ScramMechanism.SCRAM_SHA_256);
                m = stored.isPresent() ? ScramMechanism.SCRAM_SHA_256 : m;
            }
            ScramFormatter f = new ScramFormatter(m);
            ScramCredential c = stored.orElseGet(() -> new ScramCredential(
                    f.hmac(unknownUserSecret, name.getBytes(StandardCharsets.UTF_8)), new byte[f.mechanism() == ScramMechanism.SCRAM_SHA_512 ? 64 : 32],
                    new byte[f.mechanism() == ScramMechanism.SCRAM_SHA_512 ? 64 : 32], ScramMechanism.MIN_ITERATIONS));
            byte[] storedKey = f.storedKey(f.clientKey(f.saltedPassword(password, c.salt(), c.iterations())));
            return MessageDigest.isEqual(storedKey, c.storedKey()) & stored.isPresent();
        }

        @Override
        public boolean complete() {
            return user != null;
        }

        @Override
        public String principal() {
            return "User:" + user;
        }

        @Override
        public String mechanism() {
            return PLAIN;
        }
    }

    private static void check(byte[] message) {
        if (message.length > MAX_TOKEN_BYTES) {
            throw new TributaryException(ErrorCode.ILLEGAL_SASL_STATE,
                    "a SASL message must be at most " + MAX_TOKEN_BYTES + " bytes, got " + message.length);
        }
    }
}
