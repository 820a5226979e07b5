package io.tributary.api.config;

/** A configuration key or value was rejected; the message names the key, the value and what is accepted. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
