package io.tributary.client.producer;

import io.tributary.api.ErrorCode;
import io.tributary.client.Cluster;
import io.tributary.client.Node;
import io.tributary.client.PartitionInfo;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionerTest {
    static Cluster cluster(String topic, int partitions) {
        List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            infos.add(new PartitionInfo(topic, p, 1, 0, List.of(1), List.of(1), List.of()));
        }
        return new Cluster("c", 1, Map.of(1, new Node(1, "127.0.0.1", 9092, "")), Map.of(topic, infos), Map.<String, ErrorCode>of());
    }

    /** The vectors of Kafka's UtilsTest.testMurmur2: keys must land where Kafka's default partitioner puts them. */
    @Test
    void murmur2MatchesKafkaReferenceValues() {
        assertEquals(-973932308, Murmur2.hash("21".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-790332482, Murmur2.hash("foobar".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-985981536, Murmur2.hash("a-little-bit-long-string".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-1486304829, Murmur2.hash("a-little-bit-longer-string".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-58897971, Murmur2.hash("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8".getBytes(StandardCharsets.UTF_8)));
        assertEquals(479470107, Murmur2.hash(new byte[] {'a', 'b', 'c'}));
    }

    @Test
    void keyedRecordsUseToPositiveMurmur2ModPartitions() {
        // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16, as Kafka computes it.
        assertEquals(16, Murmur2.partitionForKey("foobar".getBytes(StandardCharsets.UTF_8), 50));
        DefaultPartitioner partitioner = new DefaultPartitioner();
        Cluster cluster = cluster("t", 50);
        byte[] key = "foobar".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 10; i++) {
            assertEquals(16, partitioner.partition("t", "foobar", key, null, null, cluster));
        }
    }

    @Test
    void toPositiveClearsOnlyTheSignBit() {
        assertEquals(0, Murmur2.toPositive(Integer.MIN_VALUE));
        assertEquals(Integer.MAX_VALUE, Murmur2.toPositive(-1));
        assertEquals(5, Murmur2.toPositive(5));
    }

    @Test
    void keylessRecordsStickUntilNewBatchThenMove() {
        DefaultPartitioner partitioner = new DefaultPartitioner();
        Cluster cluster = cluster("t", 6);
        int first = partitioner.partition("t", null, null, "v", null, cluster);
        for (int i = 0; i < 100; i++) {
            assertEquals(first, partitioner.partition("t", null, null, "v", null, cluster));
        }
        partitioner.onNewBatch("t", cluster, first);
        int second = partitioner.partition("t", null, null, "v", null, cluster);
        assertNotEquals(first, second);
        Set<Integer> seen = new HashSet<>();
        int current = second;
        for (int i = 0; i < 200; i++) {
            partitioner.onNewBatch("t", cluster, current);
            current = partitioner.partition("t", null, null, "v", null, cluster);
            seen.add(current);
        }
        assertTrue(seen.size() > 3, "sticky partitioning spreads over partitions across batches: " + seen);
    }

    @Test
    void ignoreKeysTreatsKeyedRecordsAsSticky() {
        DefaultPartitioner partitioner = new DefaultPartitioner(true);
        Cluster cluster = cluster("t", 8);
        int p = partitioner.partition("t", "a", "a".getBytes(StandardCharsets.UTF_8), null, null, cluster);
        assertEquals(p, partitioner.partition("t", "b", "b".getBytes(StandardCharsets.UTF_8), null, null, cluster));
    }
}
