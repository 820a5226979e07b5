package io.tributary.client.integration;

import io.grpc.ManagedChannel;
import io.tributary.api.security.SaslAuthentication;
import io.tributary.broker.testing.SecureCluster;

import java.util.Map;

/** The authorization matrix with SASL/PLAIN over SASL_SSL (Kafka's SaslPlainSslEndToEndAuthorizationTest). */
class PlainSslEndToEndAuthorizationTest extends EndToEndAuthorizationTest {
    @Override
    protected String variant() {
        return "plain";
    }

    @Override
    protected Map<String, Object> client(String user) {
        return saslSsl("PLAIN", user);
    }

    @Override
    protected ManagedChannel rawChannel(String user, int broker) {
        ManagedChannel ch = SecureCluster.tlsChannel(cluster, broker, SecureCluster.SASL_SSL, ca);
        SaslAuthentication.authenticate(ch, SaslAuthentication.PLAIN, user, user + "-secret", 10_000);
        return ch;
    }
}
