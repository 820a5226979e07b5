package io.tributary.broker.config;

import io.tributary.api.config.ConfigException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A broker's listeners as Kafka configures them: {@code listeners=NAME://host:port,...} where each name is mapped to a
 * security protocol by {@code listener.security.protocol.map} (a name that is itself a protocol maps to it by
 * default), {@code advertised.listeners} with the same names (a listener without one advertises where it listens),
 * and the listener brokers use among themselves, {@code inter.broker.listener.name} or else the first listener whose
 * protocol is {@code security.inter.broker.protocol}.
 *
 * @param listeners     in configuration order; the first is the primary (it is what older clients are told)
 * @param advertised    per listener name, host and port to tell clients (port 0: the port actually bound)
 * @param interBroker   the name of the listener brokers call each other on
 */
public record Listeners(List<Listener> listeners, Map<String, HostPort> advertised, String interBroker) {
    public enum SecurityProtocol {
        PLAINTEXT(false, false), SSL(true, false), SASL_PLAINTEXT(false, true), SASL_SSL(true, true);

        public final boolean tls;
        public final boolean sasl;

        SecurityProtocol(boolean tls, boolean sasl) {
            this.tls = tls;
            this.sasl = sasl;
        }
    }

    /** One listener; {@code host} empty means every interface. */
    public record Listener(String name, SecurityProtocol protocol, String host, int port) {
        @Override
        public String toString() {
            return name + "://" + host + ":" + port + " (" + protocol + ")";
        }
    }

    public record HostPort(String host, int port) {
    }

    public Listeners {
        listeners = List.copyOf(listeners);
        advertised = Map.copyOf(advertised);
    }

    public Listener primary() {
        return listeners.get(0);
    }

    public Optional<Listener> byName(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    public Listener interBrokerListener() {
        return byName(interBroker).orElseThrow();
    }

    /**
     * Parses and checks the four settings together, failing with the key and the reason.
     *
     * @param interBrokerName     {@code inter.broker.listener.name}, empty when unset
     * @param interBrokerProtocol {@code security.inter.broker.protocol}, used when the name is unset
     */
    public static Listeners parse(String listeners, String protocolMap, String advertisedListeners, String interBrokerName,
                                  String interBrokerProtocol) {
        Map<String, SecurityProtocol> protocols = protocolMap(protocolMap);
        List<Listener> parsed = new ArrayList<>();
        for (Endpoint e : endpoints("listeners", listeners)) {
            SecurityProtocol p = protocols.get(e.name);
            if (p == null) {
                throw new ConfigException("listeners: listener " + e.name + " has no security protocol; add it to"
                        + " listener.security.protocol.map (e.g. " + e.name + ":SASL_SSL)");
            }
            for (Listener other : parsed) {
                if (other.name().equals(e.name)) {
                    throw new ConfigException("listeners: listener name " + e.name + " appears twice");
                }
                if (e.port != 0 && other.port() == e.port) {
                    throw new ConfigException("listeners: " + other.name() + " and " + e.name + " both use port " + e.port);
                }
            }
            parsed.add(new Listener(e.name, p, e.host, e.port));
        }
        if (parsed.isEmpty()) {
            throw new ConfigException("listeners: at least one listener is needed, e.g. PLAINTEXT://127.0.0.1:9092");
        }
        Map<String, HostPort> advertised = new LinkedHashMap<>();
        for (Endpoint e : endpoints("advertised.listeners", advertisedListeners)) {
            if (parsed.stream().noneMatch(l -> l.name().equals(e.name))) {
                throw new ConfigException("advertised.listeners: " + e.name + " is not one of the listeners " + names(parsed));
            }
            if (e.host.isEmpty()) {
                throw new ConfigException("advertised.listeners: " + e.name + " needs a host clients can reach");
            }
            if (advertised.put(e.name, new HostPort(e.host, e.port)) != null) {
                throw new ConfigException("advertised.listeners: listener name " + e.name + " appears twice");
            }
        }
        for (Listener l : parsed) {
            if (advertised.containsKey(l.name())) {
                continue;
            }
            // Unadvertised: clients are told where it listens. Every interface (no host) is advertised as this
            // machine's name, as Kafka does; the wildcard address itself is no address a client can use.
            if (l.host().equals("0.0.0.0") || l.host().equals("::")) {
                throw new ConfigException("advertised.listeners: " + l.name() + " listens on " + l.host()
                        + ", which clients cannot connect to; advertise a reachable host, e.g. " + l.name() + "://my-host:" + l.port());
            }
            advertised.put(l.name(), new HostPort(l.host().isEmpty() ? localHostName() : l.host(), l.port()));
        }
        String inter;
        if (interBrokerName != null && !interBrokerName.isBlank()) {
            inter = interBrokerName.trim().toUpperCase(Locale.ROOT);
            if (parsed.stream().noneMatch(l -> l.name().equals(inter))) {
                throw new ConfigException("inter.broker.listener.name: " + inter + " is not one of the listeners " + names(parsed));
            }
        } else {
            SecurityProtocol wanted = protocol("security.inter.broker.protocol", interBrokerProtocol);
            inter = parsed.stream().filter(l -> l.protocol() == wanted).map(Listener::name).findFirst()
                    .orElseThrow(() -> new ConfigException("security.inter.broker.protocol: no listener uses " + wanted
                            + " (listeners " + names(parsed) + "); set inter.broker.listener.name"));
        }
        return new Listeners(parsed, advertised, inter);
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static List<String> names(List<Listener> listeners) {
        return listeners.stream().map(Listener::name).toList();
    }

    private record Endpoint(String name, String host, int port) {
    }

    private static List<Endpoint> endpoints(String key, String value) {
        List<Endpoint> out = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return out;
        }
        for (String raw : value.split(",")) {
            String s = raw.trim();
            int scheme = s.indexOf("://");
            String name = scheme < 0 ? "PLAINTEXT" : s.substring(0, scheme).trim().toUpperCase(Locale.ROOT);
            String hostPort = scheme < 0 ? s : s.substring(scheme + 3);
            int colon = hostPort.lastIndexOf(':');
            if (name.isEmpty() || !name.matches("[A-Z0-9_]+") || colon < 0) {
                throw new ConfigException(key + ": '" + s + "' is not NAME://host:port");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(key + ": '" + s + "' has no numeric port");
            }
            if (port < 0 || port > 65_535) {
                throw new ConfigException(key + ": port " + port + " of " + name + " is out of range");
            }
            out.add(new Endpoint(name, host, port));
        }
        return out;
    }

    private static Map<String, SecurityProtocol> protocolMap(String map) {
        Map<String, SecurityProtocol> out = new LinkedHashMap<>();
        for (SecurityProtocol p : SecurityProtocol.values()) {
            out.put(p.name(), p);
        }
        if (map == null || map.isBlank()) {
            return out;
        }
        for (String raw : map.split(",")) {
            String entry = raw.trim();
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException("listener.security.protocol.map: '" + entry + "' is not NAME:PROTOCOL");
            }
            out.put(entry.substring(0, colon).trim().toUpperCase(Locale.ROOT),
                    protocol("listener.security.protocol.map", entry.substring(colon + 1)));
        }
        return out;
    }

    private static SecurityProtocol protocol(String key, String value) {
        try {
            return SecurityProtocol.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + ": '" + value.trim() + "' is not a security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT,"
                    + " SASL_SSL)");
        }
    }
}
