/**
 * Metadata and administrative operations (topics, configs, offsets listing), callable on any broker; changes are
 * written to ZooKeeper for the controller. Takes and returns {@code tributary.v1} messages, with per-item errors
 * inside the results; peers are asked through {@link io.tributary.broker.cluster.PeerClient}.
 */
package io.tributary.broker.admin;
