/**
 * Pieces every broker package shares, and the seam between the domain and the front doors.
 *
 * <h2>The front-door seam</h2>
 * The domain packages ({@code log}, {@code partition}, {@code produce}, {@code fetch}, {@code replication},
 * {@code group}, {@code admin}, {@code cluster}) know nothing of the transport: no {@code io.grpc} type and nothing
 * of {@code grpc/} appears in them ({@code LayeringTest} checks). What they exchange with a front door is:
 * <ul>
 *   <li><b>Requests and results</b> as the {@code tributary.v1} protobuf messages (plain data, no transport in them).
 *       A second door (the Kafka-protocol listener) translates its own wire format to and from them.</li>
 *   <li><b>Errors</b> as {@link io.tributary.api.TributaryException} with an {@link io.tributary.api.ErrorCode};
 *       a leadership error carries a {@link io.tributary.api.LeaderHint} ({@link io.tributary.api.LeaderHintException}).
 *       Per-partition errors inside a result are built with {@link io.tributary.broker.common.ErrorProtos}; turning
 *       a whole-call failure into the door's own status (gRPC status + {@code google.rpc.ErrorInfo}) is the door's job.</li>
 *   <li><b>Long-lived streams</b> through {@link io.tributary.broker.common.StreamSink} (what the domain sends:
 *       {@code isReady}, {@code send}, {@code complete}, {@code fail}) and
 *       {@link io.tributary.broker.common.StreamHandler} (what the door delivers: messages, readiness, the peer's
 *       end). The door implements the sink over its transport, with the finish-once rule.</li>
 *   <li><b>Calls to other brokers</b> through {@link io.tributary.broker.cluster.PeerClient}.</li>
 * </ul>
 * Only {@code server/} sees both sides: it builds the domain objects and hands them to each door.
 */
package io.tributary.broker.common;
