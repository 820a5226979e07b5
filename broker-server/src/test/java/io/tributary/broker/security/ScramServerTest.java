package io.tributary.broker.security;

import io.tributary.api.security.ScramClient;
import io.tributary.api.security.ScramCredential;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SCRAM-SHA-256/512 exchanges between the SDK's client side and the broker's server side, honest and hostile. */
class ScramServerTest {
    private static final byte[] SECRET = "broker-secret".getBytes(StandardCharsets.UTF_8);

    private static Function<String, Optional<ScramCredential>> users(ScramMechanism m, Map<String, String> passwords) {
        ScramFormatter f = new ScramFormatter(m);
        Map<String, ScramCredential> stored = new HashMap<>();
        passwords.forEach((u, p) -> stored.put(u, f.credential(p, 4096)));
        return u -> Optional.ofNullable(stored.get(u));
    }

    @Test
    void rfc7677TestVectorForScramSha256() {
        ScramFormatter f = new ScramFormatter(ScramMechanism.SCRAM_SHA_256);
        String clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
        String serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        String withoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] salted = f.saltedPassword("pencil", Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        assertEquals("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", Base64.getEncoder().encodeToString(f.clientProof(salted, authMessage)));
        assertEquals("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
                Base64.getEncoder().encodeToString(f.serverSignature(f.serverKey(salted), authMessage)));
    }

    @Test
    void anHonestExchangeSucceedsBothWaysForBothMechanisms() throws Exception {
        for (ScramMechanism m : ScramMechanism.values()) {
            ScramServer server = new ScramServer(m, users(m, Map.of("ali,ce=1", "s3cret")), SECRET);
            ScramClient client = new ScramClient(m, "ali,ce=1", "s3cret");
            String serverFinal = server.serverFinal(client.clientFinal(server.serverFirst(client.clientFirst())));
            client.verifyServerFinal(serverFinal);
            assertEquals("ali,ce=1", server.username(), "',' and '=' survive the saslname escaping");
        }
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameAnswerAtTheSameStep() throws Exception {
        ScramMechanism m = ScramMechanism.SCRAM_SHA_512;
        Function<String, Optional<ScramCredential>> users = users(m, Map.of("alice", "right"));
        ScramServer.ScramException wrong = assertThrows(ScramServer.ScramException.class, () -> exchange(m, users, "alice", "wrong"));
        ScramServer.ScramException unknown = assertThrows(ScramServer.ScramException.class, () -> exchange(m, users, "mallory", "x"));
        assertEquals(ScramServer.INVALID_CREDENTIALS, wrong.getMessage());
        assertEquals(wrong.getMessage(), unknown.getMessage());
        // An unknown user's salt is stable, so asking twice does not reveal that it is made up.
        String first = new ScramServer(m, users, SECRET).serverFirst("n,,n=mallory,r=abc");
        String again = new ScramServer(m, users, SECRET).serverFirst("n,,n=mallory,r=xyz");
        assertEquals(first.substring(first.indexOf(",s=")), again.substring(again.indexOf(",s=")));
        assertTrue(first.endsWith(",i=4096"), first);
    }

    private static void exchange(ScramMechanism m, Function<String, Optional<ScramCredential>> users, String user, String password)
            throws ScramServer.ScramException {
        ScramServer server = new ScramServer(m, users, SECRET);
        ScramClient client = new ScramClient(m, user, password);
        server.serverFinal(client.clientFinal(server.serverFirst(client.clientFirst())));
    }

    @Test
    void replayedForgedAndTamperedFinalMessagesAreRefused() throws Exception {
        ScramMechanism m = ScramMechanism.SCRAM_SHA_256;
        Function<String, Optional<ScramCredential>> users = users(m, Map.of("alice", "pw"));
        // A recorded, valid client-final message of one exchange...
        ScramServer s1 = new ScramServer(m, users, SECRET);
        ScramClient c1 = new ScramClient(m, "alice", "pw");
        String recordedFinal = c1.clientFinal(s1.serverFirst(c1.clientFirst()));
        s1.serverFinal(recordedFinal);
        // ...replayed into another exchange: that one has its own server nonce.
        ScramServer s2 = new ScramServer(m, users, SECRET);
        ScramClient c2 = new ScramClient(m, "alice", "pw");
        s2.serverFirst(c2.clientFirst());
        ScramServer.ScramException replay = assertThrows(ScramServer.ScramException.class, () -> s2.serverFinal(recordedFinal));
        assertTrue(replay.getMessage().contains("nonce"), replay.getMessage());

        // A forged nonce (the client's only, the server's part dropped).
        ScramServer s3 = new ScramServer(m, users, SECRET);
        ScramClient c3 = new ScramClient(m, "alice", "pw");
        String clientFirst = c3.clientFirst();
        String genuine = c3.clientFinal(s3.serverFirst(clientFirst));
        String clientNonce = clientFirst.substring(clientFirst.indexOf("r=") + 2);
        String forged = genuine.replaceFirst("r=[^,]+", "r=" + clientNonce);
        assertThrows(ScramServer.ScramException.class, () -> s3.serverFinal(forged));

        // A tampered proof.
        ScramServer s4 = new ScramServer(m, users, SECRET);
        ScramClient c4 = new ScramClient(m, "alice", "pw");
        String fin = c4.clientFinal(s4.serverFirst(c4.clientFirst()));
        byte[] proof = Base64.getDecoder().decode(fin.substring(fin.lastIndexOf("p=") + 2));
        proof[0] ^= 1;
        String tampered = fin.substring(0, fin.lastIndexOf("p=") + 2) + Base64.getEncoder().encodeToString(proof);
        assertEquals(ScramServer.INVALID_CREDENTIALS, assertThrows(ScramServer.ScramException.class, () -> s4.serverFinal(tampered)).getMessage());
    }

    @Test
    void channelBindingOutOfOrderAndMalformedMessagesAreRefused() throws Exception {
        ScramMechanism m = ScramMechanism.SCRAM_SHA_256;
        Function<String, Optional<ScramCredential>> users = users(m, Map.of("alice", "pw"));
        for (String bad : new String[]{"p=tls-unique,,n=alice,r=abc", "y,,n=alice,r=abc", "n,,r=abc", "n,,n=alice", "n,,n=al=ice,r=abc",
                "n,a=bob,n=alice,r=abc", "n,,n=alice,r=abc,m=ext", "x".repeat(5000)}) {
            assertThrows(ScramServer.ScramException.class, () -> new ScramServer(m, users, SECRET).serverFirst(bad), bad);
        }
        ScramServer s = new ScramServer(m, users, SECRET);
        assertThrows(ScramServer.ScramException.class, () -> s.serverFinal("c=biws,r=abc,p=AAAA"), "final before first");
        ScramServer done = new ScramServer(m, users, SECRET);
        ScramClient c = new ScramClient(m, "alice", "pw");
        String fin = c.clientFinal(done.serverFirst(c.clientFirst()));
        done.serverFinal(fin);
        assertThrows(ScramServer.ScramException.class, () -> done.serverFinal(fin), "a second final");
    }

    @Test
    void credentialsUseKafkasTextFormAndNeverShowSecrets() {
        ScramCredential c = new ScramFormatter(ScramMechanism.SCRAM_SHA_512).credential("pw", 8192);
        ScramCredential back = ScramCredential.parse(c.format());
        assertEquals(c, back);
        assertArrayEquals(c.salt(), back.salt());
        assertTrue(c.format().matches("salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=8192"), c.format());
        assertEquals("ScramCredential(iterations=8192)", c.toString());
        assertNotEquals(c, new ScramFormatter(ScramMechanism.SCRAM_SHA_512).credential("pw", 8192), "a fresh salt each time");
        assertThrows(IllegalArgumentException.class, () -> new ScramFormatter(ScramMechanism.SCRAM_SHA_256).credential("pw", 1000));
        assertThrows(IllegalArgumentException.class, () -> ScramCredential.parse("salt=AA==,iterations=4096"));
    }
}
