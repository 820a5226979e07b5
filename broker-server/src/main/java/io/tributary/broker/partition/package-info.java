/**
 * The partitions this broker hosts, their roles (leader, follower) and who may read or write them. The lowest
 * business layer above {@code log}: it raises {@link io.tributary.api.TributaryException}s, with a
 * {@link io.tributary.api.LeaderHint} on leadership errors, and knows no transport.
 */
package io.tributary.broker.partition;
