#!/usr/bin/env python3
"""A Tributary client in Python built from nothing but the .proto files and protoc's generated code.

Creates a topic, produces records (keys, a null key, a tombstone, headers with and without values) as BatchData,
lists offsets, reads them back through a credit-based fetch session, checks every field and the CRC32C of every
batch, shows how a failed call's error name is read, and deletes the topic. Prints "OK: N checks passed" and exits
0, or prints the failed check and exits 1 (3 on the overall timeout, 64 on bad arguments).

Generate the code first (see ../../../grpc-api/README.md, "Python"):
    protoc -I ../../../grpc-api/src/main/proto -I ../proto --python_out=generated --grpc_out=generated \\
        --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" \\
        ../../../grpc-api/src/main/proto/tributary/v1/*.proto ../proto/google/rpc/status.proto
then run:  python3 client.py --bootstrap-server 127.0.0.1:9092
"""

import argparse
import os
import queue
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bootstrap-server", default=os.environ.get("TRIBUTARY_BOOTSTRAP_SERVER", "127.0.0.1:9092"),
                   help="host:port of any broker (default 127.0.0.1:9092)")
    p.add_argument("--generated", default=os.path.join(HERE, "generated"),
                   help="directory holding protoc's output (default ./generated beside this file)")
    p.add_argument("--timeout-s", type=float, default=60.0, help="bound on the whole run (default 60)")
    try:
        return p.parse_args()
    except SystemExit as e:
        sys.exit(0 if e.code == 0 else 64)


ARGS = parse_args()
sys.path.insert(0, ARGS.generated)
try:
    import grpc
    from google.rpc import status_pb2
    from tributary.v1 import admin_pb2, admin_pb2_grpc, fetch_pb2, fetch_pb2_grpc, metadata_pb2, metadata_pb2_grpc
    from tributary.v1 import produce_pb2, produce_pb2_grpc, records_pb2
except ImportError as e:
    print(f"cannot import the generated code or grpc ({e}); generate it into {ARGS.generated} first,"
          " see the docstring of this file", file=sys.stderr)
    sys.exit(64)

DEADLINE = time.monotonic() + ARGS.timeout_s
CALL_TIMEOUT_S = 10.0
checks = 0


def check(condition, what, expected=None, got=None):
    global checks
    checks += 1
    if not condition:
        detail = "" if expected is None and got is None else f": expected {expected!r}, got {got!r}"
        print(f"FAILED check #{checks}: {what}{detail}", file=sys.stderr)
        sys.exit(1)


def left_s():
    left = DEADLINE - time.monotonic()
    if left <= 0:
        print(f"FAILED: not done within --timeout-s {ARGS.timeout_s}", file=sys.stderr)
        sys.exit(3)
    return min(left, CALL_TIMEOUT_S)


def error_name(rpc_error):
    """The stable error name of a failed call: google.rpc.ErrorInfo's reason, from the status details trailer."""
    for key, value in rpc_error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                info = status_pb2.ErrorInfo()
                if detail.Unpack(info) and info.domain == "tributary.io":
                    return info.reason
    return None


def crc32c(data):
    """CRC32C (Castagnoli), reflected polynomial 0x82F63B78: the checksum of bytes 21.. of every batch."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


HEADER = struct.Struct(">qiibIhiqqqhii")  # the 61-byte big-endian batch header (grpc-api/README.md, section 5)


def batches(records_bytes):
    """Walks whole batches: 12 + batch_length bytes each."""
    at = 0
    while at < len(records_bytes):
        (base_offset, batch_length, leader_epoch, magic, crc, attributes, last_offset_delta, first_ts, max_ts,
         producer_id, producer_epoch, base_sequence, record_count) = HEADER.unpack_from(records_bytes, at)
        end = at + 12 + batch_length
        check(magic == 2, "batch magic", 2, magic)
        check(crc == crc32c(records_bytes[at + 21:end]), "batch CRC32C over bytes 21..end")
        check(attributes & 7 == 0, "uncompressed batch", 0, attributes & 7)
        body = records_pb2.RecordSet.FromString(records_bytes[at + HEADER.size:end])
        check(len(body.records) == record_count == last_offset_delta + 1, "record_count and last_offset_delta")
        log_append_time = attributes & 8 != 0
        for r in body.records:
            yield (base_offset + r.offset_delta, max_ts if log_append_time else first_ts + r.timestamp_delta, r)
        at = end


def leader_channel(bootstrap, topic):
    """Produce and fetch go to the partition's leader: find it in the metadata, retrying while it is elected."""
    with grpc.insecure_channel(bootstrap) as any_broker:
        stub = metadata_pb2_grpc.MetadataStub(any_broker)
        while True:
            md = stub.GetMetadata(metadata_pb2.MetadataRequest(topics=[topic]), timeout=left_s())
            brokers = {b.id: b for b in md.brokers}
            partition = md.topics[0].partitions[0] if md.topics and md.topics[0].partitions else None
            if partition is not None and partition.leader_id in brokers:
                leader = brokers[partition.leader_id]
                return grpc.insecure_channel(f"{leader.host}:{leader.port}"), partition.leader_epoch
            time.sleep(0.2)


def main():
    topic = f"python-example-{os.getpid()}"
    bootstrap = ARGS.bootstrap_server
    with grpc.insecure_channel(bootstrap) as channel:
        md = metadata_pb2_grpc.MetadataStub(channel).GetMetadata(metadata_pb2.MetadataRequest(), timeout=left_s())
        check(len(md.brokers) >= 1, "at least one broker in the metadata")
        print(f"cluster {md.cluster_id}: {len(md.brokers)} broker(s), controller {md.controller_id}")

        admin = admin_pb2_grpc.AdminStub(channel)
        created = admin.CreateTopics(admin_pb2.CreateTopicsRequest(
            topics=[admin_pb2.NewTopic(name=topic, num_partitions=1, replication_factor=1)], timeout_ms=10_000),
            timeout=left_s())
        check(created.topics[0].error.code == "", "topic created", "", created.topics[0].error.code)

    leader, epoch = leader_channel(bootstrap, topic)
    with leader:
        # Produce: a RecordSet as BatchData; the broker builds the binary batch header and its CRC.
        now_ms = int(time.time() * 1000)
        sent = [
            records_pb2.Record(offset_delta=0, timestamp_delta=0, key=b"k0", value=b"v0",
                               headers=[records_pb2.RecordHeader(key="trace", value=b"abc")]),
            records_pb2.Record(offset_delta=1, timestamp_delta=1, value=b"no key",  # key left unset = null
                               headers=[records_pb2.RecordHeader(key="flag")]),   # header value null
            records_pb2.Record(offset_delta=2, timestamp_delta=2, key=b"k0"),      # value unset = tombstone
        ]
        batch = produce_pb2.BatchData(records_body=records_pb2.RecordSet(records=sent).SerializeToString(),
                                      compression=produce_pb2.COMPRESSION_NONE, record_count=len(sent),
                                      first_timestamp=now_ms, max_timestamp=now_ms + 2)
        producer = produce_pb2_grpc.ProducerStub(leader)
        response = producer.ProduceOnce(produce_pb2.ProduceRequest(
            correlation_id=1, acks=-1, timeout_ms=10_000, client_id="python-example",
            partitions=[produce_pb2.PartitionProduceData(topic=topic, partition=0, batch=batch,
                                                         current_leader_epoch=epoch)]), timeout=left_s())
        result = response.partitions[0]
        check(result.error.code == "", "produce succeeded", "", result.error.code)
        check(result.base_offset == 0, "first offset of a new topic", 0, result.base_offset)

        # A failed call: a gRPC status whose details name the error.
        try:
            producer.ProduceOnce(produce_pb2.ProduceRequest(correlation_id=2, acks=2, partitions=[
                produce_pb2.PartitionProduceData(topic=topic, partition=0, batch=batch)]), timeout=left_s())
            check(False, "acks=2 is refused")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, "acks=2 status", "INVALID_ARGUMENT", e.code())
            check(error_name(e) == "INVALID_REQUIRED_ACKS", "ErrorInfo reason", "INVALID_REQUIRED_ACKS", error_name(e))

        offsets = metadata_pb2_grpc.MetadataStub(leader).ListOffsets(metadata_pb2.ListOffsetsRequest(partitions=[
            metadata_pb2.ListOffsetsPartition(topic=topic, partition=0, timestamp=-2),
            metadata_pb2.ListOffsetsPartition(topic=topic, partition=0, timestamp=-1)]), timeout=left_s())
        check([p.offset for p in offsets.partitions] == [0, 3], "earliest and latest offsets", [0, 3],
              [p.offset for p in offsets.partitions])

        # Fetch: open a session with credits, grant one more after each response, until all three came back.
        requests = queue.Queue()
        requests.put(fetch_pb2.FetchRequest(open=fetch_pb2.FetchSession(
            client_id="python-example", max_wait_ms=500, min_bytes=1, max_bytes=1 << 20, initial_credits=1,
            partitions=[fetch_pb2.PartitionPosition(topic=topic, partition=0, fetch_offset=0,
                                                    partition_max_bytes=1 << 20)])))
        stream = fetch_pb2_grpc.ConsumerStub(leader).Fetch(iter(requests.get, None), timeout=left_s())
        got = []
        try:
            for fetched in stream:
                for pd in fetched.partitions:
                    check(pd.error.code == "", "fetch partition error", "", pd.error.code)
                    check(pd.high_watermark == 3, "high watermark", 3, pd.high_watermark)
                    got.extend(rec for rec in batches(pd.records) if rec[0] >= pd.fetch_offset)
                if len(got) >= len(sent):
                    break
                requests.put(fetch_pb2.FetchRequest(credit=fetch_pb2.FetchCredit(responses=1)))
        finally:
            requests.put(None)  # half-close our side
            stream.cancel()
        check([o for o, _, _ in got] == [0, 1, 2], "offsets read back", [0, 1, 2], [o for o, _, _ in got])
        check([ts for _, ts, _ in got] == [now_ms, now_ms + 1, now_ms + 2], "record timestamps")
        first, second, third = (r for _, _, r in got)
        check(first.HasField("key") and first.key == b"k0" and first.value == b"v0", "key and value of offset 0")
        check([(h.key, h.HasField("value"), h.value) for h in first.headers] == [("trace", True, b"abc")],
              "header with a value")
        check(not second.HasField("key") and second.value == b"no key", "a null key stays null, not empty")
        check([(h.key, h.HasField("value")) for h in second.headers] == [("flag", False)], "header without a value")
        check(third.HasField("key") and not third.HasField("value"), "a tombstone: key, no value")

        # A session opened without initial_credits (an unset proto3 field is 0) is refused at once, by name.
        stream = fetch_pb2_grpc.ConsumerStub(leader).Fetch(iter([fetch_pb2.FetchRequest(open=fetch_pb2.FetchSession(
            max_wait_ms=500, max_bytes=1 << 20, partitions=[fetch_pb2.PartitionPosition(
                topic=topic, partition=0, fetch_offset=0, partition_max_bytes=1 << 20)]))]), timeout=left_s())
        try:
            for _ in stream:
                check(False, "no response without credits")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INVALID_ARGUMENT and "initial_credits" in (e.details() or ""),
                  "a session without initial_credits fails naming the field", "INVALID_ARGUMENT", e.details())

    with grpc.insecure_channel(bootstrap) as channel:
        deleted = admin_pb2_grpc.AdminStub(channel).DeleteTopics(
            admin_pb2.DeleteTopicsRequest(names=[topic], timeout_ms=10_000), timeout=left_s())
        check(deleted.topics[0].error.code == "", "topic deleted", "", deleted.topics[0].error.code)
    print(f"OK: {checks} checks passed")


if __name__ == "__main__":
    # Every call has its own deadline; this bounds a hang anywhere else (e.g. a stuck stream iterator).
    watchdog = threading.Timer(ARGS.timeout_s + 5, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    main()
