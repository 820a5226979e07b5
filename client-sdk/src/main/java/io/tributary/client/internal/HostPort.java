package io.tributary.client.internal;

import io.tributary.api.config.ConfigException;

import java.util.ArrayList;
import java.util.List;

/** A {@code host:port} pair from {@code bootstrap.servers}. Immutable. */
public record HostPort(String host, int port) {
    /** Parses a comma-separated {@code host:port} list, failing with a message that names the bad entry. */
    public static List<HostPort> parseList(List<String> entries) {
        List<HostPort> out = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.trim();
            int colon = entry.lastIndexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new ConfigException("invalid bootstrap.servers entry '" + entry + "': expected host:port");
            }
            String host = entry.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException("invalid bootstrap.servers entry '" + entry + "': port is not a number");
            }
            if (port < 1 || port > 65535) {
                throw new ConfigException("invalid bootstrap.servers entry '" + entry + "': port out of range");
            }
            out.add(new HostPort(host, port));
        }
        if (out.isEmpty()) {
            throw new ConfigException("bootstrap.servers is empty: give at least one host:port");
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
