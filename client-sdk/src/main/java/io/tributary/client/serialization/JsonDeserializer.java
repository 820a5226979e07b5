package io.tributary.client.serialization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;

/**
 * UTF-8 JSON into a target type; without one (the no-argument constructor, used when the class is named in
 * configuration) into a {@link JsonNode} tree. Thread-safe.
 */
public final class JsonDeserializer<T> implements Deserializer<T> {
    private final ObjectMapper mapper;
    private final Class<T> type;

    @SuppressWarnings("unchecked")
    public JsonDeserializer() {
        this(new ObjectMapper(), (Class<T>) JsonNode.class);
    }

    public JsonDeserializer(Class<T> type) {
        this(new ObjectMapper(), type);
    }

    public JsonDeserializer(ObjectMapper mapper, Class<T> type) {
        this.mapper = mapper;
        this.type = type;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return mapper.readValue(data, type);
        } catch (IOException e) {
            throw new SerializationException("cannot read JSON as " + type.getName() + " from topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
