package io.tributary.coordination;

/**
 * What a controller won at election: its controller epoch and the znode version of {@code /controller_epoch}
 * it wrote. Every controller write checks that version in the same ZooKeeper multi-op, so once another broker
 * bumps the epoch every write made with this fence fails. Immutable.
 *
 * @param epoch          the controller epoch (the integer stored in {@code /controller_epoch})
 * @param epochZkVersion the znode version of {@code /controller_epoch} after this controller's bump
 * @param brokerId       the controller's broker id
 */
public record ControllerEpochFence(int epoch, int epochZkVersion, int brokerId) {
}
