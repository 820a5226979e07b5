package io.tributary.api.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for servers a test stops and starts again on the same port (ZooKeeper's client, quorum and
 * election ports). A port picked with {@code new ServerSocket(0)} lies in the kernel's ephemeral range, so while its
 * server is down any outgoing connection may take it as its source port, and the restarted server then fails with
 * "Address already in use" (a ZooKeeper leader that cannot bind its quorum port never forms a quorum). Ports below
 * that range are never handed out as source ports.
 *
 * <p>Thread-safe.
 */
public final class StablePorts {
    private static final int LOWEST = 10_000;
    private static final int EPHEMERAL_LOW = ephemeralLow();
    private static int next = LOWEST + ThreadLocalRandom.current().nextInt(Math.max(1, EPHEMERAL_LOW - LOWEST));

    private StablePorts() {
    }

    /** A port below the ephemeral range that is free on 127.0.0.1 now; each call returns another one. */
    public static synchronized int next() {
        for (int tries = 0; tries < EPHEMERAL_LOW - LOWEST; tries++) {
            int port = next;
            next = next + 1 >= EPHEMERAL_LOW ? LOWEST : next + 1;
            if (free(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port in [" + LOWEST + ", " + EPHEMERAL_LOW + ") on 127.0.0.1");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of Linux's ephemeral range (32768 unless configured otherwise, and elsewhere). */
    private static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > LOWEST + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
