package io.tributary.client.integration;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import io.tributary.broker.testing.EmbeddedCluster;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.client.admin.AclCreation;
import io.tributary.client.admin.TributaryAdmin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client properties and ACL helpers for tests against a {@link SecureCluster}: SASL_SSL with SCRAM and the cluster's
 * CA, as Kafka's keys. Stateless.
 */
final class SecureClients {
    static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";

    private SecureClients() {
    }

    /** Every running broker's SASL_SSL address. */
    static String saslBootstrap(EmbeddedCluster cluster) {
        return cluster.runningBrokers().keySet().stream().sorted()
                .map(id -> "127.0.0.1:" + cluster.broker(id).port(SecureCluster.SASL_SSL)).collect(Collectors.joining(","));
    }

    /** SASL_SSL as {@code user} with {@code mechanism}, credentials in Kafka's sasl.jaas.config form. */
    static Map<String, Object> sasl(EmbeddedCluster cluster, TestCertificates ca, String mechanism, String user, String password) {
        return sasl(saslBootstrap(cluster), ca, mechanism, user, password);
    }

    static Map<String, Object> sasl(String bootstrap, TestCertificates ca, String mechanism, String user, String password) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("security.protocol", "SASL_SSL");
        props.put("ssl.truststore.location", ca.truststore().toString());
        props.put("ssl.truststore.password", TestCertificates.PASSWORD);
        props.put("sasl.mechanism", mechanism);
        props.put("sasl.jaas.config", SCRAM_MODULE + " required username=\"" + user + "\" password=\"" + password + "\";");
        props.put("request.timeout.ms", "10000");
        props.put("default.api.timeout.ms", "30000");
        return props;
    }

    static AclBinding allow(ResourceType type, String name, String principal, AclOperation operation) {
        return new AclBinding(ResourcePattern.literal(type, name),
                new AccessControlEntry(principal, AccessControlEntry.WILDCARD_HOST, operation, AclPermissionType.ALLOW));
    }

    /** Creates ACLs through the admin API and asserts each was created. */
    static void createAcls(TributaryAdmin admin, AclBinding... bindings) {
        for (AclCreation c : admin.createAcls(List.of(bindings))) {
            assertTrue(c.succeeded(), String.valueOf(c.error()));
        }
    }

    /** A properties file of {@code props} without bootstrap.servers (the tools take --bootstrap-server). */
    static Path writeProperties(Path dir, String name, Map<String, Object> props) {
        StringBuilder text = new StringBuilder();
        props.forEach((k, v) -> {
            if (!k.equals("bootstrap.servers")) {
                // Properties files treat a backslash as an escape: write one as two.
                text.append(k).append('=').append(String.valueOf(v).replace("\\", "\\\\")).append('\n');
            }
        });
        try {
            return Files.writeString(dir.resolve(name), text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
