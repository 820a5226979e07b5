package io.tributary.client.serialization;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SerializersTest {
    public record Order(String id, int quantity) {
    }

    @Test
    void stringIsUtf8() {
        byte[] bytes = new StringSerializer().serialize("t", "héllo");
        assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), bytes);
        assertEquals("héllo", new StringDeserializer().deserialize("t", bytes));
    }

    @Test
    void longIsEightBytesBigEndianAsKafka() {
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, new LongSerializer().serialize("t", 258L));
        assertArrayEquals(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}, new LongSerializer().serialize("t", -1L));
        for (long v : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 123_456_789_012L}) {
            assertEquals(v, new LongDeserializer().deserialize("t", new LongSerializer().serialize("t", v)));
        }
    }

    @Test
    void longDeserializerRejectsWrongLength() {
        assertThrows(SerializationException.class, () -> new LongDeserializer().deserialize("t", new byte[3]));
    }

    @Test
    void nullsStayNullEverywhere() {
        assertNull(new StringSerializer().serialize("t", null));
        assertNull(new LongSerializer().serialize("t", null));
        assertNull(new ByteArraySerializer().serialize("t", null));
        assertNull(new JsonSerializer<>().serialize("t", null));
        assertNull(new StringDeserializer().deserialize("t", null));
        assertNull(new LongDeserializer().deserialize("t", null));
        assertNull(new JsonDeserializer<>().deserialize("t", null));
    }

    @Test
    void jsonRoundTripsRecordsAndTrees() {
        byte[] bytes = new JsonSerializer<Order>().serialize("t", new Order("o-1", 3));
        assertEquals("{\"id\":\"o-1\",\"quantity\":3}", new String(bytes, StandardCharsets.UTF_8));
        assertEquals(new Order("o-1", 3), new JsonDeserializer<>(Order.class).deserialize("t", bytes));
        Object tree = new JsonDeserializer<>().deserialize("t", bytes);
        assertEquals(3, ((JsonNode) tree).get("quantity").asInt());
        assertEquals("{\"id\":\"o-1\"}", new String(new JsonSerializer<Map<String, Object>>().serialize("t", Map.of("id", "o-1")),
                StandardCharsets.UTF_8));
    }

    @Test
    void malformedJsonIsASerializationException() {
        assertThrows(SerializationException.class,
                () -> new JsonDeserializer<>(Order.class).deserialize("t", "{nope".getBytes(StandardCharsets.UTF_8)));
    }
}
