package io.tributary.client;

/** A broker as cluster metadata names it. Immutable. */
public record Node(int id, String host, int port, String rack) {
    public String address() {
        return host + ":" + port;
    }

    public static Node fromProto(io.tributary.api.v1.BrokerNode proto) {
        return new Node(proto.getId(), proto.getHost(), proto.getPort(), proto.getRack());
    }

    @Override
    public String toString() {
        return id + "@" + host + ":" + port;
    }
}
