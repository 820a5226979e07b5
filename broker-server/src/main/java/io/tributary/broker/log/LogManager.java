package io.tributary.broker.log;

import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.TributaryException;
import io.tributary.api.util.DaemonThreads;
import io.tributary.broker.common.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * All partition logs of a broker, spread over one or more {@code log.dirs}.
 *
 * <ul>
 *   <li><b>Start-up</b> locks each directory (two brokers on one directory would corrupt it), then loads every
 *       {@code <topic>-<partition>} directory. A clean-shutdown marker written by {@link #close()} means every log was
 *       flushed and closed, so no recovery runs; without it, each log is recovered from its recovery point.</li>
 *   <li><b>Background tasks</b> on one scheduler thread: retention every {@code retentionCheckIntervalMs}, the
 *       {@code flush.ms} policy, the recovery-point checkpoint, delayed segment deletes. Compaction of
 *       {@code cleanup.policy=compact} logs runs on the {@link LogCleaner}'s own threads, started and stopped with
 *       this manager; where each log's last compaction pass ended is kept per directory in
 *       {@value #CLEANER_OFFSET_CHECKPOINT}.</li>
 *   <li><b>Flush policy:</b> {@code flush.messages} and {@code flush.ms} per topic (default: leave it to the OS, as
 *       replication is what makes data durable), and {@code flushBeforeAck}: every acknowledged append is fsynced
 *       first, through a group-commit flusher. That costs one fsync per group of appends, typically 1-10 ms on
 *       SSDs and far more on spinning or network disks.</li>
 * </ul>
 *
 * <p>Thread-safe: logs live in a concurrent map; creation and deletion of a log are serialised by {@link #createLock}.
 */
public final class LogManager implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);

    public static final String CLEAN_SHUTDOWN_FILE = ".tributary_clean_shutdown";
    public static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
    public static final String CLEANER_OFFSET_CHECKPOINT = "cleaner-offset-checkpoint";
    public static final String LOCK_FILE = ".lock";
    static final String DELETE_DIR_SUFFIX = ".delete";

    /**
     * Broker-level settings of the log layer.
     *
     * @param logDirs                           directories holding partition logs
     * @param defaultLogConfig                  topic settings where a topic has no override
     * @param retentionCheckIntervalMs          how often retention runs ({@code log.retention.check.interval.ms})
     * @param flushCheckIntervalMs              how often {@code flush.ms} is checked ({@code log.flush.scheduler.interval.ms})
     * @param recoveryPointCheckpointIntervalMs how often recovery points are written ({@code log.flush.offset.checkpoint.interval.ms})
     * @param flushBeforeAck                    fsync every append before it is acknowledged
     * @param flushQueueMaxRequests             bound on appends waiting for fsync at once
     * @param cleanerConfig                     the log cleaner's {@code log.cleaner.*} settings
     */
    public record Config(List<Path> logDirs, LogConfig defaultLogConfig, long retentionCheckIntervalMs,
                         long flushCheckIntervalMs, long recoveryPointCheckpointIntervalMs, boolean flushBeforeAck,
                         int flushQueueMaxRequests, LogCleaner.Config cleanerConfig) {
        public Config {
            if (logDirs.isEmpty()) {
                throw new IllegalArgumentException("at least one log directory is needed");
            }
            logDirs = List.copyOf(logDirs);
            Objects.requireNonNull(cleanerConfig);
        }

        /** Settings with the log cleaner's defaults. */
        public Config(List<Path> logDirs, LogConfig defaultLogConfig, long retentionCheckIntervalMs,
                      long flushCheckIntervalMs, long recoveryPointCheckpointIntervalMs, boolean flushBeforeAck,
                      int flushQueueMaxRequests) {
            this(logDirs, defaultLogConfig, retentionCheckIntervalMs, flushCheckIntervalMs, recoveryPointCheckpointIntervalMs,
                    flushBeforeAck, flushQueueMaxRequests, LogCleaner.Config.defaults());
        }

        public Config withCleanerConfig(LogCleaner.Config cleaner) {
            return new Config(logDirs, defaultLogConfig, retentionCheckIntervalMs, flushCheckIntervalMs,
                    recoveryPointCheckpointIntervalMs, flushBeforeAck, flushQueueMaxRequests, cleaner);
        }

        public static Config of(List<Path> logDirs, LogConfig defaults) {
            return new Config(logDirs, defaults, 300_000L, 1_000L, 60_000L, false, 10_000);
        }
    }

    private final Config config;
    private final Time time;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final Map<String, LogConfig> topicConfigs = new ConcurrentHashMap<>();
    private final Object createLock = new Object();
    private final List<FileChannel> dirLockChannels = new ArrayList<>();
    private final List<FileLock> dirLocks = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final LogCleaner cleaner;
    /** Serialises writes of the cleaner-offset-checkpoint files (cleaner threads, deletion, shutdown). */
    private final Object cleanerCheckpointLock = new Object();
    private LogFlusher flusher;
    private volatile boolean started;
    private volatile boolean closed;

    public LogManager(Config config, Time time) {
        this.config = Objects.requireNonNull(config);
        this.time = time;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("log-scheduler"));
        // Segment deletes wait file.delete.delay.ms (retention and every compaction pass schedule some); they must not
        // hold a shutdown that long. Their files are already renamed .deleted, which the next load deletes.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
        this.cleaner = new LogCleaner(config.cleanerConfig(), logs::values, this::checkpointCleanerOffsets, time);
    }

    /** Locks the directories, loads (and if needed recovers) every log, starts the background tasks. */
    public void startup() throws IOException {
        for (Path dir : config.logDirs()) {
            Files.createDirectories(dir);
            lockDirectory(dir);
        }
        for (Path dir : config.logDirs()) {
            loadDirectory(dir);
        }
        flusher = new LogFlusher(config.flushQueueMaxRequests());
        scheduler.scheduleWithFixedDelay(() -> runSafely("retention", this::enforceRetention),
                config.retentionCheckIntervalMs(), config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> runSafely("flush", this::flushByTime),
                config.flushCheckIntervalMs(), config.flushCheckIntervalMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> runSafely("recovery-point checkpoint", this::checkpointRecoveryPoints),
                config.recoveryPointCheckpointIntervalMs(), config.recoveryPointCheckpointIntervalMs(), TimeUnit.MILLISECONDS);
        cleaner.startup();
        started = true;
    }

    private void lockDirectory(Path dir) throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("log directory " + dir + " is in use by another broker process (" + LOCK_FILE
                    + " is locked); each broker needs its own log.dirs");
        }
        dirLockChannels.add(channel);
        dirLocks.add(lock);
    }

    private void loadDirectory(Path dir) throws IOException {
        Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
        boolean clean = Files.exists(marker);
        Map<TopicPartition, Long> recoveryPoints = readOffsetCheckpoint(dir, RECOVERY_POINT_CHECKPOINT,
                "every segment is recovered: slower, never wrong");
        Map<TopicPartition, Long> cleanerOffsets = readOffsetCheckpoint(dir, CLEANER_OFFSET_CHECKPOINT,
                "compacted logs are compacted again from their start: slower, never wrong");
        // From here on a crash must trigger recovery: the marker only speaks for the shutdown that wrote it.
        Files.deleteIfExists(marker);
        CheckpointFile.fsyncDirectory(dir);
        List<Path> partitionDirs = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : children) {
                partitionDirs.add(child);
            }
        }
        partitionDirs.sort(Comparator.comparing(Path::toString));
        long started = time.nanoseconds();
        for (Path child : partitionDirs) {
            String name = child.getFileName().toString();
            if (name.endsWith(DELETE_DIR_SUFFIX)) {
                deleteRecursively(child);
                continue;
            }
            TopicPartition tp = parseDirName(name);
            if (tp == null) {
                log.warn("ignoring {}: not a <topic>-<partition> directory", child);
                continue;
            }
            if (logs.containsKey(tp)) {
                throw new IOException("partition " + tp + " has a directory in two log dirs: " + child + " and "
                        + logs.get(tp).dir());
            }
            long recoveryPoint = recoveryPoints.getOrDefault(tp, 0L);
            PartitionLog plog = PartitionLog.open(child, tp, configFor(tp.topic()), recoveryPoint, !clean, time, scheduler);
            plog.initCleanerCheckpoint(cleanerOffsets.getOrDefault(tp, 0L));
            logs.put(tp, plog);
        }
        log.info("loaded {} partition log(s) from {} in {} ms ({} shutdown)", partitionDirs.size(), dir,
                TimeUnit.NANOSECONDS.toMillis(time.nanoseconds() - started), clean ? "clean" : "unclean: recovered");
    }

    static TopicPartition parseDirName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            return null;
        }
        String partition = name.substring(dash + 1);
        for (int i = 0; i < partition.length(); i++) {
            if (!Character.isDigit(partition.charAt(i))) {
                return null;
            }
        }
        try {
            return new TopicPartition(name.substring(0, dash), Integer.parseInt(partition));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Reads a {@code topic partition offset} checkpoint; an unreadable one is ignored with {@code fallback} logged. */
    private static Map<TopicPartition, Long> readOffsetCheckpoint(Path dir, String fileName, String fallback) {
        Map<TopicPartition, Long> points = new HashMap<>();
        try {
            List<String> lines = CheckpointFile.read(dir.resolve(fileName));
            if (lines != null) {
                for (String line : lines) {
                    String[] f = line.trim().split("\\s+");
                    points.put(new TopicPartition(f[0], Integer.parseInt(f[1])), Long.parseLong(f[2]));
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring unreadable {} in {} ({}): {}", fileName, dir, fallback, e.toString());
            points.clear();
        }
        return points;
    }

    public Config config() {
        return config;
    }

    public Optional<PartitionLog> getLog(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Map<TopicPartition, PartitionLog> allLogs() {
        return Map.copyOf(logs);
    }

    /** The settings a topic's logs use: its override if one was set, else the broker default. */
    public LogConfig configFor(String topic) {
        return topicConfigs.getOrDefault(topic, config.defaultLogConfig());
    }

    /** Applies a topic's settings to its existing and future logs. */
    public void updateTopicConfig(String topic, LogConfig logConfig) {
        topicConfigs.put(topic, logConfig);
        for (PartitionLog plog : logs.values()) {
            if (plog.topicPartition().topic().equals(topic)) {
                plog.updateConfig(logConfig);
            }
        }
    }

    /** The log of {@code tp}, created empty in the least loaded directory if it does not exist. */
    public PartitionLog getOrCreateLog(TopicPartition tp) {
        ensureStarted();
        PartitionLog existing = logs.get(tp);
        if (existing != null) {
            return existing;
        }
        synchronized (createLock) {
            existing = logs.get(tp);
            if (existing != null) {
                return existing;
            }
            Path dir = leastLoadedDir().resolve(tp.toString());
            try {
                PartitionLog created = PartitionLog.open(dir, tp, configFor(tp.topic()), 0L, false, time, scheduler);
                logs.put(tp, created);
                log.info("created log for {} in {}", tp, dir);
                return created;
            } catch (IOException e) {
                throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot create the log of " + tp + " in " + dir
                        + ": " + e.getMessage(), e);
            }
        }
    }

    private Path leastLoadedDir() {
        Map<Path, Integer> counts = new HashMap<>();
        for (Path dir : config.logDirs()) {
            counts.put(dir, 0);
        }
        for (PartitionLog plog : logs.values()) {
            counts.computeIfPresent(plog.dir().getParent(), (d, c) -> c + 1);
        }
        return config.logDirs().stream().min(Comparator.comparing(counts::get)).orElseThrow();
    }

    /**
     * Removes the log of {@code tp}: renamed out of the way at once (a restart will not load it) and deleted in
     * the background.
     */
    public void deleteLog(TopicPartition tp) {
        synchronized (createLock) {
            if (!logs.containsKey(tp)) {
                return;
            }
            // A pass over the log must not write into a directory being deleted.
            cleaner.abortAndPause(tp, LogCleaner.SHUTDOWN_TIMEOUT_MS);
            PartitionLog plog = logs.remove(tp);
            cleaner.forget(tp);
            try {
                plog.close();
                Path renamed = plog.dir().resolveSibling(tp + "." + UUID.randomUUID().toString().replace("-", "") + DELETE_DIR_SUFFIX);
                Files.move(plog.dir(), renamed);
                scheduler.execute(() -> runSafely("delete " + tp, () -> deleteRecursively(renamed)));
                log.info("deleted log of {}", tp);
            } catch (IOException e) {
                throw new TributaryException(ErrorCode.STORAGE_ERROR, "cannot delete the log of " + tp + ": " + e.getMessage(), e);
            }
        }
    }

    /** Whether appends must be fsynced before they are acknowledged. */
    public boolean flushBeforeAck() {
        return config.flushBeforeAck();
    }

    /** Completes when every record of {@code partitionLog} below {@code offset} is on disk (group commit). */
    public CompletableFuture<Void> awaitDurable(PartitionLog partitionLog, long offset) {
        ensureStarted();
        return flusher.flushAsync(partitionLog, offset);
    }

    /** Runs retention on every log now; the scheduler also runs it every {@code retentionCheckIntervalMs}. */
    public int enforceRetention() {
        int deleted = 0;
        for (PartitionLog plog : logs.values()) {
            try {
                deleted += plog.deleteOldSegments();
            } catch (TributaryException e) {
                log.error("retention of {} failed", plog.topicPartition(), e);
            }
        }
        return deleted;
    }

    private void flushByTime() {
        for (PartitionLog plog : logs.values()) {
            plog.maybeFlushByTime();
        }
    }

    /** Writes every log's recovery point, one checkpoint file per log directory. */
    public void checkpointRecoveryPoints() throws IOException {
        Map<Path, List<String>> perDir = new HashMap<>();
        for (Path dir : config.logDirs()) {
            perDir.put(dir, new ArrayList<>());
        }
        for (PartitionLog plog : logs.values()) {
            List<String> lines = perDir.get(plog.dir().getParent());
            if (lines != null) {
                TopicPartition tp = plog.topicPartition();
                lines.add(tp.topic() + " " + tp.partition() + " " + plog.recoveryPoint());
            }
        }
        for (Map.Entry<Path, List<String>> e : perDir.entrySet()) {
            CheckpointFile.write(e.getKey().resolve(RECOVERY_POINT_CHECKPOINT), e.getValue());
        }
    }

    /**
     * Writes the cleaner checkpoint of every compacted log in {@code logDir}: where each one's next compaction pass
     * starts. Called by the cleaner after every pass, and at shutdown.
     */
    public void checkpointCleanerOffsets(Path logDir) {
        synchronized (cleanerCheckpointLock) {
            List<String> lines = new ArrayList<>();
            for (PartitionLog plog : logs.values()) {
                if (plog.dir().getParent().equals(logDir) && plog.config().compact()) {
                    TopicPartition tp = plog.topicPartition();
                    lines.add(tp.topic() + " " + tp.partition() + " " + plog.cleanerCheckpoint());
                }
            }
            try {
                CheckpointFile.write(logDir.resolve(CLEANER_OFFSET_CHECKPOINT), lines);
            } catch (IOException e) {
                // The next pass or shutdown writes it again; a lost one only makes the next pass longer.
                log.warn("cannot write {} in {}: {}", CLEANER_OFFSET_CHECKPOINT, logDir, e.toString());
            }
        }
    }

    /** The log cleaner (for tests and tools: {@link LogCleaner#cleanOnce}, uncleanable logs). */
    LogCleaner cleaner() {
        return cleaner;
    }

    private void ensureStarted() {
        if (!started || closed) {
            throw new TributaryException(ErrorCode.STORAGE_ERROR, "the log manager is " + (closed ? "closed" : "not started"));
        }
    }

    /**
     * Clean shutdown: stops background work, flushes and closes every log, writes recovery points, and finally the
     * clean-shutdown marker, so the next start skips recovery.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        // First, and bounded: a compaction pass stops at its next batch, before the logs close under it.
        cleaner.shutdown();
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flusher != null) {
            flusher.close();
        }
        IOException failure = null;
        for (PartitionLog plog : logs.values()) {
            try {
                plog.close();
            } catch (IOException e) {
                log.error("closing {} failed", plog.topicPartition(), e);
                failure = e;
            }
        }
        if (started) {
            checkpointRecoveryPoints();
            for (Path dir : config.logDirs()) {
                checkpointCleanerOffsets(dir);
            }
            if (failure == null) {
                for (Path dir : config.logDirs()) {
                    Files.createFile(dir.resolve(CLEAN_SHUTDOWN_FILE));
                    CheckpointFile.fsyncDirectory(dir);
                }
            }
        }
        for (FileLock lock : dirLocks) {
            lock.release();
        }
        for (FileChannel ch : dirLockChannels) {
            ch.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void runSafely(String what, IoRunnable task) {
        try {
            task.run();
        } catch (Exception e) {
            log.error("background task '{}' failed", what, e);
        }
    }

    @FunctionalInterface
    private interface IoRunnable {
        void run() throws Exception;
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
