/**
 * The broker side of consumer groups: the group coordinator, its membership protocol, committed offsets, and the
 * {@code __consumer_offsets} records that make them survive a coordinator move. This is the contract clients rely
 * on; groups.proto has the messages.
 *
 * <h2>Front doors</h2>
 * The coordinator knows no transport. A door turns a member's stream messages into calls on
 * {@link io.tributary.broker.group.GroupCoordinator} ({@code join}, {@code heartbeat}, {@code acknowledge},
 * {@code changeSubscription}, {@code rejoin}, {@code leave}, {@code streamClosed}) and implements
 * {@link io.tributary.broker.group.MemberStream}, which the group answers through; the gRPC door's adapter is
 * {@code grpc/MembershipSession}. Unary calls take and return {@code tributary.v1} messages.
 *
 * <h2>Finding the coordinator</h2>
 * Group G lives on partition {@code floorMod(G.hashCode(), N)} of {@code __consumer_offsets} (Java's String hash, N
 * the topic's partition count), and the leader of that partition coordinates it. FindCoordinator (any broker)
 * creates the topic on first use ({@code offsets.topic.num.partitions}, replication factor
 * {@code offsets.topic.replication.factor} capped by the live brokers, {@code cleanup.policy=compact},
 * {@code retention.ms=-1}, {@code retention.bytes=-1}) and answers COORDINATOR_NOT_AVAILABLE until the partition has
 * a live leader. Every other call fails with NOT_COORDINATOR (UNAVAILABLE; the leader of the group's partition in the
 * status details as {@code leader_id/leader_host/leader_port}) on a broker that does not coordinate the group, and
 * with COORDINATOR_LOAD_IN_PROGRESS while a new coordinator reads the partition. Clients must not produce to
 * {@code __consumer_offsets} (TOPIC_AUTHORIZATION_FAILED).
 *
 * <h2>The Membership stream</h2>
 * <ol>
 *   <li>The first message must be {@code join}, and only the first (else the stream ends with INVALID_REQUEST). The
 *       coordinator answers {@code Joined} first, always: member id, the group's generation, the session timeout it
 *       applies and the heartbeat interval ({@code min(group.consumer.heartbeat.interval.ms, session/3)}).</li>
 *   <li>Join kinds. Empty member id: a new member (after {@code group.initial.rebalance.delay.ms} if the group had no
 *       members, else within a few ms, the group computes a new target and bumps its generation). Empty member id with
 *       a known {@code group_instance_id}: a static member's restart takes over the old member's place under a
 *       <em>new</em> member id, with the same target and no rebalance or generation bump; the old stream ends with
 *       FENCED_INSTANCE_ID, and a later join or commit with the old member id is FENCED_INSTANCE_ID too. A known member
 *       id: a resume (same process, new stream, e.g. after NOT_COORDINATOR): send {@code generation_id} = the
 *       generation of the last Assignment applied and {@code owned} = what is owned now; an older stream of that
 *       member ends with UNKNOWN_MEMBER_ID. An unknown member id: UNKNOWN_MEMBER_ID (join again with an empty id).</li>
 *   <li>{@code Assignment} is sent whenever the member's share changes, and once on every (re)joined stream that has
 *       one: {@code partitions} = what the member must own now (anything else it owns is revoked: commit, stop,
 *       acknowledge), {@code pending} = partitions of its target still owned by others, delivered in a later
 *       Assignment once they are free. {@code generation_id} is the group generation when the share last changed (a
 *       re-sent unchanged Assignment keeps its generation; a Rejoin answers with the new generation even if unchanged).
 *       A member whose share did not change in a rebalance gets nothing and keeps its generation. After a
 *       coordinator move the group continues from the higher of the stored generation and the generations resuming
 *       members report, and holds back every partition not claimed by its owner until each loaded member resumed or
 *       its session timed out.</li>
 *   <li>The member answers every applied Assignment with {@code ack} (generation of that Assignment, partitions owned
 *       now). Acknowledged partitions not in anything sent to the member are ignored. A partition is never in a
 *       member's Assignment while another member may still own it (acknowledged, or sent and not acknowledged away),
 *       so a consumer that commits in onPartitionsRevoked never has a partition consumed twice past a commit. Eager
 *       assignors ({@code range}, {@code roundrobin}): after a rebalance a member that owns anything first gets an
 *       empty Assignment and nothing more until it acknowledged owning nothing.</li>
 *   <li>{@code heartbeat} is answered with {@code HeartbeatAck}: the group's generation and whether partitions are
 *       moving. Any message counts as a heartbeat. {@code subscription} and {@code rejoin} cause a new round.</li>
 *   <li>{@code leave}: the member is removed at once and the stream completes normally (OK). A stream that ends
 *       otherwise (cancel, error, half-close without leave) leaves the member in the group, owning what it owned,
 *       until its session timeout: it may resume. Static members should not send leave when they close.</li>
 *   <li>Stream errors: NOT_COORDINATOR (coordinator moved or broker shutting down; find it and resume; the hint is
 *       the partition's leader as this broker last knew it, so may still name itself during a shutdown),
 *       COORDINATOR_LOAD_IN_PROGRESS / COORDINATOR_NOT_AVAILABLE (retry), UNKNOWN_MEMBER_ID (removed after session
 *       timeout, or after holding revoked partitions past {@code rebalance_timeout_ms} (0 = 300000), or replaced by a
 *       newer stream: its partitions are lost), FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL (no assignor in common
 *       with every member; the group uses the first assignor of its oldest member's list that every member accepts,
 *       switching when a joiner requires it), GROUP_MAX_SIZE_REACHED, INVALID_SESSION_TIMEOUT, INVALID_GROUP_ID (empty
 *       or over 255 characters), INVALID_REQUEST, INVALID_TOPIC_EXCEPTION.</li>
 * </ol>
 *
 * <h2>Committing</h2>
 * A member commits with its member id and the generation of the latest Assignment it received (also while applying
 * it, e.g. in onPartitionsRevoked). Whole-call failures (a status): UNKNOWN_MEMBER_ID (not a member),
 * ILLEGAL_GENERATION (another generation: apply the latest Assignment and commit with its generation),
 * FENCED_INSTANCE_ID (the instance id belongs to another member), and the coordinator errors above; plus, once
 * validated, the write's NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or REQUEST_TIMED_OUT (retriable). Per-partition
 * errors in the results: ILLEGAL_GENERATION for a partition the member neither acknowledged owning nor was last sent,
 * INVALID_REQUEST for a negative offset or partition or metadata over {@code offset.metadata.max.bytes},
 * INVALID_TOPIC_EXCEPTION for a bad topic name. A commit from outside the group (empty member id, generation -1) is
 * accepted only while the group has no members (UNKNOWN_MEMBER_ID otherwise; ILLEGAL_GENERATION for a generation other
 * than -1). Offsets are written like acks=all produce (bounded by {@code offsets.commit.timeout.ms}) and become
 * visible to FetchOffsets only after that. Until a member resumes after a coordinator move, its commits are checked
 * against its stored target only.
 *
 * <h2>Administration</h2>
 * ListGroups (any broker): groups with members or offsets on the partitions it coordinates, optionally filtered by
 * state (Empty, Assigning, Reconciling, Stable; case-insensitive). DescribeGroups: GROUP_ID_NOT_FOUND for a group
 * with neither members nor offsets. DeleteGroups: NON_EMPTY_GROUP while it has members; else tombstones for every
 * offset and the group record. A group whose last member left keeps its offsets (Empty) until
 * {@code offsets.retention.minutes} after their commit.
 */
package io.tributary.broker.group;
