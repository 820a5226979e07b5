package io.tributary.broker.server;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.ConsumerGrpc;
import io.tributary.api.v1.CoordinatorResult;
import io.tributary.api.v1.FetchCredit;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.FetchSession;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.PartitionPosition;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProducerGrpc;
import io.tributary.broker.testing.EmbeddedCluster;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Minimal raw-gRPC producer and fetcher for broker tests: exactly what a client in another language would send. */
final class TestClients {
    private TestClients() {
    }

    /**
     * Commits {@code offsets[p]} for partition p of {@code topic} on behalf of {@code group} from outside it (no
     * member, generation -1), at the group's coordinator, found first (bounded by 30 s); every result must succeed.
     *
     * @return the coordinator's broker id
     */
    static int commitOffsets(EmbeddedCluster c, String group, String topic, long... offsets) {
        int[] coordinator = {-1};
        c.awaitCondition(() -> {
            CoordinatorResult r = GroupsGrpc.newBlockingStub(c.channel(c.runningBrokers().keySet().iterator().next()))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .findCoordinator(FindCoordinatorRequest.newBuilder().addGroupIds(group).build()).getCoordinators(0);
            coordinator[0] = r.getNode().getId();
            return r.getError().getCode().isEmpty();
        }, 30_000, "a coordinator for " + group);
        CommitOffsetsRequest.Builder commit = CommitOffsetsRequest.newBuilder().setGroupId(group).setGenerationId(-1);
        for (int p = 0; p < offsets.length; p++) {
            commit.addOffsets(OffsetCommit.newBuilder().setTopic(topic).setPartition(p).setOffset(offsets[p]).setLeaderEpoch(-1));
        }
        GroupsGrpc.newBlockingStub(c.channel(coordinator[0])).withDeadlineAfter(10, TimeUnit.SECONDS).commitOffsets(commit.build())
                .getResultsList().forEach(r -> assertTrue(r.getError().getCode().isEmpty(), r.toString()));
        return coordinator[0];
    }

    static PartitionProduceResult produce(Channel channel, String topic, int partition, ByteBuffer batch, int acks) {
        return ProducerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .produceOnce(ProduceRequest.newBuilder().setAcks(acks).setCorrelationId(1)
                        .addPartitions(PartitionProduceData.newBuilder().setTopic(topic).setPartition(partition)
                                .setRecords(ByteString.copyFrom(batch.duplicate())))
                        .build())
                .getPartitions(0);
    }

    /** A fetch session whose responses land in a queue; credits are granted one per response taken. */
    static final class Fetcher implements AutoCloseable {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final StreamObserver<FetchRequest> requests;

        Fetcher(Channel channel, FetchSession open) {
            requests = ConsumerGrpc.newStub(channel).fetch(new StreamObserver<>() {
                @Override
                public void onNext(FetchResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    received.add(t);
                }

                @Override
                public void onCompleted() {
                    received.add("completed");
                }
            });
            requests.onNext(FetchRequest.newBuilder().setOpen(open).build());
        }

        static FetchSession.Builder session(String topic, int partition, long offset) {
            return FetchSession.newBuilder().setMaxWaitMs(500).setMinBytes(1).setMaxBytes(1 << 20).setInitialCredits(1)
                    .addPartitions(PartitionPosition.newBuilder().setTopic(topic).setPartition(partition)
                            .setFetchOffset(offset).setPartitionMaxBytes(1 << 20));
        }

        /** The next response, failing on a stream error or after {@code timeoutMs}. */
        FetchResponse next(long timeoutMs) throws InterruptedException {
            Object o = received.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (o == null) {
                throw new AssertionError("no fetch response within " + timeoutMs + " ms");
            }
            if (o instanceof Throwable t) {
                throw new AssertionError("fetch stream failed", t);
            }
            if (!(o instanceof FetchResponse r)) {
                throw new AssertionError("fetch stream ended: " + o);
            }
            return r;
        }

        void credit(int n) {
            requests.onNext(FetchRequest.newBuilder().setCredit(FetchCredit.newBuilder().setResponses(n)).build());
        }

        void send(FetchRequest r) {
            requests.onNext(r);
        }

        @Override
        public void close() {
            try {
                requests.onCompleted();
            } catch (RuntimeException alreadyClosed) {
                // The stream already failed; nothing to close.
            }
        }
    }
}
