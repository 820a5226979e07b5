/**
 * This broker's view of the cluster: metadata as {@code tributary.v1} views, and the
 * {@link io.tributary.broker.cluster.PeerClient} seam for calls to other brokers (implemented by the gRPC door).
 */
package io.tributary.broker.cluster;
