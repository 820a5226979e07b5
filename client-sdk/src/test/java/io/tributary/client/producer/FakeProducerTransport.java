package io.tributary.client.producer;

import com.google.protobuf.ByteString;
import io.tributary.api.ErrorCode;
import io.tributary.api.batch.RecordBatch;
import io.tributary.api.v1.Error;
import io.tributary.api.v1.InitProducerIdRequest;
import io.tributary.api.v1.InitProducerIdResponse;
import io.tributary.api.v1.PartitionProduceData;
import io.tributary.api.v1.PartitionProduceResult;
import io.tributary.api.v1.ProduceRequest;
import io.tributary.api.v1.ProduceResponse;
import io.tributary.client.Node;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A {@link ProducerTransport} for driving {@link Sender#runOnce} by hand: it records produce requests and InitProducerId
 * calls, and the test answers them. No threads, no network. Not thread-safe.
 */
final class FakeProducerTransport implements ProducerTransport {
    final List<ProduceRequest> requests = new ArrayList<>();
    final List<Listener> listeners = new ArrayList<>();
    final List<InitProducerIdRequest> inits = new ArrayList<>();
    final List<InitProducerIdListener> initListeners = new ArrayList<>();

    @Override
    public void send(Node node, ProduceRequest request, Listener listener) {
        requests.add(request);
        listeners.add(listener);
    }

    @Override
    public void initProducerId(Node node, InitProducerIdRequest request, long timeoutMs, InitProducerIdListener listener) {
        inits.add(request);
        initListeners.add(listener);
    }

    @Override
    public void close() {
    }

    void answerInit(int index, long producerId, int epoch) {
        initListeners.get(index).onResponse(InitProducerIdResponse.newBuilder().setProducerId(producerId).setProducerEpoch(epoch).build());
    }

    void respond(int index, long baseOffset) {
        ProduceRequest r = requests.get(index);
        ProduceResponse.Builder b = ProduceResponse.newBuilder().setCorrelationId(r.getCorrelationId());
        for (PartitionProduceData p : r.getPartitionsList()) {
            b.addPartitions(PartitionProduceResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition())
                    .setBaseOffset(baseOffset).setLogAppendTimeMs(-1));
        }
        listeners.get(index).onResponse(b.build());
    }

    void respondError(int index, ErrorCode code) {
        ProduceRequest r = requests.get(index);
        ProduceResponse.Builder b = ProduceResponse.newBuilder().setCorrelationId(r.getCorrelationId());
        for (PartitionProduceData p : r.getPartitionsList()) {
            b.addPartitions(PartitionProduceResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition())
                    .setBaseOffset(-1).setError(Error.newBuilder().setCode(code.name()).setMessage("injected")
                            .setRetriable(code.retriable())));
        }
        listeners.get(index).onResponse(b.build());
    }

    RecordBatch batch(int index) {
        RecordBatch b = RecordBatch.wrap(bytes(index).asReadOnlyByteBuffer());
        b.ensureValid(Integer.MAX_VALUE);
        return b;
    }

    ByteString bytes(int index) {
        assertEquals(1, requests.get(index).getPartitionsCount(), "one partition per request in these tests");
        return requests.get(index).getPartitions(0).getRecords();
    }
}
