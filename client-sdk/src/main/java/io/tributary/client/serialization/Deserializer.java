package io.tributary.client.serialization;

/**
 * Turns bytes back into a key or value. Called from the consumer's thread only. Null bytes must give null.
 */
@FunctionalInterface
public interface Deserializer<T> extends AutoCloseable {
    T deserialize(String topic, byte[] data);

    @Override
    default void close() {
    }
}
