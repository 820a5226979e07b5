/**
 * Process-level fault tests (issue 6, SPEC §1 durability promise, §4, §14): a three-node ZooKeeper ensemble and
 * three brokers, each a separate JVM on 127.0.0.1 started from the test class path by {@link
 * io.tributary.client.faults.ProcessCluster}; faults are real signals to the recorded PIDs (SIGKILL, SIGTERM,
 * SIGSTOP/SIGCONT). Every scenario uses a topic with 6 partitions, replication factor 3 and min.insync.replicas 2
 * (the KIP-101 one uses 1 and allows unclean election), and ends by consuming everything and comparing it with what
 * the producer saw acknowledged (lost, duplicates, records out of send order within a partition, acknowledged offsets
 * holding another record) and by comparing the
 * three replicas' segment files record by record.
 *
 * <ul>
 *   <li>{@link io.tributary.client.faults.LeaderFailoverFaultTest}: kill -9 of a random partition leader (20 rounds),
 *       kill -9 of the controller, SIGTERM of a leader and of the controller, hard bounce, kill -9 of the ZooKeeper
 *       leader, kill -9 of two brokers at once, all under acks=all load.</li>
 *   <li>{@link io.tributary.client.faults.ReplicaSafetyFaultTest}: min ISR enforcement, offline partition waiting for
 *       its last in-sync replica, zombie leader (and zombie controller) after SIGSTOP past the session timeout,
 *       KIP-101 divergent suffix truncation.</li>
 * </ul>
 *
 * <p>Run only these: {@code ./mvnw -B -pl client-sdk test -Dtest='io.tributary.client.faults.*Test'
 * -Dsurefire.failIfNoSpecifiedTests=false}. Each prints {@code FIGURES} lines (acked, consumed, lost, duplicates,
 * reordered, failover p50/max); with the idempotent producer (the default) LeaderFailoverFaultTest requires 0 lost,
 * 0 duplicates and 0 reordered. System properties: {@code tributary.faults.leaderKillRounds} (20),
 * {@code tributary.faults.variantRounds} (5), {@code tributary.faults.zkRounds} (2),
 * {@code tributary.faults.twoKillRounds} (2) for longer soaks; {@code tributary.faults.seed} repeats the victim
 * choices of a run (its seed is printed); {@code tributary.faults.idempotence=false} runs the load with a plain
 * at-least-once producer (duplicates and reordering are then only reported); {@code tributary.faults.keepDir=true} keeps the
 * cluster directory (configs, data, one log file per process), which is also kept after any failure.
 */
package io.tributary.client.faults;
