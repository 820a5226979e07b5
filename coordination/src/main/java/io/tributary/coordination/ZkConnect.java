package io.tributary.coordination;

import java.util.Objects;

/**
 * A parsed {@code zookeeper.connect} value: {@code host:port[,host:port...][/chroot]}, as in Kafka. Tributary
 * does not hand the chroot to the ZooKeeper client (which would require the chroot node to exist beforehand);
 * it passes it to {@link ZkLayout}, which puts it in front of every path, so zkCli shows the same paths the
 * code uses.
 *
 * <p>Immutable and thread-safe.
 *
 * @param hosts  the ensemble, {@code host:port,...}
 * @param chroot the chroot, {@link ZkLayout#DEFAULT_CHROOT} when the value names none
 */
public record ZkConnect(String hosts, String chroot) {
    public ZkConnect {
        Objects.requireNonNull(hosts, "hosts");
        Objects.requireNonNull(chroot, "chroot");
        if (hosts.isBlank()) {
            throw new IllegalArgumentException("zookeeper.connect names no host");
        }
    }

    public static ZkConnect parse(String connect) {
        Objects.requireNonNull(connect, "zookeeper.connect");
        String value = connect.trim();
        int slash = value.indexOf('/');
        if (slash < 0) {
            return new ZkConnect(value, ZkLayout.DEFAULT_CHROOT);
        }
        return new ZkConnect(value.substring(0, slash), value.substring(slash));
    }

    public ZkLayout layout() {
        return new ZkLayout(chroot);
    }
}
