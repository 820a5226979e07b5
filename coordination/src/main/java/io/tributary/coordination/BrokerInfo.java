package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code /brokers/ids/<id>} (ephemeral):
 * {@code {"version":1,"host":"h","port":9092,"endpoints":["PLAINTEXT://h:9092"],"rack":null,"timestamp":..,
 * "broker_epoch":<czxid>}}. The broker epoch is the registration znode's creation zxid, so it grows with every
 * re-registration; it is written into the document right after creation for operators, and readers that hold
 * the znode's {@code Stat} take it from {@code czxid} (the document's copy is {@code -1} for an instant).
 * Immutable.
 */
@JsonPropertyOrder({"version", "host", "port", "endpoints", "rack", "timestamp", "broker_epoch"})
public record BrokerInfo(int version, String host, int port, List<String> endpoints, String rack, long timestamp,
                         long brokerEpoch) implements ZkDocument {
    public static final ZkCodec<BrokerInfo> CODEC = new ZkCodec<>(BrokerInfo.class, "broker registration");

    public BrokerInfo {
        Objects.requireNonNull(host, "host");
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        if (rack != null && rack.isBlank()) {
            rack = null;
        }
    }

    public BrokerInfo(String host, int port, List<String> endpoints, String rack, long timestamp) {
        this(CURRENT_VERSION, host, port, endpoints, rack, timestamp, -1L);
    }

    public BrokerInfo withBrokerEpoch(long epoch) {
        return new BrokerInfo(version, host, port, endpoints, rack, timestamp, epoch);
    }

    public BrokerInfo withTimestamp(long newTimestamp) {
        return new BrokerInfo(version, host, port, endpoints, rack, newTimestamp, brokerEpoch);
    }

    public Optional<String> rackOptional() {
        return Optional.ofNullable(rack);
    }

    /** An advertised address. */
    public record HostAndPort(String host, int port) {
    }

    /**
     * Where clients of listener {@code name} reach this broker, from its {@code NAME://host:port} endpoints; empty when
     * it registered none by that name (an older broker registered only its PLAINTEXT endpoint).
     */
    public Optional<HostAndPort> endpoint(String name) {
        String prefix = name + "://";
        for (String e : endpoints) {
            if (e.regionMatches(true, 0, prefix, 0, prefix.length())) {
                String hostPort = e.substring(prefix.length());
                int colon = hostPort.lastIndexOf(':');
                if (colon > 0) {
                    try {
                        return Optional.of(new HostAndPort(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))));
                    } catch (NumberFormatException malformed) {
                        return Optional.empty();
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** {@link #endpoint} of listener {@code name}, or the primary host and port when it has none by that name. */
    public HostAndPort endpointOrPrimary(String name) {
        return name == null || name.isEmpty() ? new HostAndPort(host, port) : endpoint(name).orElse(new HostAndPort(host, port));
    }
}
