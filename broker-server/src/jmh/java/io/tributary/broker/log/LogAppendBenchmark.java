package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.broker.common.Time;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Append throughput of {@link PartitionLog} against a raw {@link FileChannel#write} of the same 64 KiB batches of
 * 100-byte records on the same disk; one operation writes one batch, so MB/s = ops/s x batch size. The log is reset
 * every iteration so a run never fills the disk. Run it on an otherwise idle machine: both cores matter.
 *
 * <pre>
 * ./mvnw -Pjmh -pl broker-server -am package -DskipTests
 * java -jar broker-server/target/benchmarks.jar LogAppendBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class LogAppendBenchmark {
    @Param({"65536"})
    int batchBytes;

    @Param({"100"})
    int recordBytes;

    private Path dir;
    private ScheduledExecutorService scheduler;
    private PartitionLog log;
    private FileChannel raw;
    private long rawPosition;
    private ByteBuffer batch;
    private ByteBuffer rawBatch;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))), "log-bench");
        Random random = new Random(1);
        RecordBatchBuilder builder = RecordBatchBuilder.create();
        while (builder.estimatedSizeInBytes() + recordBytes + 8 < batchBytes) {
            byte[] value = new byte[recordBytes];
            random.nextBytes(value);
            builder.append(System.currentTimeMillis(), null, value);
        }
        batch = builder.build();
        rawBatch = batch.duplicate();
        // As in the broker: a rolled segment is fsynced by a background thread, not on the append path.
        scheduler = Executors.newSingleThreadScheduledExecutor();
        log = PartitionLog.open(dir.resolve("bench-0"), new TopicPartition("bench", 0),
                LogConfig.fromProps(Map.of(LogConfig.FILE_DELETE_DELAY_MS, 0L)), 0L, false, Time.SYSTEM, scheduler);
        raw = FileChannel.open(dir.resolve("raw.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    }

    @Setup(Level.Iteration)
    public void reset() throws IOException {
        log.truncateFullyAndStartAt(0);
        raw.truncate(0);
        rawPosition = 0;
    }

    @Benchmark
    public long partitionLogAppend() {
        // A producer's batch arrives with base offset 0; the log stamps it in place.
        batch.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L);
        return log.appendAsLeader(batch.duplicate(), 1).lastOffset();
    }

    @Benchmark
    public long rawFileChannelWrite() throws IOException {
        ByteBuffer b = rawBatch.duplicate();
        while (b.hasRemaining()) {
            rawPosition += raw.write(b, rawPosition);
        }
        return rawPosition;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        log.close();
        raw.close();
        scheduler.shutdown();
        scheduler.awaitTermination(60, TimeUnit.SECONDS);
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
