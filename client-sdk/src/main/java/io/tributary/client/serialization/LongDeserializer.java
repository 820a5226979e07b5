package io.tributary.client.serialization;

/** Reads 8 bytes big-endian; any other length is a {@link SerializationException}. Stateless and thread-safe. */
public final class LongDeserializer implements Deserializer<Long> {
    @Override
    public Long deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length != 8) {
            throw new SerializationException("a long needs 8 bytes, got " + data.length);
        }
        long v = 0;
        for (byte b : data) {
            v = (v << 8) | (b & 0xff);
        }
        return v;
    }
}
