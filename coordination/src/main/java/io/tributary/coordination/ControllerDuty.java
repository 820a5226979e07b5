package io.tributary.coordination;

/**
 * One of the controller's duties: brings one kind of ZooKeeper state to what the pass's snapshot says it should be.
 * Level-triggered, so a duty never remembers what it did: it starts each pass from ZooKeeper and finishes whatever
 * an earlier pass, or a dead controller, left half-done. Called on the controller's event thread only.
 */
interface ControllerDuty {
    /**
     * @return false when something must be retried (a lost compare-and-set, a snapshot behind ZooKeeper); the
     *         controller then runs another pass shortly
     * @throws ControllerFencedException when a write finds this controller deposed
     */
    boolean reconcile(ControllerPass pass) throws Exception;
}
