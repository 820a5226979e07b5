package io.tributary.broker.cluster;

import io.tributary.api.TopicPartition;

/** Converts between the coordination module's partition identity and the API's. Stateless. */
public final class Tps {
    private Tps() {
    }

    public static TopicPartition api(io.tributary.coordination.TopicPartition tp) {
        return new TopicPartition(tp.topic(), tp.partition());
    }

    public static io.tributary.coordination.TopicPartition zk(TopicPartition tp) {
        return new io.tributary.coordination.TopicPartition(tp.topic(), tp.partition());
    }
}
