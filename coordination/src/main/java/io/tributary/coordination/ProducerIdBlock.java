package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * {@code /latest_producer_id_block}: the last range of producer ids a broker claimed, both ends inclusive, e.g.
 * {@code {"version":1,"broker":2,"block_start":1000,"block_end":1999}}. Immutable.
 */
@JsonPropertyOrder({"version", "broker", "block_start", "block_end"})
public record ProducerIdBlock(int version, int broker, @JsonProperty("block_start") long blockStart,
                              @JsonProperty("block_end") long blockEnd) implements ZkDocument {
    public static final ZkCodec<ProducerIdBlock> CODEC = new ZkCodec<>(ProducerIdBlock.class, "producer id block");

    public ProducerIdBlock {
        if (blockStart < 0 || blockEnd < blockStart) {
            throw new IllegalArgumentException("invalid producer id block [" + blockStart + ", " + blockEnd + "]");
        }
    }

    public ProducerIdBlock(int broker, long blockStart, long blockEnd) {
        this(CURRENT_VERSION, broker, blockStart, blockEnd);
    }
}
