package io.tributary.broker.config;

import io.tributary.api.config.ConfigException;
import io.tributary.api.security.SslConfig.ClientAuth;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kafka's {@code listener.name.<name>.ssl.client.auth}: mutual TLS on one listener, not on the others. */
class ListenerSslOverrideTest {
    private static Map<String, Object> props() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("broker.id", 1);
        p.put("zookeeper.connect", "127.0.0.1:2181");
        p.put("listeners", "SASL_SSL://127.0.0.1:9092,INTERNAL://127.0.0.1:9192,PLAINTEXT://127.0.0.1:9292");
        p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,INTERNAL:SSL,PLAINTEXT:PLAINTEXT");
        p.put("inter.broker.listener.name", "INTERNAL");
        p.put("ssl.keystore.location", "/nonexistent/broker.p12");
        p.put("ssl.client.auth", "none");
        return p;
    }

    @Test
    void theOverrideAppliesToItsListenerOnlyAndOthersKeepTheDefault() {
        Map<String, Object> p = props();
        p.put("listener.name.internal.ssl.client.auth", "required");
        BrokerConfig c = BrokerConfig.fromMap(p);
        assertEquals(ClientAuth.REQUIRED, c.sslConfig("INTERNAL").clientAuth());
        assertEquals(ClientAuth.NONE, c.sslConfig("SASL_SSL").clientAuth());
        assertEquals(ClientAuth.NONE, c.sslConfig().clientAuth());
    }

    @Test
    void anOverrideNamingNoTlsListenerOrWithABadValueFailsStartUpSayingWhy() {
        Map<String, Object> p = props();
        p.put("listener.name.plaintext.ssl.client.auth", "required");
        p.put("listener.name.client.ssl.client.auth", "required");
        p.put("listener.name.internal.ssl.client.auth", "always");
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.fromMap(p));
        assertTrue(e.getMessage().contains("listener.name.internal.ssl.client.auth: ssl.client.auth: 'always' is not none, requested or required"),
                e.getMessage());
        p.put("listener.name.internal.ssl.client.auth", "required");
        e = assertThrows(ConfigException.class, () -> BrokerConfig.fromMap(p));
        assertTrue(e.getMessage().contains("listener.name.plaintext.ssl.client.auth: no TLS listener is named PLAINTEXT"), e.getMessage());
        assertTrue(e.getMessage().contains("listener.name.client.ssl.client.auth: no TLS listener is named CLIENT"), e.getMessage());
    }
}
