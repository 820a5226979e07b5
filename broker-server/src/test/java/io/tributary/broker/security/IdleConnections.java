package io.tributary.broker.security;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A separate process that opens many idle TCP connections to a port and reports when the server has closed them:
 * {@code IdleConnections host port count timeoutMs}. Prints {@code open N}, waits for a line on stdin (the test
 * measures the broker meanwhile), then {@code closed N} once N connections were closed by the server or the timeout
 * passed. In its own process so the test JVM holds only the broker's side of the connections (one file descriptor
 * each, not two).
 */
public final class IdleConnections {
    private IdleConnections() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        long timeoutMs = Long.parseLong(args[3]);
        List<Socket> sockets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Socket s = new Socket(host, port);
            s.setSoTimeout(5);
            sockets.add(s);
        }
        System.out.println("open " + sockets.size());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        int closed = 0;
        for (Socket s : sockets) {
            while (System.nanoTime() < deadline) {
                try {
                    if (s.getInputStream().read() < 0) {
                        closed++;
                        break;
                    }
                } catch (SocketTimeoutException notYet) {
                    // keep waiting
                } catch (SocketException reset) {
                    closed++;
                    break;
                }
            }
        }
        System.out.println("closed " + closed);
        System.out.flush();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
