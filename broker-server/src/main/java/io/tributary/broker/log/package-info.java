/**
 * Storage: one partition's log on local disk and the broker-wide services over all of them. The bottom layer; it
 * knows no replication, no groups and no transport.
 *
 * <ul>
 *   <li>{@link io.tributary.broker.log.PartitionLog}: a partition's offsets (log start, high watermark, log end),
 *       its leader-epoch cache and producer state, retention and the cleaner's hooks, under one lock;</li>
 *   <li>{@code LocalLog}: the segments themselves (append, roll, read, truncate, fsync, delayed delete), the log
 *       end and the recovery point, changed only under the partition log's lock; {@code SegmentMap} orders them;</li>
 *   <li>{@code LogLoader} and {@code SegmentFiles}: opening a directory after a clean or unclean shutdown;</li>
 *   <li>{@code BatchValidator}: the checks a batch passes before anything of it is written;</li>
 *   <li>{@code Segment}, {@code OffsetIndex}, {@code TimeIndex}: one segment's files;</li>
 *   <li>{@link io.tributary.broker.log.LogManager}: every log of the broker, its directories, checkpoints,
 *       retention and flush schedules; {@code LogCleaner} and {@code Cleaner}: compaction.</li>
 * </ul>
 */
package io.tributary.broker.log;
