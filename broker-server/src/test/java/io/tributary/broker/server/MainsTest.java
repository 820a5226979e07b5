package io.tributary.broker.server;

import io.tributary.broker.dev.DevCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker's mains parse their flags as the client tools do: usage errors exit 2 with a reason and a suggestion. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MainsTest {
    private record Run(int exit, String err) {
    }

    private static Run run(Object command, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Mains.commandLine(command);
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void aMistypedFlagExitsTwoAndSuggestsTheNearestOne() {
        Run r = run(new BrokerMain(), "server.properties", "--overide", "broker.id=1");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("Unknown options: '--overide'"), r.err());
        assertTrue(r.err().contains("Did you mean: --override?"), r.err());
        assertTrue(r.err().contains("Run with --help for usage."), r.err());

        Run dev = run(new DevCluster(), "--zk-prot", "2182");
        assertEquals(2, dev.exit(), dev.err());
        assertTrue(dev.err().contains("--zk-port"), dev.err());
    }

    @Test
    void aTargetThatIsNotHostColonPortIsAUsageError() {
        Run r = run(new HealthCheck(), "localhost");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("'localhost' is not HOST:PORT"), r.err());
        assertEquals(2, run(new ClusterStatus(), "127.0.0.1:9092,127.0.0.1:x").exit());
        assertEquals(2, run(new HealthCheck()).exit(), "the target is required");
    }

    @Test
    void aMissingConfigFileOrABadOverrideExitsOneWithTheReason(@TempDir Path dir) throws Exception {
        Run absent = run(new BrokerMain(), dir.resolve("absent.properties").toString());
        assertEquals(1, absent.exit());
        assertTrue(absent.err().contains("absent.properties does not exist"), absent.err());
        Path file = Files.writeString(dir.resolve("server.properties"),
                "broker.id=1\nzookeeper.connect=127.0.0.1:2181\nlog.dirs=" + dir.resolve("logs") + "\n");
        Run badOverride = run(new BrokerMain(), file.toString(), "--override", "no-equals-sign");
        assertEquals(1, badOverride.exit());
        assertTrue(badOverride.err().contains("--override 'no-equals-sign' is not key=value"), badOverride.err());
    }

    @Test
    void aBrokerNobodyListensForIsUnreachableExitOne() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertEquals(1, run(new HealthCheck(), "127.0.0.1:" + port, "--timeout-ms", "2000").exit());
    }
}
