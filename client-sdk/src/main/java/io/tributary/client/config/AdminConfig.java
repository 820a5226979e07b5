package io.tributary.client.config;

import io.tributary.api.config.ConfigDef;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The admin client's configuration: Kafka's key names, one table ({@link #CONFIG}). Immutable and thread-safe. */
public final class AdminConfig extends ClientConfig {
    public static final String DEFAULT_API_TIMEOUT_MS_CONFIG = "default.api.timeout.ms";

    public static final ConfigDef CONFIG = withCommonKeys(new ConfigDef(), 30_000)
            .define(DEFAULT_API_TIMEOUT_MS_CONFIG, ConfigDef.Type.INT, 60_000, ConfigDef.atLeast(1),
                    "Time budget of one admin operation, retries of retriable errors included.");

    public AdminConfig(Map<?, ?> props) {
        super(CONFIG, props);
    }

    public AdminConfig(Properties props) {
        this(toMap(props));
    }

    public int defaultApiTimeoutMs() {
        return getInt(DEFAULT_API_TIMEOUT_MS_CONFIG);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Typed construction of the same key table. */
    public static final class Builder {
        private final Map<String, Object> props = new LinkedHashMap<>();

        public Builder bootstrapServers(String hostPorts) {
            return set(BOOTSTRAP_SERVERS_CONFIG, hostPorts);
        }

        public Builder requestTimeoutMs(int requestTimeoutMs) {
            return set(REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        }

        public Builder defaultApiTimeoutMs(int timeoutMs) {
            return set(DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        }

        public Builder set(String key, Object value) {
            props.put(key, value);
            return this;
        }

        public AdminConfig build() {
            return new AdminConfig(props);
        }
    }
}
