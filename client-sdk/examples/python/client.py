#!/usr/bin/env python3
"""A Tributary client in Python built from nothing but the .proto files and protoc's generated code.

Creates a topic, produces records (keys, a null key, a tombstone, headers with and without values) as BatchData,
lists offsets, reads them back through a credit-based fetch session, checks every field and the CRC32C of every
batch, shows how a failed call's error name is read, and deletes the topic. Prints "OK: N checks passed" and exits
0, or prints the failed check and exits 1 (3 on the overall timeout, 64 on bad arguments).

With --security-protocol SASL_SSL it does the same over TLS as a SCRAM user, after showing that the listener
refuses calls before authentication and refuses a wrong password (see README.md beside this file).

Generate the code first (see ../../../grpc-api/README.md, "Python"):
    protoc -I ../../../grpc-api/src/main/proto -I ../proto --python_out=generated --grpc_out=generated \\
        --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" \\
        ../../../grpc-api/src/main/proto/tributary/v1/*.proto ../proto/google/rpc/status.proto
then run:  python3 client.py --bootstrap-server 127.0.0.1:9092
     or:   TRIBUTARY_SASL_PASSWORD=alice-secret python3 client.py --bootstrap-server 127.0.0.1:9094 \\
               --security-protocol SASL_SSL --sasl-mechanism SCRAM-SHA-512 --sasl-username alice --ssl-cafile ca.pem
"""

import argparse
import base64
import hashlib
import hmac
import os
import queue
import secrets
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
    # Kafka's client settings, as flags: security.protocol, sasl.mechanism, the user, ssl.truststore as a PEM file.
    p.add_argument("--security-protocol", choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
                   default=os.environ.get("TRIBUTARY_SECURITY_PROTOCOL", "PLAINTEXT"),
                   help="how the listener at --bootstrap-server is secured (default PLAINTEXT)")
    p.add_argument("--sasl-mechanism", choices=sorted(SCRAM_HASHES), default="SCRAM-SHA-512",
                   help="SASL mechanism for SASL_SSL / SASL_PLAINTEXT (default SCRAM-SHA-512)")
    p.add_argument("--sasl-username", default=os.environ.get("TRIBUTARY_SASL_USERNAME"))
    p.add_argument("--sasl-password", default=os.environ.get("TRIBUTARY_SASL_PASSWORD"),
                   help="or set TRIBUTARY_SASL_PASSWORD, which other users cannot read from the process list")
    p.add_argument("--ssl-cafile", help="PEM file of the CA that signed the brokers' certificates "
                                        "(default: the system's trusted roots)")
    try:
        args = p.parse_args()
        if args.security_protocol.startswith("SASL_") and (not args.sasl_username or args.sasl_password is None):
            p.error(f"--security-protocol {args.security_protocol} needs --sasl-username and --sasl-password"
                    " (or TRIBUTARY_SASL_PASSWORD)")
        return args
    except SystemExit as e:
        sys.exit(0 if e.code == 0 else 64)


# The SCRAM mechanisms the broker offers (RFC 5802, RFC 7677) and the hash each is built on.
SCRAM_HASHES = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}


ARGS = parse_args()
sys.path.insert(0, ARGS.generated)
try:
    import grpc
    from google.rpc import status_pb2
    from tributary.v1 import admin_pb2, admin_pb2_grpc, fetch_pb2, fetch_pb2_grpc, metadata_pb2, metadata_pb2_grpc
    from tributary.v1 import produce_pb2, produce_pb2_grpc, records_pb2, security_pb2, security_pb2_grpc
except ImportError as e:
    print(f"cannot import the generated code or grpc ({e}); generate it into {ARGS.generated} first,"
          " see the docstring of this file", file=sys.stderr)
    sys.exit(64)

DEADLINE = time.monotonic() + ARGS.timeout_s
CALL_TIMEOUT_S = 10.0
TLS = ARGS.security_protocol in ("SSL", "SASL_SSL")
SASL = ARGS.security_protocol.startswith("SASL_")
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    # SASL authenticates a TCP connection, not a channel. By default grpc lets channels to the same address share
    # connections, so one channel could ride on another's login (or miss it): give every channel its own.
    ("grpc.use_local_subchannel_pool", 1),
]
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


class ScramError(Exception):
    """The broker's SCRAM messages are malformed or do not prove that it holds the user's credential."""


class Scram:
    """The client side of one SCRAM exchange (RFC 5802 section 5) without channel binding (gs2 header "n,,"): TLS
    below protects the exchange. The password is used as its UTF-8 bytes without SASLprep, as Kafka does."""
    GS2_HEADER = "n,,"
    MIN_ITERATIONS = 4096  # fewer would make a stolen credential cheap to brute-force; the broker stores no fewer

    def __init__(self, mechanism, username, password, nonce=None):
        self.hash = SCRAM_HASHES[mechanism]
        self.username = username
        self.password = password
        # Printable and without ',' (RFC 5802's "printable"): URL-safe base64 of random bytes.
        self.nonce = nonce or base64.urlsafe_b64encode(secrets.token_bytes(24)).rstrip(b"=").decode("ascii")
        self.client_first_bare = None
        self.expected_server_signature = None

    def hmac(self, key, data):
        return hmac.new(key, data, self.hash).digest()

    def client_first(self):
        saslname = self.username.replace("=", "=3D").replace(",", "=2C")
        self.client_first_bare = f"n={saslname},r={self.nonce}"
        return self.GS2_HEADER + self.client_first_bare

    def client_final(self, server_first):
        attrs = dict(a.split("=", 1) for a in server_first.split(",") if "=" in a)
        if "e" in attrs:
            raise ScramError(f"the broker refused: {attrs['e']}")
        if "m" in attrs or not {"r", "s", "i"} <= attrs.keys():
            raise ScramError(f"not a SCRAM server-first message: {server_first!r}")
        nonce, iterations = attrs["r"], int(attrs["i"])
        # The server's nonce must continue ours: otherwise this is a replayed or forged exchange.
        if not nonce.startswith(self.nonce) or len(nonce) == len(self.nonce):
            raise ScramError("the broker's nonce does not extend ours")
        if iterations < self.MIN_ITERATIONS:
            raise ScramError(f"the broker asks for {iterations} iterations, fewer than {self.MIN_ITERATIONS}")
        without_proof = "c=" + base64.b64encode(self.GS2_HEADER.encode("ascii")).decode("ascii") + ",r=" + nonce
        auth_message = f"{self.client_first_bare},{server_first},{without_proof}".encode("utf-8")
        salted = hashlib.pbkdf2_hmac(self.hash, self.password.encode("utf-8"),
                                     base64.b64decode(attrs["s"], validate=True), iterations)
        client_key = self.hmac(salted, b"Client Key")
        stored_key = hashlib.new(self.hash, client_key).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, self.hmac(stored_key, auth_message)))
        self.expected_server_signature = self.hmac(self.hmac(salted, b"Server Key"), auth_message)
        return without_proof + ",p=" + base64.b64encode(proof).decode("ascii")

    def verify_server_final(self, server_final):
        if server_final.startswith("e="):
            raise ScramError(f"the broker refused: {server_final[2:]}")
        if not server_final.startswith("v=") or self.expected_server_signature is None:
            raise ScramError(f"not a SCRAM server-final message: {server_final!r}")
        # Constant time, so a forger cannot learn the signature byte by byte from how fast we refuse.
        if not hmac.compare_digest(base64.b64decode(server_final[2:], validate=True), self.expected_server_signature):
            raise ScramError("the broker's signature is wrong: it does not hold this user's credential")


def authenticate(channel, username, password):
    """SCRAM on Security/Authenticate (security.proto): afterwards every call on this channel's connection is made as
    the user. Returns the broker's last message (principal, session_lifetime_ms). Raises grpc.RpcError when the
    broker fails the exchange (UNAUTHENTICATED, SASL_AUTHENTICATION_FAILED for a wrong user or password), and
    ScramError when its answers do not verify."""
    scram = Scram(ARGS.sasl_mechanism, username, password)
    requests = queue.Queue()
    responses = security_pb2_grpc.SecurityStub(channel).Authenticate(iter(requests.get, None), timeout=left_s())

    def next_message():
        try:
            return next(responses).sasl_token.decode("utf-8")
        except StopIteration:
            raise ScramError("the broker ended the exchange early") from None

    try:
        requests.put(security_pb2.AuthenticateRequest(mechanism=ARGS.sasl_mechanism,
                                                      sasl_token=scram.client_first().encode("utf-8")))
        client_final = scram.client_final(next_message())
        requests.put(security_pb2.AuthenticateRequest(sasl_token=client_final.encode("utf-8")))
        final = next(responses)
        scram.verify_server_final(final.sasl_token.decode("utf-8"))
        if not final.complete:
            raise ScramError("the broker did not complete the exchange")
    except BaseException:
        responses.cancel()
        raise
    finally:
        requests.put(None)  # half-close: the broker then ends the stream
    for _ in responses:
        raise ScramError("the broker sent a message after the exchange completed")
    return final


def open_channel(address):
    """A channel as --security-protocol says, not yet authenticated."""
    if TLS:
        ca = None
        if ARGS.ssl_cafile:
            with open(ARGS.ssl_cafile, "rb") as f:
                ca = f.read()
        return grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates=ca), CHANNEL_OPTIONS)
    return grpc.insecure_channel(address, CHANNEL_OPTIONS)


def connect(address):
    """A channel to one broker, authenticated on a SASL listener before anything else is sent on it.

    A reconnect (a new TCP connection under the same channel) or an expired session (connections.max.reauth.ms)
    makes the broker answer REAUTHENTICATION_REQUIRED; a long-lived client then runs authenticate() on the channel
    again and retries the call."""
    channel = open_channel(address)
    if SASL:
        try:
            done = authenticate(channel, ARGS.sasl_username, ARGS.sasl_password)
        except BaseException:
            channel.close()
            raise
        check(done.principal == f"User:{ARGS.sasl_username}", f"authenticated to {address}",
              f"User:{ARGS.sasl_username}", done.principal)
    return channel


def expect_refused(call, code, reason, what):
    """Runs call() and checks it fails with the gRPC status code and the ErrorInfo reason."""
    expected = f"{code.name} {reason}"
    try:
        call()
    except grpc.RpcError as e:
        check((e.code(), error_name(e)) == (code, reason), what, expected,
              f"{e.code().name} {error_name(e)} ({e.details()})")
        return
    check(False, what, expected, "success")


def rfc7677_example():
    """The SCRAM-SHA-256 exchange printed in RFC 7677 section 3: our arithmetic gives the RFC's proof and signature."""
    scram = Scram("SCRAM-SHA-256", "user", "pencil", nonce="rOprNGfwEbeRWgbNEkqO")
    check(scram.client_first() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "RFC 7677: client-first-message")
    client_final = scram.client_final(
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    expected = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    check(client_final == expected, "RFC 7677: client-final-message", expected, client_final)
    scram.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    try:
        scram.verify_server_final("v=" + base64.b64encode(bytes(32)).decode("ascii"))
        check(False, "RFC 7677: a wrong server signature is refused")
    except ScramError:
        check(True, "RFC 7677: a wrong server signature is refused")


def security_checks(bootstrap):
    """On a SASL listener, one channel: refused before authenticating, refused with a wrong password, and then,
    authenticated on that same channel, served as the user."""
    rfc7677_example()
    metadata = metadata_pb2_grpc.MetadataStub
    session = security_pb2_grpc.SecurityStub
    with open_channel(bootstrap) as channel:
        expect_refused(lambda: metadata(channel).GetMetadata(metadata_pb2.MetadataRequest(), timeout=left_s()),
                       grpc.StatusCode.UNAUTHENTICATED, "REAUTHENTICATION_REQUIRED", "a call before authenticating")
        anonymous = session(channel).DescribeSession(security_pb2.DescribeSessionRequest(), timeout=left_s())
        check(anonymous.principal == "User:ANONYMOUS", "the session before authenticating", "User:ANONYMOUS",
              anonymous.principal)

        expect_refused(lambda: authenticate(channel, ARGS.sasl_username, ARGS.sasl_password + "-wrong"),
                       grpc.StatusCode.UNAUTHENTICATED, "SASL_AUTHENTICATION_FAILED", "a wrong password")
        expect_refused(lambda: metadata(channel).GetMetadata(metadata_pb2.MetadataRequest(), timeout=left_s()),
                       grpc.StatusCode.UNAUTHENTICATED, "REAUTHENTICATION_REQUIRED", "a call after a wrong password")

        done = authenticate(channel, ARGS.sasl_username, ARGS.sasl_password)
        principal = f"User:{ARGS.sasl_username}"
        check(done.principal == principal and done.complete, "the broker's last SASL message", principal, done.principal)
        described = session(channel).DescribeSession(security_pb2.DescribeSessionRequest(), timeout=left_s())
        check((described.principal, described.authentication) == (principal, ARGS.sasl_mechanism),
              "DescribeSession after authenticating", (principal, ARGS.sasl_mechanism),
              (described.principal, described.authentication))
        lifetime = f"{done.session_lifetime_ms} ms" if done.session_lifetime_ms else "unbounded"
        print(f"authenticated as {described.principal} with {described.authentication} on listener"
              f" {described.listener}; session lifetime {lifetime}")


def leader_channel(bootstrap, topic):
    """Produce and fetch go to the partition's leader: find it in the metadata, retrying while it is elected."""
    with connect(bootstrap) as any_broker:
        stub = metadata_pb2_grpc.MetadataStub(any_broker)
        while True:
            md = stub.GetMetadata(metadata_pb2.MetadataRequest(topics=[topic]), timeout=left_s())
            brokers = {b.id: b for b in md.brokers}
            partition = md.topics[0].partitions[0] if md.topics and md.topics[0].partitions else None
            if partition is not None and partition.leader_id in brokers:
                leader = brokers[partition.leader_id]
                return connect(f"{leader.host}:{leader.port}"), partition.leader_epoch
            time.sleep(0.2)


def main():
    topic = f"python-example-{os.getpid()}"
    bootstrap = ARGS.bootstrap_server
    if SASL:
        security_checks(bootstrap)
    with connect(bootstrap) as channel:
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

    with connect(bootstrap) as channel:
        deleted = admin_pb2_grpc.AdminStub(channel).DeleteTopics(
            admin_pb2.DeleteTopicsRequest(names=[topic], timeout_ms=10_000), timeout=left_s())
        check(deleted.topics[0].error.code == "", "topic deleted", "", deleted.topics[0].error.code)
    print(f"OK: {checks} checks passed")


if __name__ == "__main__":
    # Every call has its own deadline; this bounds a hang anywhere else (e.g. a stuck stream iterator).
    watchdog = threading.Timer(ARGS.timeout_s + 5, lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    try:
        main()
    except grpc.RpcError as e:
        print(f"FAILED after {checks} checks: {e.code().name} {error_name(e) or ''}: {e.details()}", file=sys.stderr)
        sys.exit(1)
    except ScramError as e:
        print(f"FAILED after {checks} checks: {e}", file=sys.stderr)
        sys.exit(1)
