package io.tributary.client.consumer;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.tributary.api.ErrorCode;
import io.tributary.api.TopicPartition;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.batch.RecordBatchBuilder;
import io.tributary.api.v1.Assignment;
import io.tributary.api.v1.BrokerNode;
import io.tributary.api.v1.CommitOffsetsRequest;
import io.tributary.api.v1.CommitOffsetsResponse;
import io.tributary.api.v1.CommittedOffset;
import io.tributary.api.v1.ConsumerGrpc;
import io.tributary.api.v1.CoordinatorResult;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.FetchOffsetsRequest;
import io.tributary.api.v1.FetchOffsetsResponse;
import io.tributary.api.v1.FetchRequest;
import io.tributary.api.v1.FetchResponse;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.FindCoordinatorResponse;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.HeartbeatAck;
import io.tributary.api.v1.Joined;
import io.tributary.api.v1.ListOffsetsRequest;
import io.tributary.api.v1.ListOffsetsResponse;
import io.tributary.api.v1.ListOffsetsResult;
import io.tributary.api.v1.MembershipRequest;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.api.v1.MetadataGrpc;
import io.tributary.api.v1.MetadataRequest;
import io.tributary.api.v1.MetadataResponse;
import io.tributary.api.v1.OffsetCommit;
import io.tributary.api.v1.OffsetCommitResult;
import io.tributary.api.v1.PartitionData;
import io.tributary.api.v1.PartitionMetadata;
import io.tributary.api.v1.PartitionPosition;
import io.tributary.api.v1.TopicMetadata;
import io.tributary.client.internal.Errors;
import io.tributary.client.internal.GroupsClient;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One scripted broker on loopback that is leader of every partition of topic {@code t} and coordinator of every
 * group: metadata, ListOffsets, a fetch session serving an in-memory log, and the Groups service whose membership
 * streams the test drives by hand ({@link MemberStream}). Commits are kept in memory unless the test scripts an answer.
 *
 * <p>Thread-safe: gRPC threads write, the test thread reads through blocking queues and concurrent maps.
 */
final class FakeGroupBroker implements AutoCloseable {
    static final String TOPIC = "t";

    final int partitions;
    final Server server;
    /** Records per partition: value i sits at offset i. */
    final Map<Integer, List<String>> log = new ConcurrentHashMap<>();
    final Map<TopicPartition, OffsetCommit> committed = new ConcurrentHashMap<>();
    final BlockingQueue<MemberStream> streams = new LinkedBlockingQueue<>();
    final BlockingQueue<CommitOffsetsRequest> commits = new LinkedBlockingQueue<>();
    final BlockingQueue<FetchOffsetsRequest> offsetFetches = new LinkedBlockingQueue<>();
    final AtomicInteger findCoordinatorCalls = new AtomicInteger();
    /** Scripted CommitOffsets answers, used in order before falling back to storing the offsets. */
    final BlockingQueue<Function<CommitOffsetsRequest, Object>> commitScript = new LinkedBlockingQueue<>();
    /** Events in the order the broker saw them, for ordering assertions ("commit t-0", "ack 2"). */
    final List<String> timeline = new CopyOnWriteArrayList<>();

    /** One Membership stream as the broker sees it. */
    final class MemberStream {
        final BlockingQueue<MembershipRequest> received = new LinkedBlockingQueue<>();
        final StreamObserver<MembershipResponse> out;
        volatile boolean clientEnded;

        MemberStream(StreamObserver<MembershipResponse> out) {
            this.out = out;
        }

        MembershipRequest next(MembershipRequest.KindCase kind) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                MembershipRequest r = received.poll(100, TimeUnit.MILLISECONDS);
                if (r != null && r.getKindCase() == kind) {
                    return r;
                }
            }
            throw new AssertionError("no " + kind + " on the membership stream within 10 s");
        }

        /** Waits for the next message that is not a heartbeat; null when none comes within {@code ms}. */
        MembershipRequest nextNonHeartbeat(long ms) throws InterruptedException {
            long deadline = System.currentTimeMillis() + ms;
            while (System.currentTimeMillis() < deadline) {
                MembershipRequest r = received.poll(50, TimeUnit.MILLISECONDS);
                if (r != null && !r.hasHeartbeat()) {
                    return r;
                }
            }
            return null;
        }

        void joined(String memberId, int generation, int sessionTimeoutMs, int heartbeatIntervalMs) {
            out.onNext(MembershipResponse.newBuilder().setJoined(Joined.newBuilder().setMemberId(memberId).setGenerationId(generation)
                    .setSessionTimeoutMs(sessionTimeoutMs).setHeartbeatIntervalMs(heartbeatIntervalMs)).build());
        }

        void assign(int generation, Collection<Integer> partitionIds) {
            List<TopicPartition> tps = new ArrayList<>();
            partitionIds.forEach(p -> tps.add(new TopicPartition(TOPIC, p)));
            out.onNext(MembershipResponse.newBuilder().setAssignment(Assignment.newBuilder().setGenerationId(generation)
                    .setAssignor("cooperative-sticky").addAllPartitions(GroupsClient.byTopic(tps))).build());
        }

        void heartbeatAck(int generation) {
            out.onNext(MembershipResponse.newBuilder().setHeartbeatAck(HeartbeatAck.newBuilder().setGenerationId(generation)).build());
        }

        void fail(ErrorCode code) {
            out.onError(status(code, "scripted " + code.name()));
        }

        void complete() {
            out.onCompleted();
        }
    }

    FakeGroupBroker(int partitions) throws Exception {
        this.partitions = partitions;
        for (int p = 0; p < partitions; p++) {
            log.put(p, new CopyOnWriteArrayList<>());
        }
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Metadata()).addService(new Fetch()).addService(new Groups()).build().start();
    }

    String bootstrap() {
        return "127.0.0.1:" + server.getPort();
    }

    void append(int partition, String... values) {
        log.get(partition).addAll(List.of(values));
    }

    MemberStream awaitStream() throws InterruptedException {
        MemberStream s = streams.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("the consumer opened no membership stream within 10 s");
        }
        return s;
    }

    static StatusRuntimeException status(ErrorCode code, String message) {
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(code.grpcCode().value()).setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(Errors.DOMAIN).setReason(code.name()).build())).build();
        return StatusProto.toStatusRuntimeException(status);
    }

    static Error error(ErrorCode code) {
        return Error.newBuilder().setCode(code.name()).setMessage("scripted").setRetriable(code.retriable()).build();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Metadata extends MetadataGrpc.MetadataImplBase {
        @Override
        public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> out) {
            TopicMetadata.Builder t = TopicMetadata.newBuilder().setName(TOPIC);
            for (int p = 0; p < partitions; p++) {
                t.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeaderId(1).addReplicas(1).addIsr(1));
            }
            out.onNext(MetadataResponse.newBuilder().setClusterId("fake").setControllerId(1)
                    .addBrokers(BrokerNode.newBuilder().setId(1).setHost("127.0.0.1").setPort(server.getPort())).addTopics(t).build());
            out.onCompleted();
        }

        @Override
        public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> out) {
            ListOffsetsResponse.Builder b = ListOffsetsResponse.newBuilder();
            request.getPartitionsList().forEach(p -> b.addPartitions(ListOffsetsResult.newBuilder().setTopic(p.getTopic())
                    .setPartition(p.getPartition()).setOffset(p.getTimestamp() == -2 ? 0 : log.get(p.getPartition()).size())));
            out.onNext(b.build());
            out.onCompleted();
        }
    }

    /** Answers every position it is given with the log from there to its end (credits are not modelled). */
    private final class Fetch extends ConsumerGrpc.ConsumerImplBase {
        @Override
        public StreamObserver<FetchRequest> fetch(StreamObserver<FetchResponse> out) {
            return new StreamObserver<>() {
                @Override
                public void onNext(FetchRequest r) {
                    List<PartitionPosition> positions = r.hasOpen() ? r.getOpen().getPartitionsList()
                            : r.hasPositions() ? r.getPositions().getSetList() : List.of();
                    for (PartitionPosition p : positions) {
                        serve(out, p.getPartition(), p.getFetchOffset());
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            };
        }

        private synchronized void serve(StreamObserver<FetchResponse> out, int partition, long from) {
            List<String> values = log.get(partition);
            PartitionData.Builder pd = PartitionData.newBuilder().setTopic(TOPIC).setPartition(partition).setFetchOffset(from)
                    .setHighWatermark(values.size()).setLogEndOffset(values.size());
            if (from < values.size()) {
                RecordBatchBuilder b = RecordBatchBuilder.create();
                for (int i = (int) from; i < values.size(); i++) {
                    b.append(1_000, null, values.get(i).getBytes(StandardCharsets.UTF_8));
                }
                ByteBuffer bytes = b.build();
                RecordBatch.wrap(bytes).setBaseOffset(from);
                pd.setRecords(ByteString.copyFrom(bytes));
            }
            try {
                out.onNext(FetchResponse.newBuilder().addPartitions(pd).build());
            } catch (RuntimeException streamGone) {
                // The consumer moved on; nothing to serve.
            }
        }
    }

    private final class Groups extends GroupsGrpc.GroupsImplBase {
        @Override
        public void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> out) {
            findCoordinatorCalls.incrementAndGet();
            FindCoordinatorResponse.Builder b = FindCoordinatorResponse.newBuilder();
            request.getGroupIdsList().forEach(g -> b.addCoordinators(CoordinatorResult.newBuilder().setGroupId(g)
                    .setNode(BrokerNode.newBuilder().setId(1).setHost("127.0.0.1").setPort(server.getPort()))));
            out.onNext(b.build());
            out.onCompleted();
        }

        @Override
        public StreamObserver<MembershipRequest> membership(StreamObserver<MembershipResponse> out) {
            MemberStream s = new MemberStream(out);
            streams.add(s);
            return new StreamObserver<>() {
                @Override
                public void onNext(MembershipRequest r) {
                    s.received.add(r);
                    if (r.hasAck()) {
                        timeline.add("ack " + r.getAck().getGenerationId());
                    } else if (r.hasLeave()) {
                        timeline.add("leave");
                        out.onCompleted(); // the coordinator closes the stream of a member that leaves
                    }
                }

                @Override
                public void onError(Throwable t) {
                    s.clientEnded = true;
                }

                @Override
                public void onCompleted() {
                    s.clientEnded = true;
                }
            };
        }

        @Override
        public void commitOffsets(CommitOffsetsRequest request, StreamObserver<CommitOffsetsResponse> out) {
            commits.add(request);
            request.getOffsetsList().forEach(o -> timeline.add("commit " + o.getTopic() + "-" + o.getPartition() + "@" + o.getOffset()));
            Function<CommitOffsetsRequest, Object> scripted = commitScript.poll();
            if (scripted != null) {
                Object answer = scripted.apply(request);
                if (answer instanceof StatusRuntimeException e) {
                    out.onError(e);
                    return;
                }
                if (answer instanceof CommitOffsetsResponse r) {
                    out.onNext(r);
                    out.onCompleted();
                    return;
                }
            }
            CommitOffsetsResponse.Builder b = CommitOffsetsResponse.newBuilder();
            for (OffsetCommit o : request.getOffsetsList()) {
                committed.put(new TopicPartition(o.getTopic(), o.getPartition()), o);
                b.addResults(OffsetCommitResult.newBuilder().setTopic(o.getTopic()).setPartition(o.getPartition()));
            }
            out.onNext(b.build());
            out.onCompleted();
        }

        @Override
        public void fetchOffsets(FetchOffsetsRequest request, StreamObserver<FetchOffsetsResponse> out) {
            offsetFetches.add(request);
            FetchOffsetsResponse.Builder b = FetchOffsetsResponse.newBuilder();
            for (TopicPartition tp : GroupsClient.fromTopics(request.getPartitionsList())) {
                OffsetCommit c = committed.get(tp);
                b.addOffsets(CommittedOffset.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                        .setOffset(c == null ? -1 : c.getOffset()).setLeaderEpoch(c == null ? -1 : c.getLeaderEpoch())
                        .setMetadata(c == null ? "" : c.getMetadata()));
            }
            out.onNext(b.build());
            out.onCompleted();
        }
    }
}
