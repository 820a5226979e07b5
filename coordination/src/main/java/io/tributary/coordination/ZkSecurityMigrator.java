package io.tributary.coordination;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Kafka's {@code zookeeper-security-migration.sh} for Tributary: walks the chroot and every znode under it and sets
 * the ACLs {@code zookeeper.set.acl} gives new znodes ({@code --zookeeper.acl=secure}, see {@link ZkAclProvider}) or
 * ZooKeeper's open ACL, {@code world:anyone} all rights ({@code --zookeeper.acl=unsecure}). With no chroot it walks every
 * top-level znode but {@code /zookeeper}; the chroot's ancestors are left alone, as Kafka's tool leaves them.
 *
 * <p>Securing needs a SASL-authenticated session (the JAAS file from {@code -Djava.security.auth.login.config}, section
 * {@code --zookeeper.sasl.clientconfig}): the ACLs name the tool's identity as owner, so run it as the identity the
 * brokers use. Unsecuring a secured tree needs that identity too (changing an ACL needs the ADMIN right). Brokers may
 * keep running: znodes they create meanwhile get the ACLs of their own {@code zookeeper.set.acl}; set that on every
 * broker (rolling restart) before securing, as the Kafka docs say, and run the tool again if in doubt.
 *
 * <p>One walk, one thread, one znode at a time (a {@code getChildren} and a {@code setACL} each); not thread-safe.
 */
@Command(name = "zookeeper-security-migration", sortOptions = false, mixinStandardHelpOptions = true,
        description = "Set Kafka's secure (or open) ZooKeeper ACLs on every znode under Tributary's chroot.",
        footer = {"", "Example:",
                "  java -Djava.security.auth.login.config=/etc/tributary/zk-client-jaas.conf ... \\",
                "      io.tributary.coordination.ZkSecurityMigrator --zookeeper.connect zk1:2181/tributary --zookeeper.acl secure"})
public final class ZkSecurityMigrator implements Callable<Integer> {
    /** What one walk did. */
    public record Result(long znodesUpdated, long znodesVanished) {
    }

    @Option(names = "--zookeeper.acl", required = true, paramLabel = "secure|unsecure",
            description = "secure: creator (the SASL identity) all rights, world read except sensitive paths; unsecure: world all rights.")
    String acl;

    @Option(names = "--zookeeper.connect", required = true, paramLabel = "HOST:PORT[,...][/CHROOT]",
            description = "The brokers' zookeeper.connect (chroot default /tributary).")
    String connect;

    @Option(names = "--zookeeper.session.timeout", paramLabel = "MS", defaultValue = "30000", description = "Session timeout (default ${DEFAULT-VALUE}).")
    int sessionTimeoutMs;

    @Option(names = "--zookeeper.connection.timeout", paramLabel = "MS", defaultValue = "30000",
            description = "How long to wait for a connection (default ${DEFAULT-VALUE}).")
    int connectionTimeoutMs;

    @Option(names = "--zookeeper.sasl.clientconfig", paramLabel = "SECTION",
            defaultValue = "${sys:zookeeper.sasl.clientconfig:-Client}", description = "JAAS section to log in with (default ${DEFAULT-VALUE}).")
    String saslClientConfig;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ZkSecurityMigrator()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        boolean secure = switch (acl.toLowerCase(Locale.ROOT)) {
            case "secure" -> true;
            case "unsecure" -> false;
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "--zookeeper.acl must be secure or unsecure, got " + acl);
        };
        ZkConnect zk = ZkConnect.parse(connect);
        ZkClientSecurity security = new ZkClientSecurity(secure, true, saslClientConfig);
        PrintWriter out = new PrintWriter(System.out, true);
        try (CuratorFramework client = ZkSupport.newClient(zk, sessionTimeoutMs, connectionTimeoutMs, security)) {
            client.start();
            if (!client.blockUntilConnected(connectionTimeoutMs, TimeUnit.MILLISECONDS)) {
                System.err.println("could not connect to ZooKeeper at " + zk.hosts() + " within " + connectionTimeoutMs + " ms");
                return 1;
            }
            ZkSupport.requireAuthenticated(client, security);
            Result r = migrate(client, zk.layout(), secure);
            out.printf("set %s ACLs on %d znode(s) under %s (%d vanished during the walk)%n", secure ? "secure" : "open",
                    r.znodesUpdated(), zk.layout().root(), r.znodesVanished());
            return 0;
        }
    }

    /**
     * Sets the secure (or open) ACLs on the chroot and everything under it, parents before children.
     *
     * @param client a connected client; for {@code secure}, SASL-authenticated as the brokers' identity
     */
    public static Result migrate(CuratorFramework client, ZkLayout layout, boolean secure) throws Exception {
        Deque<String> todo = new ArrayDeque<>();
        if (layout.root().equals("/")) {
            for (String top : client.getChildren().forPath("/")) {
                if (!top.equals("zookeeper")) {
                    todo.push("/" + top);
                }
            }
        } else {
            todo.push(layout.root());
        }
        long updated = 0;
        long vanished = 0;
        while (!todo.isEmpty()) {
            String path = todo.pop();
            try {
                List<ACL> acls = ZkAclProvider.aclFor(layout, path, secure);
                client.setACL().withACL(acls).forPath(path);
                updated++;
                for (String child : client.getChildren().forPath(path)) {
                    todo.push(ZKPaths.makePath(path, child));
                }
            } catch (KeeperException.NoNodeException deletedMeanwhile) {
                vanished++;
            }
        }
        return new Result(updated, vanished);
    }
}
