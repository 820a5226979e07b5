package io.tributary.api.batch;

import java.util.Objects;

/** One record header: a string key and a byte value, which may be null. */
public record Header(String key, byte[] value) {
    public Header {
        Objects.requireNonNull(key, "header key");
    }
}
