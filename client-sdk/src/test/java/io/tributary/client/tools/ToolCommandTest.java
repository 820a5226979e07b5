package io.tributary.client.tools;

import io.tributary.client.tools.ToolCommand.ToolException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolCommandTest {
    @Test
    void configListsSplitBetweenEntriesAndKeepBracketedListsWhole() {
        assertEquals(List.of("cleanup.policy=compact,delete", "retention.ms=1"),
                ToolCommand.splitConfigList(List.of("cleanup.policy=[compact,delete],retention.ms=1"), "--add-config"));
        assertEquals(List.of("a=1", "b=2", "c=x,y"),
                ToolCommand.splitConfigList(List.of("a=1,b=2", "c=[x,y]"), "--add-config"));
        assertEquals(List.of("k="), ToolCommand.splitConfigList(List.of("k=[]"), "--add-config"));
    }

    @Test
    void unbalancedBracketsAreUsageErrorsNamingTheFlag() {
        ToolException open = assertThrows(ToolException.class,
                () -> ToolCommand.splitConfigList(List.of("cleanup.policy=[compact,delete"), "--add-config"));
        assertTrue(open.getMessage().startsWith("invalid --add-config 'cleanup.policy=[compact,delete'"), open.getMessage());
        assertThrows(ToolException.class, () -> ToolCommand.splitConfigList(List.of("a=b]"), "--add-config"));
        assertThrows(ToolException.class, () -> ToolCommand.splitConfigList(List.of("a=[b]c"), "--add-config"));
    }

    @Test
    void brokerListBecomesBootstrapServerWithOneWarningAndZookeeperIsRefused() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertArrayEquals(new String[] {"--bootstrap-server", "h:1", "--topic", "t", "--bootstrap-server=h:2", "--", "--broker-list"},
                ToolCommand.translateKafkaFlags(new String[] {"--broker-list", "h:1", "--topic", "t", "--broker-list=h:2", "--",
                        "--broker-list"}, errStream));
        assertEquals(1, err.toString(StandardCharsets.UTF_8).lines().count(), err.toString(StandardCharsets.UTF_8));
        assertNull(ToolCommand.translateKafkaFlags(new String[] {"--zookeeper", "h:2181", "--list"}, errStream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Use --bootstrap-server HOST:PORT"));
    }
}
