package io.tributary.client.integration;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.testing.StablePorts;
import io.tributary.broker.config.BrokerConfig;
import io.tributary.broker.server.BrokerServer;
import io.tributary.broker.testing.SecureCluster;
import io.tributary.broker.testing.TestCertificates;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.integration.ToolsIntegrationTest.Run;
import io.tributary.client.tools.AclsCommand;
import io.tributary.client.tools.ConfigsCommand;
import io.tributary.client.tools.ToolCommand;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static io.tributary.client.integration.SecureClients.sasl;
import static io.tributary.client.integration.ToolsIntegrationTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tributary-configs.sh for users and tributary-acls.sh, run in-process against one secured broker, as an operator
 * would: the first super user is written into ZooKeeper with {@code --zookeeper} before the broker starts (Kafka's
 * bootstrap), and that user then manages other users' SCRAM credentials and ACLs through the broker with a
 * {@code --command-config} of SASL keys. No output ever holds a password.
 */
@Timeout(value = 180, unit = java.util.concurrent.TimeUnit.SECONDS)
class SecurityToolsIntegrationTest {
    private static final String ADMIN_PASSWORD = "admin-boot-secret";
    private static final String ALICE_PASSWORD = "alice-tool-secret";

    private static Path dir;
    private static TestCertificates ca;
    private static TestingServer zookeeper;
    private static BrokerServer broker;
    private static Run bootstrapAdd;
    private static Run bootstrapDescribe;
    private static Path adminConfig;

    @BeforeAll
    static void bootstrapThenStartTheBroker() throws Exception {
        dir = Files.createTempDirectory("tributary-security-tools");
        ca = TestCertificates.newAuthority(dir, "cluster");
        zookeeper = new TestingServer(true);
        String zk = zookeeper.getConnectString() + "/tributary";
        // Before any broker runs: the only way in is ZooKeeper.
        bootstrapAdd = run(ConfigsCommand::new, "", "--zookeeper", zk, "--entity-type", "users", "--entity-name", "admin", "--alter",
                "--add-config", "SCRAM-SHA-512=[iterations=8192,password=" + ADMIN_PASSWORD + "],SCRAM-SHA-256=[password=" + ADMIN_PASSWORD + "]");
        bootstrapDescribe = run(ConfigsCommand::new, "", "--zookeeper", zk, "--entity-type", "users", "--describe");

        Map<String, Object> props = new LinkedHashMap<>(SecureCluster.brokerProps(ca, Map.of()));
        props.put(BrokerConfig.BROKER_ID, 1);
        props.put(BrokerConfig.LISTENERS, ((String) props.get(BrokerConfig.LISTENERS)).replace("{PORT}", Integer.toString(StablePorts.next()))
                .replace("{PORT2}", Integer.toString(StablePorts.next())).replace("{PORT3}", Integer.toString(StablePorts.next())));
        props.put(BrokerConfig.LOG_DIRS, dir.resolve("broker-1").toString());
        props.put(BrokerConfig.ZOOKEEPER_CONNECT, zk);
        props.put(BrokerConfig.ZOOKEEPER_SESSION_TIMEOUT_MS, 6_000);
        broker = new BrokerServer(BrokerConfig.fromMap(props), io.tributary.broker.common.Time.SYSTEM);
        broker.start();
        adminConfig = SecureClients.writeProperties(dir, "admin.properties", admin());
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    private static String saslBootstrap() {
        return "127.0.0.1:" + broker.port(SecureCluster.SASL_SSL);
    }

    private static Map<String, Object> admin() {
        return sasl(saslBootstrap(), ca, "SCRAM-SHA-512", "admin", ADMIN_PASSWORD);
    }

    private static Run tool(Supplier<ToolCommand> tool, String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--bootstrap-server";
        all[1] = saslBootstrap();
        all[2] = "--command-config";
        all[3] = adminConfig.toString();
        System.arraycopy(args, 0, all, 4, args.length);
        Run r = run(tool, "", all);
        for (String secret : List.of(ADMIN_PASSWORD, ALICE_PASSWORD)) {
            assertFalse(r.out().contains(secret) || r.err().contains(secret), "no tool prints a password: " + r);
        }
        return r;
    }

    @Test
    void zookeeperBootstrapCreatesTheFirstSuperUserBeforeAnyBrokerRuns() {
        assertEquals(0, bootstrapAdd.exitCode(), bootstrapAdd.err());
        assertEquals("Completed updating config for user-principal 'admin'.", bootstrapAdd.out().strip());
        assertEquals(0, bootstrapDescribe.exitCode(), bootstrapDescribe.err());
        assertEquals("SCRAM credential configs for user-principal 'admin' are SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=8192",
                bootstrapDescribe.out().strip());
        assertFalse(bootstrapAdd.out().contains(ADMIN_PASSWORD) || bootstrapDescribe.out().contains(ADMIN_PASSWORD));
        // The broker that started afterwards takes the credential: admin authenticates with either mechanism.
        for (String mechanism : List.of("SCRAM-SHA-512", "SCRAM-SHA-256")) {
            Map<String, Object> p = admin();
            p.put("sasl.mechanism", mechanism);
            try (TributaryAdmin a = new TributaryAdmin(p)) {
                assertEquals(1, a.describeCluster().brokers().get(0).id());
            }
        }
    }

    @Test
    void usersAddDescribeAndDeleteScramCredentialsThroughTheBroker() {
        Run add = tool(ConfigsCommand::new, "--entity-type", "users", "--entity-name", "alice", "--alter", "--add-config",
                "SCRAM-SHA-512=[iterations=8192,password=" + ALICE_PASSWORD + "],SCRAM-SHA-256=[password=" + ALICE_PASSWORD + "]");
        assertEquals(0, add.exitCode(), add.err());
        assertEquals("Completed updating config for user-principal 'alice'.", add.out().strip());
        Run describe = tool(ConfigsCommand::new, "--entity-type", "users", "--entity-name", "alice", "--describe");
        assertEquals(0, describe.exitCode(), describe.err());
        assertEquals("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096, SCRAM-SHA-512=iterations=8192",
                describe.out().strip());
        Run all = tool(ConfigsCommand::new, "--entity-type", "users", "--describe");
        assertTrue(all.out().contains("user-principal 'admin' are") && all.out().contains("user-principal 'alice' are"), all.out());
        assertFalse(all.out().contains("salt") || all.out().contains("stored_key"), all.out());

        Map<String, Object> alice = sasl(saslBootstrap(), ca, "SCRAM-SHA-512", "alice", ALICE_PASSWORD);
        try (TributaryAdmin a = new TributaryAdmin(alice)) {
            a.listTopics(false);
        }

        Run delete = tool(ConfigsCommand::new, "--entity-type", "users", "--entity-name", "alice", "--alter", "--delete-config", "SCRAM-SHA-512");
        assertEquals(0, delete.exitCode(), delete.err());
        Run after = tool(ConfigsCommand::new, "--entity-type", "users", "--entity-name", "alice", "--describe");
        assertEquals("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=4096", after.out().strip());
        try (TributaryAdmin a = new TributaryAdmin(alice)) {
            TributaryException e = assertThrows(TributaryException.class, () -> a.listTopics(false));
            assertEquals(ErrorCode.SASL_AUTHENTICATION_FAILED, e.error(), "the deleted SCRAM-SHA-512 credential no longer works");
        }

        Run bad = tool(ConfigsCommand::new, "--entity-type", "users", "--entity-name", "alice", "--alter", "--add-config",
                "SCRAM-SHA-512=[iterations=100,password=" + ALICE_PASSWORD + "]");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("iterations must be in [4096"), bad.err());
        Run zkForTopics = run(ConfigsCommand::new, "", "--zookeeper", zookeeper.getConnectString(), "--entity-type", "topics",
                "--entity-name", "t", "--describe");
        assertEquals(1, zkForTopics.exitCode());
        assertTrue(zkForTopics.err().contains("--zookeeper is only for --entity-type users"), zkForTopics.err());
    }

    @Test
    void aclsAddListAndRemoveRoundTripThroughTheTool() {
        String pattern = "ResourcePattern(resourceType=TOPIC, name=tool-orders, patternType=LITERAL)";
        Run add = tool(AclsCommand::new, "--add", "--allow-principal", "User:alice", "--operation", "Read", "--operation", "describe",
                "--topic", "tool-orders");
        assertEquals(0, add.exitCode(), add.err());
        assertTrue(add.out().startsWith("Adding ACLs for resource `" + pattern + "`:\n"), add.out());
        assertTrue(add.out().contains("Current ACLs for resource `" + pattern + "`:\n"), add.out());
        Run consumer = tool(AclsCommand::new, "--add", "--allow-principal", "User:alice", "--consumer", "--topic", "tool-orders",
                "--group", "tool-billing");
        assertEquals(0, consumer.exitCode(), consumer.err());

        Run list = tool(AclsCommand::new, "--list", "--topic", "tool-orders");
        assertEquals(0, list.exitCode(), list.err());
        assertEquals("Current ACLs for resource `" + pattern + "`:", list.outLines().get(0));
        assertEquals(Set.of("\t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)",
                "\t(principal=User:alice, host=*, operation=DESCRIBE, permissionType=ALLOW)"),
                list.outLines().stream().skip(1).filter(l -> !l.isBlank()).collect(Collectors.toSet()), list.out());
        Run byPrincipal = tool(AclsCommand::new, "--list", "--principal", "User:alice");
        assertTrue(byPrincipal.out().contains("Current ACLs for resource `ResourcePattern(resourceType=GROUP, name=tool-billing,"
                + " patternType=LITERAL)`:\n\t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)"), byPrincipal.out());

        Run unconfirmed = tool(AclsCommand::new, "--remove", "--topic", "tool-orders");
        assertEquals(1, unconfirmed.exitCode());
        assertTrue(unconfirmed.err().contains("add --force"), unconfirmed.err());
        Run remove = tool(AclsCommand::new, "--remove", "--force", "--allow-principal", "User:alice", "--topic", "tool-orders");
        assertEquals(0, remove.exitCode(), remove.err());
        assertTrue(remove.out().startsWith("Removed ACLs for resource `" + pattern + "`:\n"), remove.out());
        Run empty = tool(AclsCommand::new, "--list", "--topic", "tool-orders");
        assertEquals("", empty.out().strip(), "no ACLs left on the topic");
        Run group = tool(AclsCommand::new, "--list", "--group", "tool-billing");
        assertTrue(group.out().contains("operation=READ"), "the group's ACL was not touched: " + group.out());
        Run removeGroup = tool(AclsCommand::new, "--remove", "--force", "--group", "tool-billing");
        assertEquals(0, removeGroup.exitCode(), removeGroup.err());
    }
}
