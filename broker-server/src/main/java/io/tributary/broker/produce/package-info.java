/**
 * The produce path: request validation, appends to partition leaders, acks (0, 1, all) and producer ids.
 *
 * <p>Front-door seam: {@link io.tributary.broker.produce.ProduceHandler#produce} takes a
 * {@code tributary.v1.ProduceRequest} and completes a future with the {@code ProduceResponse}; per-partition
 * failures are inside the response, never thrown. Flow control (how many requests a stream may have in flight) is
 * the door's.
 */
package io.tributary.broker.produce;
