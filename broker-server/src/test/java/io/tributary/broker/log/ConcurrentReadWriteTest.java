package io.tributary.broker.log;

import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.broker.common.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConcurrentReadWriteTest {
    @TempDir
    Path tmp;

    @Test
    void readerPollingWhileTheWriterAppendsSeesOnlyWholeBatchesInOffsetOrder() throws Exception {
        // Small segments and a dense index so the reader crosses rolls and index updates while they happen.
        LogConfig cfg = config(LogConfig.SEGMENT_BYTES, 16 * 1024, LogConfig.INDEX_INTERVAL_BYTES, 256);
        TopicPartition tp = new TopicPartition("race", 0);
        try (PartitionLog log = PartitionLog.open(tmp.resolve("race-0"), tp, cfg, 0L, false, Time.SYSTEM, null)) {
            int batches = 20_000;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong readerSaw = new AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    int value = 0;
                    for (int i = 0; i < batches; i++) {
                        int n = 1 + (i % 5);
                        log.appendAsLeader(batch(n, value, i), 0);
                        value += n;
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "writer");
            long expectedTotal = 0;
            for (int i = 0; i < batches; i++) {
                expectedTotal += 1 + (i % 5);
            }
            final long total = expectedTotal;
            Thread reader = new Thread(() -> {
                try {
                    long next = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (next < total && System.nanoTime() < deadline) {
                        LogReadInfo info = log.read(next, 3000, Long.MAX_VALUE, true);
                        for (RecordBatch b : RecordBatch.iterate(info.records())) {
                            b.ensureValid(Integer.MAX_VALUE);
                            if (b.baseOffset() > next || b.lastOffset() < next) {
                                throw new AssertionError("expected a batch holding offset " + next + ", got " + b);
                            }
                            var recs = b.decodeRecords().getRecordsList();
                            for (var r : recs) {
                                long offset = b.baseOffset() + r.getOffsetDelta();
                                if (offset < next) {
                                    continue;
                                }
                                if (offset != next || !r.getValue().toStringUtf8().equals("v" + offset)) {
                                    throw new AssertionError("at " + next + " read offset " + offset + " value " + r.getValue().toStringUtf8());
                                }
                                next++;
                            }
                        }
                    }
                    readerSaw.set(next);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "reader");
            reader.start();
            writer.start();
            writer.join(TimeUnit.SECONDS.toMillis(90));
            reader.join(TimeUnit.SECONDS.toMillis(90));
            assertNull(failure.get(), () -> "concurrent read failed: " + failure.get());
            assertEquals(total, log.logEndOffset());
            assertEquals(total, readerSaw.get(), "the reader caught up with every record");
            assertTrue(log.numberOfSegments() > 10);
        }
    }
}
