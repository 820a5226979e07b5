/**
 * Consumer fetch sessions: long-poll reads from partition leaders with credit-based flow control.
 *
 * <p>Front-door seam: {@link io.tributary.broker.fetch.FetchSessions#open} takes the
 * {@link io.tributary.broker.common.StreamSink} responses go out through and returns the
 * {@link io.tributary.broker.common.StreamHandler} the door feeds requests, readiness and the peer's end into. A
 * door without streams (Kafka's request/response Fetch) reads through {@link io.tributary.broker.partition.Partition}
 * directly and does not need a session.
 */
package io.tributary.broker.fetch;
