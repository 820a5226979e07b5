/**
 * Replication: the leader's side (replica fetches, in-sync replica tracking) and the follower's side (one fetcher
 * thread per leader).
 *
 * <p>Front-door seam: {@link io.tributary.broker.replication.ReplicaFetchHandler} answers replica fetches and
 * epoch queries with {@code tributary.v1} messages; the followers reach their leaders through
 * {@link io.tributary.broker.cluster.PeerClient}, never a channel of their own.
 */
package io.tributary.broker.replication;
