package io.tributary.client.serialization;

/** Passes bytes through. Stateless and thread-safe. */
public final class ByteArrayDeserializer implements Deserializer<byte[]> {
    @Override
    public byte[] deserialize(String topic, byte[] data) {
        return data;
    }
}
