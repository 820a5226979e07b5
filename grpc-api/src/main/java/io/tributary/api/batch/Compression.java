package io.tributary.api.batch;

/**
 * Compression codecs of a record batch body, by the id stored in bits 0-2 of the batch attributes. The
 * names are the values of the {@code compression.type} setting.
 */
public enum Compression {
    NONE(0, "none"),
    GZIP(1, "gzip"),
    SNAPPY(2, "snappy"),
    LZ4(3, "lz4"),
    ZSTD(4, "zstd");

    private static final Compression[] BY_ID = values();

    private final int id;
    private final String configName;

    Compression(int id, String configName) {
        this.id = id;
        this.configName = configName;
    }

    public int id() {
        return id;
    }

    public String configName() {
        return configName;
    }

    /** @return the codec with this id, or null when the id names no codec (a corrupt or newer batch). */
    public static Compression forId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    public static Compression forConfigName(String name) {
        for (Compression c : BY_ID) {
            if (c.configName.equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression.type '" + name + "': expected one of none, gzip, snappy, lz4, zstd");
    }
}
