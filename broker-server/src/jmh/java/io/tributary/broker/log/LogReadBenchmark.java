package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.broker.common.Time;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Sequential read throughput: a consumer walking a 1 GiB log from start to end in {@code fetchMaxBytes} reads (from
 * the page cache, as a caught-up consumer reads). One operation returns one read; MB/s = bytes returned per second,
 * reported by {@link #sequentialRead} as bytes per operation via the returned count.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class LogReadBenchmark {
    @Param({"1048576"})
    int fetchMaxBytes;

    private Path dir;
    private PartitionLog log;
    private long next;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir"))), "read-bench");
        log = PartitionLog.open(dir.resolve("bench-0"), new TopicPartition("bench", 0),
                LogConfig.fromProps(Map.of()), 0L, false, Time.SYSTEM, null);
        Random random = new Random(1);
        RecordBatchBuilder builder = RecordBatchBuilder.create();
        while (builder.estimatedSizeInBytes() < 65536 - 120) {
            byte[] value = new byte[100];
            random.nextBytes(value);
            builder.append(System.currentTimeMillis(), null, value);
        }
        ByteBuffer batch = builder.build();
        long target = 1L << 30;
        while (log.sizeInBytes() < target) {
            batch.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L);
            log.appendAsLeader(batch.duplicate(), 0);
        }
        log.updateHighWatermark(log.logEndOffset());
    }

    @Benchmark
    public int sequentialRead() {
        if (next >= log.logEndOffset()) {
            next = 0;
        }
        ByteBuffer got = log.read(next, fetchMaxBytes, Long.MAX_VALUE, true).records();
        int last = got.limit();
        // Advance past the last whole batch returned.
        int position = 0;
        long lastOffset = next;
        while (position < last) {
            lastOffset = got.getLong(position) + got.getInt(position + RecordBatch.LAST_OFFSET_DELTA_OFFSET);
            position += RecordBatch.sizeInBytes(got, position);
        }
        next = lastOffset + 1;
        return got.remaining();
    }

    @TearDown
    public void tearDown() throws IOException {
        log.close();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
