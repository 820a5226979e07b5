package io.tributary.broker.config;

import io.tributary.api.config.ConfigException;
import io.tributary.broker.config.Listeners.SecurityProtocol;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kafka's four listener settings, parsed together. */
class ListenersTest {
    @Test
    void severalListenersWithTheirProtocolsAdvertisedAddressesAndTheInterBrokerOne() {
        Listeners l = Listeners.parse("PLAINTEXT://127.0.0.1:9092, INTERNAL://10.0.0.5:9093,EXTERNAL://:9094",
                "INTERNAL:SSL,EXTERNAL:SASL_SSL,PLAINTEXT:PLAINTEXT", "EXTERNAL://kafka.example.com:19094",
                "internal", "PLAINTEXT");
        assertEquals(3, l.listeners().size());
        assertEquals("PLAINTEXT", l.primary().name());
        assertEquals(SecurityProtocol.SSL, l.byName("INTERNAL").orElseThrow().protocol());
        assertEquals("", l.byName("EXTERNAL").orElseThrow().host(), "no host: every interface");
        assertEquals(new Listeners.HostPort("kafka.example.com", 19094), l.advertised().get("EXTERNAL"));
        assertEquals(new Listeners.HostPort("10.0.0.5", 9093), l.advertised().get("INTERNAL"));
        assertEquals("INTERNAL", l.interBrokerListener().name());
    }

    @Test
    void theInterBrokerListenerDefaultsToTheFirstWithTheInterBrokerProtocol() {
        Listeners l = Listeners.parse("SASL_SSL://h:9094,SSL://h:9093", "", "", "", "SSL");
        assertEquals("SSL", l.interBroker());
        assertEquals("PLAINTEXT", Listeners.parse("127.0.0.1:9092", "", "", "", "PLAINTEXT").primary().name(),
                "a bare host:port is PLAINTEXT, as before listeners had names");
    }

    @Test
    void mistakesNameTheKeyAndWhatToDo() {
        assertMessage("listener.security.protocol.map", () -> Listeners.parse("CLIENT://h:1", "", "", "", "PLAINTEXT"));
        assertMessage("appears twice", () -> Listeners.parse("SSL://h:1,SSL://h:2", "", "", "", "SSL"));
        assertMessage("both use port 1", () -> Listeners.parse("SSL://h:1,PLAINTEXT://h:1", "", "", "", "SSL"));
        assertMessage("advertised.listeners: SSL is not one of the listeners",
                () -> Listeners.parse("PLAINTEXT://h:1", "", "SSL://x:1", "", "PLAINTEXT"));
        assertMessage("inter.broker.listener.name", () -> Listeners.parse("PLAINTEXT://h:1", "", "", "REPLICATION", "PLAINTEXT"));
        assertMessage("security.inter.broker.protocol: no listener uses SASL_SSL",
                () -> Listeners.parse("PLAINTEXT://h:1", "", "", "", "SASL_SSL"));
        assertMessage("not a security protocol", () -> Listeners.parse("A://h:1", "A:TLS", "", "", "PLAINTEXT"));
        assertMessage("which clients cannot connect to", () -> Listeners.parse("PLAINTEXT://0.0.0.0:1", "", "", "", "PLAINTEXT"));
        assertEquals(new Listeners.HostPort("public", 1),
                Listeners.parse("PLAINTEXT://0.0.0.0:1", "", "PLAINTEXT://public:1", "", "PLAINTEXT").advertised().get("PLAINTEXT"));
        assertMessage("no numeric port", () -> Listeners.parse("PLAINTEXT://h:x", "", "", "", "PLAINTEXT"));
        assertMessage("out of range", () -> Listeners.parse("PLAINTEXT://h:70000", "", "", "", "PLAINTEXT"));
    }

    private static void assertMessage(String part, Runnable parse) {
        ConfigException e = assertThrows(ConfigException.class, parse::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
