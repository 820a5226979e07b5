package io.tributary.broker.group;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.api.TopicPartition;
import io.tributary.api.v1.Assignment;
import io.tributary.api.v1.AssignmentAck;
import io.tributary.api.v1.CoordinatorResult;
import io.tributary.api.v1.FindCoordinatorRequest;
import io.tributary.api.v1.GroupsGrpc;
import io.tributary.api.v1.Heartbeat;
import io.tributary.api.v1.JoinGroup;
import io.tributary.api.v1.Joined;
import io.tributary.api.v1.LeaveGroup;
import io.tributary.api.v1.MembershipRequest;
import io.tributary.api.v1.MembershipResponse;
import io.tributary.broker.testing.EmbeddedCluster;

import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw-gRPC group member for broker tests: exactly what a client in another language sends and sees. */
final class GroupTestClient {
    private GroupTestClient() {
    }

    static GroupsGrpc.GroupsBlockingStub groups(Channel channel) {
        return GroupsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** The coordinator's broker id, asking any running broker until the offsets topic has a leader. */
    static int coordinatorOf(EmbeddedCluster cluster, String groupId) {
        int[] found = {-1};
        cluster.awaitCondition(() -> {
            int any = cluster.runningBrokers().keySet().iterator().next();
            CoordinatorResult r = groups(cluster.channel(any)).findCoordinator(FindCoordinatorRequest.newBuilder()
                    .addGroupIds(groupId).build()).getCoordinators(0);
            if (!r.getError().getCode().isEmpty() || !cluster.runningBrokers().containsKey(r.getNode().getId())) {
                return false;
            }
            found[0] = r.getNode().getId();
            return true;
        }, 30_000, "a coordinator for " + groupId);
        return found[0];
    }

    /** The error name a failed call carries in its status details. */
    static String reason(Throwable t) {
        if (!(t instanceof StatusRuntimeException e)) {
            throw new AssertionError("expected a status, got " + t, t);
        }
        com.google.rpc.Status s = StatusProto.fromThrowable(e);
        if (s != null) {
            for (Any a : s.getDetailsList()) {
                if (a.is(ErrorInfo.class)) {
                    try {
                        return a.unpack(ErrorInfo.class).getReason();
                    } catch (Exception corrupt) {
                        throw new AssertionError(corrupt);
                    }
                }
            }
        }
        return e.getStatus().getCode().name();
    }

    private static final java.util.Set<String> RETRIABLE = java.util.Set.of("NOT_COORDINATOR",
            "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "REQUEST_TIMED_OUT", "UNAVAILABLE");

    /** A call against the group's coordinator, found again and retried on the errors a client retries (30 s bound). */
    static <T> T onCoordinator(EmbeddedCluster cluster, String groupId, java.util.function.Function<Channel, T> call) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return call.apply(cluster.channel(coordinatorOf(cluster, groupId)));
            } catch (StatusRuntimeException e) {
                if (!RETRIABLE.contains(reason(e)) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Joins (or resumes) through the coordinator, retrying while it moves or loads. */
    static Member joinRetrying(EmbeddedCluster cluster, JoinGroup join) {
        return onCoordinator(cluster, join.getGroupId(), ch -> {
            try {
                return new Member(ch, join);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
    }

    static SortedSet<TopicPartition> partitions(Assignment a) {
        return PartitionSets.fromProto(a.getPartitionsList());
    }

    static JoinGroup.Builder join(String groupId, String... topics) {
        return JoinGroup.newBuilder().setGroupId(groupId).setClientId("test").addAllTopics(java.util.List.of(topics))
                .addAssignors("cooperative-sticky").setSessionTimeoutMs(20_000).setRebalanceTimeoutMs(20_000);
    }

    /** One member on one stream; what the coordinator sends lands in a queue the test reads. */
    static final class Member implements AutoCloseable {
        private static final Object COMPLETED = "completed";
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final StreamObserver<MembershipRequest> requests;
        final String memberId;
        final Joined joined;
        /** What this member applied from its latest Assignment (and acknowledged). */
        SortedSet<TopicPartition> owned = new TreeSet<>();
        int generation = -1;

        Member(Channel channel, JoinGroup join) throws InterruptedException {
            requests = GroupsGrpc.newStub(channel).membership(new StreamObserver<>() {
                @Override
                public void onNext(MembershipResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    received.add(t);
                }

                @Override
                public void onCompleted() {
                    received.add(COMPLETED);
                }
            });
            send(MembershipRequest.newBuilder().setJoin(join).build());
            MembershipResponse first = next(15_000);
            if (!first.hasJoined()) {
                throw new AssertionError("the first message must be Joined, got " + first);
            }
            joined = first.getJoined();
            memberId = joined.getMemberId();
        }

        private synchronized void send(MembershipRequest r) {
            requests.onNext(r);
        }

        private MembershipResponse next(long timeoutMs) throws InterruptedException {
            Object o = received.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (o == null) {
                throw new AssertionError("nothing from the coordinator within " + timeoutMs + " ms");
            }
            if (o instanceof StatusRuntimeException e) {
                throw e;
            }
            if (o instanceof Throwable t) {
                throw new AssertionError("membership stream failed", t);
            }
            if (o == COMPLETED) {
                throw new AssertionError("membership stream completed");
            }
            return (MembershipResponse) o;
        }

        /** The next Assignment (heartbeat acks skipped). */
        Assignment nextAssignment(long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                MembershipResponse r = next(Math.max(1, left));
                if (r.hasAssignment()) {
                    return r.getAssignment();
                }
            }
        }

        /** Whether an Assignment arrives within {@code timeoutMs}, without failing when none does. */
        Assignment pollAssignment(long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                Object o = received.poll(left, TimeUnit.MILLISECONDS);
                if (o == null) {
                    return null;
                }
                if (!(o instanceof MembershipResponse r)) {
                    throw new AssertionError("membership stream ended: " + o);
                }
                if (r.hasAssignment()) {
                    return r.getAssignment();
                }
            }
        }

        /** Applies an Assignment (revokes what it lacks, takes what it lists) and acknowledges it. */
        void apply(Assignment a) {
            owned = partitions(a);
            generation = a.getGenerationId();
            send(MembershipRequest.newBuilder().setAck(AssignmentAck.newBuilder().setGenerationId(a.getGenerationId())
                    .addAllOwned(a.getPartitionsList())).build());
        }

        void heartbeat() {
            send(MembershipRequest.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
        }

        void leave() {
            send(MembershipRequest.newBuilder().setLeave(LeaveGroup.newBuilder().setReason("test")).build());
        }

        /** How the stream ended: "OK" for a normal completion, else the error name. */
        String awaitEnd(long timeoutMs) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (System.nanoTime() < deadline) {
                Object o = received.poll(10, TimeUnit.MILLISECONDS);
                if (o == COMPLETED) {
                    return "OK";
                }
                if (o instanceof Throwable t) {
                    return reason(t);
                }
            }
            throw new AssertionError("the membership stream did not end within " + timeoutMs + " ms");
        }

        /** Drops the stream without LeaveGroup, as a crashed or disconnected client would. */
        void disconnect() {
            ((ClientCallStreamObserver<MembershipRequest>) requests).cancel("test disconnects", null);
        }

        @Override
        public void close() {
            try {
                requests.onError(Status.CANCELLED.asRuntimeException());
            } catch (RuntimeException alreadyClosed) {
                // Nothing to close.
            }
        }
    }
}
