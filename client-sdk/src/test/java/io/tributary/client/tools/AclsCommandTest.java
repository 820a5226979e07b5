package io.tributary.client.tools;

import io.tributary.api.acl.AccessControlEntry;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;
import io.tributary.api.acl.AclOperation;
import io.tributary.api.acl.AclPermissionType;
import io.tributary.api.acl.PatternType;
import io.tributary.api.acl.ResourcePattern;
import io.tributary.api.acl.ResourceType;
import io.tributary.client.tools.ToolCommand.ToolException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tributary-acls.sh's options turned into bindings and filters, as kafka-acls.sh turns them, without a cluster. */
class AclsCommandTest {
    private static AclsCommand parse(String... args) {
        AclsCommand command = new AclsCommand();
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = "127.0.0.1:1";
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(command).parseArgs(all);
        return command;
    }

    private static AclBinding binding(ResourceType type, String name, PatternType pattern, String principal, String host,
                                      AclOperation op, AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, host, op, permission));
    }

    private static Set<String> ops(List<AclBinding> bindings, ResourceType type) {
        return bindings.stream().filter(b -> b.pattern().type() == type).map(b -> b.entry().operation().name()).collect(Collectors.toSet());
    }

    @Test
    void addMakesEveryPrincipalHostAndOperationOnEveryResourceWithKafkasDefaults() {
        List<AclBinding> b = parse("--add", "--allow-principal", "User:alice", "--allow-principal", "User:bob", "--allow-host", "10.0.0.1",
                "--deny-principal", "User:mallory", "--operation", "read", "--operation", "DESCRIBE", "--topic", "orders",
                "--group", "billing").additions();
        assertEquals(12, b.size(), b.toString());
        assertTrue(b.contains(binding(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "10.0.0.1", AclOperation.READ,
                AclPermissionType.ALLOW)));
        assertTrue(b.contains(binding(ResourceType.GROUP, "billing", PatternType.LITERAL, "User:mallory", "*", AclOperation.DESCRIBE,
                AclPermissionType.DENY)), "a deny principal without --deny-host is denied from every host");

        List<AclBinding> all = parse("--add", "--allow-principal", "User:alice", "--cluster").additions();
        assertEquals(List.of(binding(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:alice", "*", AclOperation.ALL,
                AclPermissionType.ALLOW)), all, "--operation defaults to All");

        List<AclBinding> prefixed = parse("--add", "--allow-principal", "User:alice", "--operation", "Write", "--topic", "orders-",
                "--resource-pattern-type", "PREFIXED").additions();
        assertEquals(PatternType.PREFIXED, prefixed.get(0).pattern().patternType());
    }

    @Test
    void producerAndConsumerAreKafkasConvenienceSets() {
        List<AclBinding> producer = parse("--add", "--allow-principal", "User:alice", "--producer", "--topic", "orders", "--idempotent",
                "--transactional-id", "tx-1").additions();
        assertEquals(Set.of("WRITE", "DESCRIBE", "CREATE"), ops(producer, ResourceType.TOPIC));
        assertEquals(Set.of("WRITE", "DESCRIBE"), ops(producer, ResourceType.TRANSACTIONAL_ID));
        assertEquals(Set.of("IDEMPOTENT_WRITE"), ops(producer, ResourceType.CLUSTER));
        assertEquals(6, producer.size());

        List<AclBinding> consumer = parse("--add", "--allow-principal", "User:bob", "--consumer", "--topic", "orders", "--group", "billing")
                .additions();
        assertEquals(Set.of("READ", "DESCRIBE"), ops(consumer, ResourceType.TOPIC));
        assertEquals(Set.of("READ"), ops(consumer, ResourceType.GROUP));
        assertEquals(3, consumer.size());

        assertMessage(() -> parse("--add", "--allow-principal", "User:bob", "--consumer", "--topic", "orders").additions(), "--consumer needs --group");
        assertMessage(() -> parse("--add", "--allow-principal", "User:bob", "--producer", "--operation", "Read", "--topic", "t").additions(),
                "cannot be combined");
    }

    @Test
    void addRefusesWhatKafkaRefuses() {
        assertMessage(() -> parse("--add", "--topic", "orders").additions(), "--add needs --allow-principal or --deny-principal");
        assertMessage(() -> parse("--add", "--allow-principal", "User:alice").additions(), "--add needs a resource");
        assertMessage(() -> parse("--add", "--allow-principal", "alice", "--topic", "t").additions(), "Type:name");
        assertMessage(() -> parse("--add", "--allow-principal", "User:alice", "--operation", "Read", "--cluster").additions(),
                "ResourceType Cluster only supports operations");
        assertMessage(() -> parse("--add", "--allow-principal", "User:alice", "--operation", "Fly", "--topic", "t").additions(),
                "invalid --operation 'Fly'");
        assertMessage(() -> parse("--add", "--allow-principal", "User:alice", "--topic", "t", "--resource-pattern-type", "match")
                .additions(), "--add takes literal or prefixed");
    }

    @Test
    void removeWithoutPrincipalsTakesEveryAclOfTheResourceAndWithThemOnlyTheirs() {
        List<AclBindingFilter> everything = parse("--remove", "--topic", "orders").removals();
        assertEquals(List.of(new AclBindingFilter(Optional.of(ResourceType.TOPIC), Optional.of("orders"), Optional.of(PatternType.LITERAL),
                false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty())), everything);

        List<AclBindingFilter> alice = parse("--remove", "--allow-principal", "User:alice", "--topic", "orders").removals();
        assertEquals(1, alice.size());
        AclBindingFilter f = alice.get(0);
        assertEquals(Optional.of("User:alice"), f.principal());
        assertEquals(Optional.of("*"), f.host());
        assertEquals(Optional.empty(), f.operation(), "no --operation: every operation of the principal");
        assertEquals(Optional.of(AclPermissionType.ALLOW), f.permission());

        List<AclBindingFilter> reads = parse("--remove", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders",
                "--resource-pattern-type", "any").removals();
        assertEquals(Optional.of(AclOperation.READ), reads.get(0).operation());
        assertEquals(Optional.empty(), reads.get(0).patternType());
        assertMessage(() -> parse("--remove", "--allow-principal", "User:alice").removals(), "--remove needs a resource");
    }

    @Test
    void listTakesEveryPatternTypeByDefaultAndFiltersByPrincipal() {
        List<AclBindingFilter> all = parse("--list").listFilters();
        assertEquals(List.of(AclBindingFilter.ANY), all);
        List<AclBindingFilter> topic = parse("--list", "--topic", "orders", "--principal", "User:alice").listFilters();
        assertEquals(List.of(new AclBindingFilter(Optional.of(ResourceType.TOPIC), Optional.of("orders"), Optional.empty(), false,
                Optional.of("User:alice"), Optional.empty(), Optional.empty(), Optional.empty())), topic);
        AclBindingFilter match = parse("--list", "--topic", "orders-eu", "--resource-pattern-type", "match").listFilters().get(0);
        assertTrue(match.matchingResource());
        assertTrue(match.matches(binding(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:a", "*", AclOperation.READ,
                AclPermissionType.ALLOW)), "MATCH finds the prefixed ACL that applies to the topic");
    }

    @Test
    void outputUsesKafkasWordsForPatternsAndEntries() {
        AclBinding b = binding(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "*", AclOperation.READ,
                AclPermissionType.ALLOW);
        assertEquals("ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)", AclsCommand.format(b.pattern()));
        assertEquals("(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)", AclsCommand.format(b.entry()));
    }

    @Test
    void removeWithoutForceAndWithoutATerminalRefusesInsteadOfWaiting() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ToolCommand.execute(new AclsCommand(), new String[] {"--bootstrap-server", "127.0.0.1:1", "--remove", "--topic", "t"},
                new ByteArrayInputStream("y\n".getBytes(StandardCharsets.UTF_8)), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("there is no terminal to confirm on: add --force"), err.toString());
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("Are you sure"));
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable run, String part) {
        ToolException e = assertThrows(ToolException.class, run);
        assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
    }
}
