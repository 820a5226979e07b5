package io.tributary.client.producer;

/**
 * Told the outcome of one send, on the producer's sender thread, in send order within a partition. Exactly
 * one of the arguments is non-null. Keep it quick: a slow callback delays every other send.
 */
@FunctionalInterface
public interface Callback {
    void onCompletion(RecordMetadata metadata, Exception exception);
}
