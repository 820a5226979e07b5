package io.tributary.client.integration;

import io.grpc.ManagedChannel;
import io.tributary.broker.testing.SecureCluster;

import java.util.Map;

/** The authorization matrix with SCRAM-SHA-512 over SASL_SSL (Kafka's SaslScramSslEndToEndAuthorizationTest). */
class ScramSslEndToEndAuthorizationTest extends EndToEndAuthorizationTest {
    @Override
    protected String variant() {
        return "scram";
    }

    @Override
    protected Map<String, Object> client(String user) {
        return saslSsl("SCRAM-SHA-512", user);
    }

    @Override
    protected ManagedChannel rawChannel(String user, int broker) {
        return SecureCluster.authenticated(cluster, broker, ca, user, user + "-secret");
    }
}
