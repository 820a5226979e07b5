package io.tributary.client.serialization;

/**
 * Turns a key or value into bytes. Implementations used by a producer must be thread-safe: send() may be
 * called from many threads. A null input must give null (a null value is a tombstone).
 */
@FunctionalInterface
public interface Serializer<T> extends AutoCloseable {
    byte[] serialize(String topic, T data);

    @Override
    default void close() {
    }
}
