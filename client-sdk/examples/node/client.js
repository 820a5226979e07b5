#!/usr/bin/env node
// A Tributary client in Node.js, built from nothing but the .proto files in grpc-api/src/main/proto.
//
// It proves that a client in another language can produce and consume: it creates a topic, produces keyed
// records with headers in both produce forms (BatchData built by the broker, and whole binary batches laid out
// and CRC32C-checksummed here), fetches everything back through a credit-based fetch session, and checks every
// field. Exit code 0 means every check passed; anything else prints what failed.
//
// With --security-protocol SASL_SSL it does all that over TLS as a SCRAM user, after showing that the listener
// refuses calls before authentication and refuses a wrong password.
//
//   node client.js --bootstrap-server 127.0.0.1:9092 [--timeout-ms 60000] [--keep-topics]
//   TRIBUTARY_BOOTSTRAP_SERVER=127.0.0.1:9092 node client.js
//   TRIBUTARY_SASL_PASSWORD=alice-secret node client.js --bootstrap-server 127.0.0.1:9094 --security-protocol SASL_SSL \
//       --sasl-mechanism SCRAM-SHA-512 --sasl-username alice --ssl-cafile ca.pem
//
// See README.md beside this file for the protocol guide this code follows.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

// ---------------------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {
    bootstrap: process.env.TRIBUTARY_BOOTSTRAP_SERVER || '',
    timeoutMs: Number(process.env.TRIBUTARY_TIMEOUT_MS || 60000),
    keepTopics: false,
    // Kafka's client settings, as flags: security.protocol, sasl.mechanism, the user, the CA as a PEM file.
    securityProtocol: process.env.TRIBUTARY_SECURITY_PROTOCOL || 'PLAINTEXT',
    saslMechanism: 'SCRAM-SHA-512',
    saslUsername: process.env.TRIBUTARY_SASL_USERNAME || '',
    // The environment keeps the password out of the process list, which other users can read.
    saslPassword: process.env.TRIBUTARY_SASL_PASSWORD,
    sslCafile: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--bootstrap-server' || a === '-b') opts.bootstrap = value();
    else if (a.startsWith('--bootstrap-server=')) opts.bootstrap = a.slice('--bootstrap-server='.length);
    else if (a === '--timeout-ms') opts.timeoutMs = Number(value());
    else if (a === '--keep-topics') opts.keepTopics = true;
    else if (a === '--security-protocol') opts.securityProtocol = value();
    else if (a === '--sasl-mechanism') opts.saslMechanism = value();
    else if (a === '--sasl-username') opts.saslUsername = value();
    else if (a === '--sasl-password') opts.saslPassword = value();
    else if (a === '--ssl-cafile') opts.sslCafile = value();
    else if (a === '--help' || a === '-h') usage(null);
    else usage(`unknown argument ${a}`);
  }
  if (!opts.bootstrap) usage('no broker address: pass --bootstrap-server HOST:PORT or set TRIBUTARY_BOOTSTRAP_SERVER');
  if (!(opts.timeoutMs > 0)) usage('--timeout-ms must be a positive number');
  if (!SECURITY_PROTOCOLS.includes(opts.securityProtocol)) {
    usage(`--security-protocol must be one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  if (!Object.keys(SCRAM_HASHES).includes(opts.saslMechanism)) usage(`--sasl-mechanism must be one of ${Object.keys(SCRAM_HASHES).join(', ')}`);
  opts.tls = opts.securityProtocol === 'SSL' || opts.securityProtocol === 'SASL_SSL';
  opts.sasl = opts.securityProtocol.startsWith('SASL_');
  if (opts.sasl && (!opts.saslUsername || opts.saslPassword === undefined)) {
    usage(`--security-protocol ${opts.securityProtocol} needs --sasl-username and --sasl-password (or TRIBUTARY_SASL_PASSWORD)`);
  }
  return opts;
}

const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
// The SCRAM mechanisms the broker offers (RFC 5802, RFC 7677) and the hash each is built on.
const SCRAM_HASHES = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };

function usage(problem) {
  const text = 'usage: node client.js --bootstrap-server HOST:PORT[,HOST:PORT...] [--timeout-ms MS] [--keep-topics]\n'
    + '         [--security-protocol PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL] [--ssl-cafile CA.pem]\n'
    + '         [--sasl-mechanism SCRAM-SHA-512|SCRAM-SHA-256] [--sasl-username USER] [--sasl-password PASSWORD]\n'
    + '       (or set TRIBUTARY_BOOTSTRAP_SERVER, TRIBUTARY_SASL_PASSWORD)';
  if (problem) {
    console.error(`error: ${problem}\n${text}`);
    process.exit(64);
  }
  console.log(text);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------------
// Loading the .proto files at run time (no code generation)
// ---------------------------------------------------------------------------------------------------------------

// Resolved from this file, so the script works from any working directory.
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const PROTO_ROOT = path.join(REPO_ROOT, 'grpc-api', 'src', 'main', 'proto');
// Minimal copies of google/rpc/status.proto (Status, ErrorInfo), shared by the examples.
const LOCAL_PROTO_ROOT = path.join(__dirname, '..', 'proto');

// keepCase: field names exactly as in the .proto (snake_case) both ways.
// longs: String: every int64 arrives as a decimal string (JS numbers lose precision above 2^53); we convert
//        offsets to BigInt wherever we do arithmetic. On the way out, strings, numbers and BigInt-free Longs work.
// enums: String: enum values by name ("COMPRESSION_GZIP").
// bytes: Buffer.
// defaults: true: absent scalars read as their default (0, "", empty list) - EXCEPT proto3 `optional` fields,
//        which stay undefined when absent: that is how a null key / value / header value shows up.
// oneofs: true: adds a virtual property naming the set member of each oneof (e.g. data: 'batch', kind: 'open';
//        and `_key: 'key'` for a present optional field).
const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT, LOCAL_PROTO_ROOT],
};

function loadApi() {
  const files = ['common', 'records', 'produce', 'fetch', 'metadata', 'admin', 'security']
    .map((f) => `tributary/v1/${f}.proto`)
    .concat(['google/rpc/status.proto']);
  const definition = protoLoader.loadSync(files, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition);
  return {
    Producer: pkg.tributary.v1.Producer,
    Consumer: pkg.tributary.v1.Consumer,
    Metadata: pkg.tributary.v1.Metadata,
    Admin: pkg.tributary.v1.Admin,
    Security: pkg.tributary.v1.Security,
    // Message codecs for things that travel inside `bytes` fields rather than as RPC messages.
    RecordSet: definition['tributary.v1.RecordSet'],
    RpcStatus: definition['google.rpc.Status'],
    ErrorInfo: definition['google.rpc.ErrorInfo'],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

class CheckFailed extends Error {}

let checks = 0;
function check(condition, what) {
  checks++;
  if (!condition) throw new CheckFailed(what);
}
function checkEq(actual, expected, what) {
  checks++;
  const a = typeof actual === 'bigint' ? actual.toString() : actual;
  const e = typeof expected === 'bigint' ? expected.toString() : expected;
  if (a !== e) throw new CheckFailed(`${what}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
}
/** Compares a nullable Buffer: null/undefined means "absent" (a null key, value or header value). */
function checkBytes(actual, expected, what) {
  checks++;
  if (expected === null) {
    if (actual !== undefined && actual !== null) {
      throw new CheckFailed(`${what}: expected null, got ${show(actual)}`);
    }
    return;
  }
  if (actual === undefined || actual === null) throw new CheckFailed(`${what}: expected ${show(expected)}, got null`);
  if (!Buffer.isBuffer(actual) || !actual.equals(expected)) {
    throw new CheckFailed(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}
function show(b) {
  if (b === null || b === undefined) return 'null';
  return `<${b.length} bytes: ${b.toString('hex')}>`;
}

function log(...args) {
  console.log('[node-client]', ...args);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function deadlineIn(ms) {
  return new Date(Date.now() + ms);
}

const noError = (e) => !e || !e.code;
function describeError(e) {
  return e && e.code ? `${e.code}${e.retriable ? ' (retriable)' : ''}: ${e.message}` : 'none';
}

// ---------------------------------------------------------------------------------------------------------------
// CRC32C (Castagnoli), reflected polynomial 0x82F63B78: what a producer of binary batches must compute.
// ---------------------------------------------------------------------------------------------------------------

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes) {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The record batch format (records.proto): 61-byte big-endian header + RecordSet body
// ---------------------------------------------------------------------------------------------------------------

const HEADER_SIZE = 61;
const COMPRESSION_NAMES = ['COMPRESSION_NONE', 'COMPRESSION_GZIP', 'COMPRESSION_SNAPPY', 'COMPRESSION_LZ4',
  'COMPRESSION_ZSTD'];

/**
 * The RecordSet message for a list of records {key, value, headers:[{key, value}], timestamp (BigInt ms)}.
 * null key / value / header value are left out of the message: absent optional field = null.
 */
function recordSetOf(records, firstTimestamp) {
  return {
    records: records.map((r, i) => ({
      offset_delta: i,
      timestamp_delta: (r.timestamp - firstTimestamp).toString(),
      key: r.key,
      value: r.value,
      headers: r.headers.map((h) => ({ key: h.key, value: h.value })),
    })),
  };
}

function timestampsOf(records) {
  let min = records[0].timestamp;
  let max = records[0].timestamp;
  for (const r of records) {
    if (r.timestamp > max) max = r.timestamp;
    if (r.timestamp < min) min = r.timestamp;
  }
  // first_timestamp is the first record's; deltas are relative to it. max_timestamp is the largest.
  return { first: records[0].timestamp, max };
}

/** Form 1 of a produce: a BatchData, the broker lays out the header and computes the CRC. */
function batchDataOf(api, records, compression) {
  const { first, max } = timestampsOf(records);
  let body = api.RecordSet.serialize(recordSetOf(records, first));
  if (compression === 'COMPRESSION_GZIP') body = zlib.gzipSync(body);
  return {
    records_body: body,
    compression,
    record_count: records.length,
    first_timestamp: first.toString(),
    max_timestamp: max.toString(),
    // producer left unset: not an idempotent producer.
  };
}

/** Form 2 of a produce: a whole binary batch, header and CRC32C laid out here (base_offset 0, epoch -1). */
function binaryBatchOf(api, records) {
  const { first, max } = timestampsOf(records);
  const body = api.RecordSet.serialize(recordSetOf(records, first));
  const buf = Buffer.alloc(HEADER_SIZE + body.length);
  buf.writeBigInt64BE(0n, 0); // base_offset: assigned by the broker
  buf.writeInt32BE(HEADER_SIZE - 12 + body.length, 8); // batch_length: bytes after this field = 49 + body
  buf.writeInt32BE(-1, 12); // leader_epoch: stamped by the broker
  buf.writeInt8(2, 16); // magic
  // crc (offset 17) is written last, over bytes 21..end.
  buf.writeInt16BE(0, 21); // attributes: no compression, CreateTime
  buf.writeInt32BE(records.length - 1, 23); // last_offset_delta
  buf.writeBigInt64BE(first, 27); // first_timestamp
  buf.writeBigInt64BE(max, 35); // max_timestamp
  buf.writeBigInt64BE(-1n, 43); // producer_id: not idempotent
  buf.writeInt16BE(-1, 51); // producer_epoch
  buf.writeInt32BE(-1, 53); // base_sequence
  buf.writeInt32BE(records.length, 57); // record_count
  body.copy(buf, HEADER_SIZE);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

/** Reads one batch header at `pos` of `buf`. */
function readHeader(buf, pos) {
  return {
    baseOffset: buf.readBigInt64BE(pos),
    batchLength: buf.readInt32BE(pos + 8),
    leaderEpoch: buf.readInt32BE(pos + 12),
    magic: buf.readInt8(pos + 16),
    crc: buf.readUInt32BE(pos + 17),
    attributes: buf.readInt16BE(pos + 21),
    lastOffsetDelta: buf.readInt32BE(pos + 23),
    firstTimestamp: buf.readBigInt64BE(pos + 27),
    maxTimestamp: buf.readBigInt64BE(pos + 35),
    producerId: buf.readBigInt64BE(pos + 43),
    producerEpoch: buf.readInt16BE(pos + 51),
    baseSequence: buf.readInt32BE(pos + 53),
    recordCount: buf.readInt32BE(pos + 57),
  };
}

/**
 * Splits PartitionData.records into batches and decodes their records. Checks each batch's structure and CRC.
 * Returns [{header, records: [{offset, timestamp, key, value, headers}]}] with offsets/timestamps as BigInt.
 */
function decodeBatches(api, bytes, where) {
  const batches = [];
  let pos = 0;
  while (pos < bytes.length) {
    // A fetch response only carries whole batches, so a partial header is an error here (a client reading a
    // truncated stream would stop instead).
    check(bytes.length - pos >= HEADER_SIZE, `${where}: ${bytes.length - pos} trailing bytes, less than a header`);
    const h = readHeader(bytes, pos);
    const end = pos + 12 + h.batchLength;
    check(h.batchLength >= HEADER_SIZE - 12 && end <= bytes.length,
      `${where}: batch at byte ${pos} has batch_length ${h.batchLength}, past the ${bytes.length} bytes received`);
    checkEq(h.magic, 2, `${where}: magic of batch at offset ${h.baseOffset}`);
    checkEq(h.crc, crc32c(bytes.subarray(pos + 21, end)), `${where}: CRC32C of batch at offset ${h.baseOffset}`);
    const compression = h.attributes & 0x7;
    const logAppendTime = (h.attributes & 0x8) !== 0;
    let body = bytes.subarray(pos + HEADER_SIZE, end);
    if (compression === 1) body = zlib.gunzipSync(body);
    else if (compression !== 0) throw new CheckFailed(`${where}: compression ${compression} is not handled by this example`);
    const set = api.RecordSet.deserialize(body);
    checkEq(set.records.length, h.recordCount, `${where}: record_count vs records in batch at ${h.baseOffset}`);
    checkEq(h.lastOffsetDelta, h.recordCount - 1, `${where}: last_offset_delta of batch at ${h.baseOffset}`);
    const records = set.records.map((r) => ({
      offset: h.baseOffset + BigInt(r.offset_delta),
      timestamp: logAppendTime ? h.maxTimestamp : h.firstTimestamp + BigInt(r.timestamp_delta),
      // Optional fields: undefined when absent (= null), a Buffer (possibly empty) when present.
      key: r.key === undefined ? null : r.key,
      value: r.value === undefined ? null : r.value,
      headers: r.headers.map((x) => ({ key: x.key, value: x.value === undefined ? null : x.value })),
    }));
    batches.push({ header: h, compression: COMPRESSION_NAMES[compression], logAppendTime, records });
    pos = end;
  }
  return batches;
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: whole-call failures are a gRPC status with google.rpc.ErrorInfo details
// ---------------------------------------------------------------------------------------------------------------

/** {grpcCode, reason, metadata, message} from a grpc-js error, reading the grpc-status-details-bin trailer. */
function callErrorOf(api, err) {
  const out = { grpcCode: grpc.status[err.code] || String(err.code), reason: null, metadata: {}, message: err.details };
  const raw = err.metadata && err.metadata.get('grpc-status-details-bin');
  if (raw && raw.length) {
    const status = api.RpcStatus.deserialize(raw[0]);
    for (const any of status.details) {
      if (any.type_url === 'type.googleapis.com/google.rpc.ErrorInfo') {
        const info = api.ErrorInfo.deserialize(any.value);
        out.reason = info.reason;
        out.domain = info.domain;
        out.metadata = info.metadata;
      }
    }
  }
  return out;
}

function unary(client, method, request, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: deadlineIn(timeoutMs) }, (err, response) => {
      if (err) reject(err);
      else resolve(response);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SASL/SCRAM on Security/Authenticate (security.proto): RFC 5802, RFC 7677, no channel binding
// ---------------------------------------------------------------------------------------------------------------

/** The broker's SCRAM messages are malformed or do not prove that it holds the user's credential. */
class ScramError extends Error {}

/**
 * The client side of one SCRAM exchange. The gs2 header is "n,," (no channel binding: TLS below protects the
 * exchange). The password is used as its UTF-8 bytes without SASLprep, as Kafka does.
 */
class ScramClient {
  constructor(mechanism, username, password, nonce) {
    this.hash = SCRAM_HASHES[mechanism];
    this.username = username;
    this.password = password;
    // Printable and without ',' (RFC 5802's "printable"): URL-safe base64 of random bytes.
    this.nonce = nonce || crypto.randomBytes(24).toString('base64url');
    this.expectedServerSignature = null;
  }

  hmac(key, data) {
    return crypto.createHmac(this.hash, key).update(data).digest();
  }

  clientFirst() {
    const saslname = this.username.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.clientFirstBare = `n=${saslname},r=${this.nonce}`;
    return `${ScramClient.GS2_HEADER}${this.clientFirstBare}`;
  }

  clientFinal(serverFirst) {
    const attrs = {};
    for (const a of serverFirst.split(',')) {
      const eq = a.indexOf('=');
      if (eq > 0) attrs[a.slice(0, eq)] = a.slice(eq + 1);
    }
    if ('e' in attrs) throw new ScramError(`the broker refused: ${attrs.e}`);
    if ('m' in attrs || !('r' in attrs && 's' in attrs && 'i' in attrs)) {
      throw new ScramError(`not a SCRAM server-first message: ${JSON.stringify(serverFirst)}`);
    }
    const nonce = attrs.r;
    const iterations = Number(attrs.i);
    // The server's nonce must continue ours: otherwise this is a replayed or forged exchange.
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) {
      throw new ScramError("the broker's nonce does not extend ours");
    }
    if (!Number.isInteger(iterations) || iterations < ScramClient.MIN_ITERATIONS) {
      throw new ScramError(`the broker asks for ${attrs.i} iterations, fewer than ${ScramClient.MIN_ITERATIONS}`);
    }
    const salt = Buffer.from(attrs.s, 'base64');
    if (!salt.length || salt.toString('base64') !== attrs.s) throw new ScramError(`the broker's salt is not base64: ${attrs.s}`);
    const withoutProof = `c=${Buffer.from(ScramClient.GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = Buffer.from(`${this.clientFirstBare},${serverFirst},${withoutProof}`, 'utf8');
    const keyLength = crypto.createHash(this.hash).digest().length;
    const salted = crypto.pbkdf2Sync(Buffer.from(this.password, 'utf8'), salt, iterations, keyLength, this.hash);
    const clientKey = this.hmac(salted, 'Client Key');
    const storedKey = crypto.createHash(this.hash).update(clientKey).digest();
    const signature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
    this.expectedServerSignature = this.hmac(this.hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  verifyServerFinal(serverFinal) {
    if (serverFinal.startsWith('e=')) throw new ScramError(`the broker refused: ${serverFinal.slice(2)}`);
    if (!serverFinal.startsWith('v=') || !this.expectedServerSignature) {
      throw new ScramError(`not a SCRAM server-final message: ${JSON.stringify(serverFinal)}`);
    }
    const signature = Buffer.from(serverFinal.slice(2), 'base64');
    // Constant time, so a forger cannot learn the signature byte by byte from how fast we refuse; the length is
    // no secret (timingSafeEqual throws on different lengths).
    if (signature.length !== this.expectedServerSignature.length
        || !crypto.timingSafeEqual(signature, this.expectedServerSignature)) {
      throw new ScramError("the broker's signature is wrong: it does not hold this user's credential");
    }
  }
}
ScramClient.GS2_HEADER = 'n,,';
// Fewer would make a stolen credential cheap to brute-force; the broker stores no fewer.
ScramClient.MIN_ITERATIONS = 4096;

/**
 * Runs SCRAM on Security/Authenticate with `security` (a Security client): afterwards every call on that client's
 * channel is made as the user. Resolves to the broker's last message (principal, session_lifetime_ms); rejects
 * with the gRPC error when the broker fails the exchange (UNAUTHENTICATED, SASL_AUTHENTICATION_FAILED for a wrong
 * user or password), or a ScramError when its answers do not verify.
 */
function authenticate(api, security, { saslMechanism, saslUsername, saslPassword }, timeoutMs = 15000) {
  const scram = new ScramClient(saslMechanism, saslUsername, saslPassword);
  const call = security.Authenticate({ deadline: deadlineIn(timeoutMs) });
  return new Promise((resolve, reject) => {
    let final = null;
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      call.cancel();
      reject(err);
    };
    call.on('data', (response) => {
      try {
        const token = response.sasl_token.toString('utf8');
        if (final) throw new ScramError('the broker sent a message after the exchange completed');
        if (!scram.expectedServerSignature) {
          call.write({ sasl_token: Buffer.from(scram.clientFinal(token), 'utf8') });
          return;
        }
        scram.verifyServerFinal(token);
        if (!response.complete) throw new ScramError('the broker did not complete the exchange');
        final = response;
        call.end(); // half-close: the broker then ends the stream
      } catch (e) {
        fail(e);
      }
    });
    call.on('error', fail);
    // 'status' comes last whatever happened; an OK one means the broker ended the stream after our half-close.
    call.on('status', (status) => {
      if (settled || status.code !== grpc.status.OK) return;
      settled = true;
      if (final) resolve(final);
      else reject(new ScramError('the broker ended the exchange early'));
    });
    call.write({ mechanism: saslMechanism, sasl_token: Buffer.from(scram.clientFirst(), 'utf8') });
  });
}

/** The SCRAM-SHA-256 exchange printed in RFC 7677 section 3: our arithmetic gives the RFC's proof and signature. */
function rfc7677Example() {
  const scram = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  checkEq(scram.clientFirst(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO', 'RFC 7677: client-first-message');
  checkEq(scram.clientFinal('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    'RFC 7677: client-final-message');
  scram.verifyServerFinal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  let refused = false;
  try {
    scram.verifyServerFinal(`v=${Buffer.alloc(32).toString('base64')}`);
  } catch (e) {
    refused = e instanceof ScramError;
  }
  check(refused, 'RFC 7677: a wrong server signature is refused');
}

/** Expects `promise` to fail with the gRPC status name and the ErrorInfo reason. */
async function expectRefused(api, promise, grpcCode, reason, what) {
  let outcome = 'success';
  try {
    await promise;
  } catch (err) {
    if (err instanceof CheckFailed || err instanceof ScramError) throw err;
    const e = callErrorOf(api, err);
    if (e.grpcCode === grpcCode && e.reason === reason) outcome = `${e.grpcCode} ${e.reason}`;
    else outcome = `${e.grpcCode} ${e.reason} (${e.message})`;
  }
  checkEq(outcome, `${grpcCode} ${reason}`, what);
}

/**
 * On a SASL listener, one connection of its own: refused before authenticating, refused with a wrong password, and
 * then, authenticated on that same connection, served as the user.
 */
async function securityChecks(api, address, opts) {
  const connection = new Connection(api, address, credentialsOf(opts));
  try {
    const metadata = connection.client('Metadata');
    const security = connection.client('Security');
    await expectRefused(api, unary(metadata, 'GetMetadata', {}), 'UNAUTHENTICATED', 'REAUTHENTICATION_REQUIRED',
      'a call before authenticating');
    checkEq((await unary(security, 'DescribeSession', {})).principal, 'User:ANONYMOUS', 'the session before authenticating');

    await expectRefused(api, authenticate(api, security, { ...opts, saslPassword: `${opts.saslPassword}-wrong` }),
      'UNAUTHENTICATED', 'SASL_AUTHENTICATION_FAILED', 'a wrong password');
    await expectRefused(api, unary(metadata, 'GetMetadata', {}), 'UNAUTHENTICATED', 'REAUTHENTICATION_REQUIRED',
      'a call after a wrong password');

    const done = await authenticate(api, security, opts);
    const principal = `User:${opts.saslUsername}`;
    checkEq(done.principal, principal, "the broker's last SASL message");
    const session = await unary(security, 'DescribeSession', {});
    checkEq(session.principal, principal, 'DescribeSession after authenticating: principal');
    checkEq(session.authentication, opts.saslMechanism, 'DescribeSession after authenticating: mechanism');
    const lifetime = done.session_lifetime_ms === '0' ? 'unbounded' : `${done.session_lifetime_ms} ms`;
    log(`authenticated as ${session.principal} with ${session.authentication} on listener ${session.listener}; session lifetime ${lifetime}`);
  } finally {
    connection.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Connections and metadata
// ---------------------------------------------------------------------------------------------------------------

const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30000,
  // SASL authenticates a TCP connection, not a channel. By default grpc-js lets channels to the same address share
  // connections, so one channel could ride on another's login (or miss it): give every channel its own.
  'grpc.use_local_subchannel_pool': 1,
};

/** grpc-js credentials for --security-protocol: TLS trusting --ssl-cafile (or the system's roots), or none. */
function credentialsOf(opts) {
  if (!opts.tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(opts.sslCafile ? fs.readFileSync(opts.sslCafile) : null);
}

/** One channel, and clients of any service on it: everything sent through them shares its connection. */
class Connection {
  constructor(api, address, credentials) {
    this.api = api;
    this.address = address;
    this.credentials = credentials;
    this.channel = new grpc.Channel(address, credentials, CHANNEL_OPTIONS);
    this.clients = new Map();
  }

  client(service) {
    if (!this.clients.has(service)) {
      this.clients.set(service, new this.api[service](this.address, this.credentials, { channelOverride: this.channel }));
    }
    return this.clients.get(service);
  }

  close() {
    this.channel.close();
  }
}

class Cluster {
  constructor(api, bootstrap, opts) {
    this.api = api;
    this.opts = opts;
    this.credentials = credentialsOf(opts);
    this.bootstrap = bootstrap.split(',').map((s) => s.trim()).filter(Boolean);
    this.connections = new Map(); // "host:port" -> Connection
    this.sessions = new Map(); // "host:port" -> Promise of its authentication
    this.brokers = new Map(); // id -> "host:port"
    this.leaders = new Map(); // "topic/partition" -> {leaderId, leaderEpoch}
  }

  client(address, service) {
    if (!this.connections.has(address)) this.connections.set(address, new Connection(this.api, address, this.credentials));
    return this.connections.get(address).client(service);
  }

  /**
   * On a SASL listener, authenticates the connection to `address` once, before anything else is sent on it; calls
   * running at the same time wait for that one exchange (a broker runs one at a time per connection).
   *
   * A reconnect (a new TCP connection under the same channel, e.g. after connections.max.idle.ms) or an expired
   * session (connections.max.reauth.ms) makes the broker answer REAUTHENTICATION_REQUIRED; a long-lived client then
   * authenticates the channel again and retries the call.
   */
  connect(address) {
    if (!this.opts.sasl) return Promise.resolve();
    if (!this.sessions.has(address)) {
      const session = authenticate(this.api, this.client(address, 'Security'), this.opts).then((done) => {
        checkEq(done.principal, `User:${this.opts.saslUsername}`, `authenticated to ${address}`);
      });
      session.catch(() => this.sessions.delete(address));
      this.sessions.set(address, session);
    }
    return this.sessions.get(address);
  }

  /** GetMetadata from the first bootstrap address that answers; refreshes brokers and leaders. */
  async refresh(topics = []) {
    let last;
    const addresses = [...new Set([...this.brokers.values(), ...this.bootstrap])];
    for (const address of addresses) {
      try {
        await this.connect(address);
        const md = await unary(this.client(address, 'Metadata'), 'GetMetadata', { topics }, 10000);
        this.clusterId = md.cluster_id;
        this.controllerId = md.controller_id;
        for (const b of md.brokers) this.brokers.set(b.id, `${b.host}:${b.port}`);
        for (const t of md.topics) {
          for (const p of t.partitions) {
            this.leaders.set(`${t.name}/${p.partition}`, { leaderId: p.leader_id, leaderEpoch: p.leader_epoch, error: p.error });
          }
        }
        // Every broker the metadata names may be asked next, synchronously: authenticate to them now.
        await Promise.all([...this.brokers.values()].map((a) => this.connect(a)));
        return md;
      } catch (e) {
        last = e;
      }
    }
    throw new Error(`no bootstrap broker answered GetMetadata: ${last && last.message}`);
  }

  anyAddress() {
    return this.brokers.size ? this.brokers.values().next().value : this.bootstrap[0];
  }

  leaderAddress(topic, partition) {
    const l = this.leaders.get(`${topic}/${partition}`);
    if (!l || l.leaderId < 0 || !this.brokers.has(l.leaderId)) return null;
    return this.brokers.get(l.leaderId);
  }

  close() {
    for (const c of this.connections.values()) c.close();
  }
}

// Errors after which a client refreshes metadata and retries the partition (see README).
const REFRESH_AND_RETRY = new Set(['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

/**
 * ProduceOnce of one partition's data to its leader, refreshing metadata and retrying (bounded) when the
 * partition's error says the leadership view is stale. Returns the PartitionProduceResult.
 */
async function produceOnce(cluster, topic, partition, data, acks = 1) {
  for (let attempt = 1; ; attempt++) {
    let address = cluster.leaderAddress(topic, partition);
    if (!address) {
      await cluster.refresh([topic]);
      address = cluster.leaderAddress(topic, partition) || cluster.anyAddress();
    }
    const leader = cluster.leaders.get(`${topic}/${partition}`);
    const request = {
      correlation_id: String(attempt),
      acks,
      timeout_ms: 10000,
      client_id: 'tributary-node-example',
      partitions: [{ topic, partition, ...data, current_leader_epoch: leader ? leader.leaderEpoch : undefined }],
    };
    const response = await unary(cluster.client(address, 'Producer'), 'ProduceOnce', request, 15000);
    const result = response.partitions[0];
    if (noError(result.error) || !REFRESH_AND_RETRY.has(result.error.code) || attempt >= 20) return result;
    log(`produce to ${topic}-${partition} at ${address}: ${describeError(result.error)}; refreshing metadata (attempt ${attempt})`);
    await sleep(Math.min(50 * attempt, 500));
    await cluster.refresh([topic]);
  }
}

/**
 * ListOffsets must be answered by each partition's leader: group the queries by leader, one call per broker,
 * and put the answers back in the order asked. Returns {partitions: [ListOffsetsResult]}.
 */
async function listOffsets(cluster, queries) {
  const byLeader = new Map();
  queries.forEach((q, i) => {
    const address = cluster.leaderAddress(q.topic, q.partition) || cluster.anyAddress();
    if (!byLeader.has(address)) byLeader.set(address, []);
    byLeader.get(address).push(i);
  });
  const out = new Array(queries.length);
  await Promise.all([...byLeader].map(async ([address, indexes]) => {
    const response = await unary(cluster.client(address, 'Metadata'), 'ListOffsets',
      { partitions: indexes.map((i) => queries[i]) });
    checkEq(response.partitions.length, indexes.length, `ListOffsets at ${address}: one result per query`);
    indexes.forEach((i, j) => { out[i] = response.partitions[j]; });
  }));
  return { partitions: out };
}

// ---------------------------------------------------------------------------------------------------------------
// The fetch session
// ---------------------------------------------------------------------------------------------------------------

/**
 * Opens a Consumer.Fetch session on `address` for `positions` ([{topic, partition, fetch_offset}]) and reads
 * until every partition's position reaches `until` (a Map "topic/partition" -> BigInt end offset). Grants one
 * credit per response consumed. Returns {records: Map key -> [record], partitionData: [...], batches: Map}.
 */
function fetchUntil(cluster, address, positions, until, { timeoutMs = 20000, maxBytes = 1 << 20, partitionMaxBytes = 1 << 20 } = {}) {
  const api = cluster.api;
  const consumer = cluster.client(address, 'Consumer');
  const call = consumer.Fetch({ deadline: deadlineIn(timeoutMs) });
  const position = new Map(positions.map((p) => [`${p.topic}/${p.partition}`, BigInt(p.fetch_offset)]));
  const out = { records: new Map(), batches: new Map(), responses: 0, partitionData: [] };
  for (const k of position.keys()) {
    out.records.set(k, []);
    out.batches.set(k, []);
  }
  const done = () => [...until].every(([k, end]) => position.get(k) >= end);

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err) => {
      if (settled) return;
      settled = true;
      call.end(); // half-close: the broker ends the session
      call.cancel();
      if (err) reject(err);
      else resolve(out);
    };
    call.on('data', (response) => {
      try {
        out.responses++;
        for (const pd of response.partitions) {
          const k = `${pd.topic}/${pd.partition}`;
          const where = `fetch ${k}`;
          check(position.has(k), `${where}: the broker sent a partition the session never asked for`);
          out.partitionData.push(pd);
          if (!noError(pd.error)) throw new CheckFailed(`${where}: partition error ${describeError(pd.error)}`);
          const fetchOffset = BigInt(pd.fetch_offset);
          // Data for a position we no longer hold would be dropped; this session never seeks, so it must match.
          checkEq(fetchOffset, position.get(k), `${where}: fetch_offset of a response`);
          check(BigInt(pd.high_watermark) <= BigInt(pd.log_end_offset), `${where}: high_watermark <= log_end_offset`);
          for (const batch of decodeBatches(api, pd.records, where)) {
            out.batches.get(k).push(batch);
            for (const r of batch.records) {
              if (r.offset < fetchOffset) continue; // the first batch may start before fetch_offset
              out.records.get(k).push({ ...r, topic: pd.topic, partition: pd.partition, batch });
              position.set(k, r.offset + 1n);
            }
          }
        }
        if (done()) {
          finish(null);
        } else {
          call.write({ credit: { responses: 1 } }); // one response consumed: allow one more
        }
      } catch (e) {
        finish(e);
      }
    });
    call.on('error', (err) => {
      if (settled) return;
      const e = callErrorOf(api, err);
      finish(new Error(`fetch stream failed: ${e.grpcCode} reason=${e.reason} ${e.message}`));
    });
    call.on('end', () => finish(done() ? null : new Error('fetch stream ended by the broker before all data arrived')));
    call.write({
      open: {
        client_id: 'tributary-node-example',
        max_wait_ms: 500,
        min_bytes: 1,
        max_bytes: maxBytes,
        initial_credits: 1,
        isolation_level: 'READ_COMMITTED_HIGH_WATERMARK',
        partitions: positions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          fetch_offset: String(p.fetch_offset),
          partition_max_bytes: partitionMaxBytes,
          current_leader_epoch: p.current_leader_epoch,
        })),
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The run: create, produce (both forms), list offsets, fetch, verify
// ---------------------------------------------------------------------------------------------------------------

const utf8 = (s) => Buffer.from(s, 'utf8');

function verifyRecords(got, expected, where) {
  checkEq(got.length, expected.length, `${where}: number of records`);
  for (let i = 0; i < expected.length; i++) {
    const g = got[i];
    const e = expected[i];
    const at = `${where} offset ${e.offset}`;
    checkEq(g.topic, e.topic, `${at}: topic`);
    checkEq(g.partition, e.partition, `${at}: partition`);
    checkEq(g.offset, e.offset, `${where} record #${i}: offset`);
    checkEq(g.timestamp, e.timestamp, `${at}: timestamp`);
    checkBytes(g.key, e.key, `${at}: key`);
    checkBytes(g.value, e.value, `${at}: value`);
    checkEq(g.headers.length, e.headers.length, `${at}: number of headers`);
    for (let j = 0; j < e.headers.length; j++) {
      checkEq(g.headers[j].key, e.headers[j].key, `${at}: header #${j} key`);
      checkBytes(g.headers[j].value, e.headers[j].value, `${at}: header #${j} (${e.headers[j].key}) value`);
    }
  }
}

function verifyBatchHeader(batch, expected, where) {
  const h = batch.header;
  const at = `${where} batch at offset ${h.baseOffset}`;
  checkEq(h.baseOffset, expected.baseOffset, `${where}: base_offset of the batch`);
  checkEq(h.recordCount, expected.recordCount, `${at}: record_count`);
  checkEq(h.leaderEpoch, expected.leaderEpoch, `${at}: leader_epoch stamped by the broker`);
  checkEq(batch.compression, expected.compression, `${at}: compression bits`);
  checkEq(batch.logAppendTime, expected.logAppendTime, `${at}: timestamp type bit`);
  checkEq(h.firstTimestamp, expected.firstTimestamp, `${at}: first_timestamp`);
  checkEq(h.maxTimestamp, expected.maxTimestamp, `${at}: max_timestamp`);
  checkEq(h.producerId, -1n, `${at}: producer_id (not idempotent)`);
  checkEq(h.producerEpoch, -1, `${at}: producer_epoch`);
  checkEq(h.baseSequence, -1, `${at}: base_sequence`);
}

async function run(opts) {
  const api = loadApi();
  const cluster = new Cluster(api, opts.bootstrap, opts);
  try {
    // 0. On a SASL listener: refused before authenticating and with a wrong password, then served as the user.
    if (opts.sasl) {
      rfc7677Example();
      await securityChecks(api, cluster.bootstrap[0], opts);
    }

    // 1. Metadata: who is in the cluster.
    const md = await cluster.refresh();
    log(`cluster ${md.cluster_id}: controller ${md.controller_id}, brokers ${md.brokers.map((b) => `${b.id}@${b.host}:${b.port}`).join(' ')}`);
    check(md.brokers.length >= 1, 'metadata lists at least one broker');

    // 2. Create the topics. timeout_ms makes CreateTopics return once the partitions have leaders.
    const suffix = `${Date.now().toString(36)}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    const topic = `node-client-${suffix}`;
    const appendTimeTopic = `node-client-lat-${suffix}`;
    const admin = cluster.client(cluster.anyAddress(), 'Admin');
    const created = await unary(admin, 'CreateTopics', {
      topics: [
        { name: topic, num_partitions: 2, replication_factor: 1, configs: {} },
        { name: appendTimeTopic, num_partitions: 1, replication_factor: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
      ],
      timeout_ms: 20000,
    }, 30000);
    for (const t of created.topics) {
      check(noError(t.error), `create topic ${t.name}: ${describeError(t.error)}`);
      check(t.topic_id !== '', `create topic ${t.name}: a topic_id`);
    }
    log(`created ${topic} (2 partitions) and ${appendTimeTopic} (LogAppendTime)`);

    // Creating it again is a per-topic error, not a failed call.
    const again = await unary(admin, 'CreateTopics', { topics: [{ name: topic, num_partitions: 2, replication_factor: 1 }] });
    checkEq(again.topics[0].error && again.topics[0].error.code, 'TOPIC_ALREADY_EXISTS', 'creating an existing topic');

    const tmd = await cluster.refresh([topic, appendTimeTopic]);
    for (const t of tmd.topics) {
      check(noError(t.error), `metadata of ${t.name}: ${describeError(t.error)}`);
      for (const p of t.partitions) {
        check(p.leader_id >= 0, `metadata of ${t.name}-${p.partition}: a leader`);
        check(p.isr.includes(p.leader_id), `metadata of ${t.name}-${p.partition}: the leader is in the ISR`);
      }
    }
    const epochOf = (t, p) => cluster.leaders.get(`${t}/${p}`).leaderEpoch;

    // 3. Produce, form 1 (BatchData): partition 0, two batches; the second gzip-compressed with the standard zlib.
    const t0 = BigInt(Date.now()) - 60000n;
    const batchA = [
      { key: utf8('user-1'), value: utf8('{"event":"login"}'), headers: [{ key: 'trace-id', value: utf8('abc123') }, { key: 'null-header', value: null }], timestamp: t0 },
      { key: utf8('user-2'), value: null, headers: [{ key: 'reason', value: utf8('deleted') }], timestamp: t0 + 5n }, // tombstone
      { key: null, value: utf8('no key here'), headers: [], timestamp: t0 + 2n }, // out-of-order timestamp
      { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [{ key: 'empty', value: Buffer.alloc(0) }], timestamp: t0 + 7n }, // empty != null
      { key: Buffer.from([0x00, 0xff, 0x80, 0x7f]), value: utf8('héllo wörld ✓'), headers: [{ key: 'dup', value: utf8('1') }, { key: 'dup', value: utf8('2') }], timestamp: t0 + 7n },
    ];
    const batchB = Array.from({ length: 20 }, (_, i) => ({
      key: utf8(`k-${i % 3}`),
      value: utf8(`compressed value ${i} `.repeat(10)),
      headers: [{ key: 'i', value: utf8(String(i)) }],
      timestamp: t0 + 1000n + BigInt(i),
    }));

    const rA = await produceOnce(cluster, topic, 0, { batch: batchDataOf(api, batchA, 'COMPRESSION_NONE') });
    check(noError(rA.error), `produce batch A: ${describeError(rA.error)}`);
    checkEq(rA.base_offset, '0', 'produce batch A: base_offset');
    checkEq(rA.log_append_time_ms, '-1', 'produce batch A: log_append_time_ms on a CreateTime topic');
    checkEq(rA.log_start_offset, '0', 'produce batch A: log_start_offset');
    checkEq(rA.topic, topic, 'produce batch A: topic echoed');
    checkEq(rA.partition, 0, 'produce batch A: partition echoed');

    // Batch B goes over the bidirectional Produce stream, matched by correlation_id.
    const rB = await produceOverStream(cluster, topic, 0, { batch: batchDataOf(api, batchB, 'COMPRESSION_GZIP') }, '4242');
    check(noError(rB.error), `produce batch B (stream, gzip): ${describeError(rB.error)}`);
    checkEq(rB.base_offset, String(batchA.length), 'produce batch B: base_offset');
    log(`partition 0: BatchData batches at offsets ${rA.base_offset} (plain) and ${rB.base_offset} (gzip, over the stream)`);

    // 4. Produce, form 2 (records): partition 1, two binary batches in one `records` field, CRC32C from this file.
    const batchC = [
      { key: utf8('order-9'), value: utf8('created'), headers: [{ key: 'h1', value: utf8('v1') }, { key: 'h-null', value: null }], timestamp: t0 + 10n },
      { key: utf8('order-9'), value: null, headers: [], timestamp: t0 + 11n },
    ];
    const batchD = [
      { key: null, value: null, headers: [{ key: 'only-header', value: null }], timestamp: t0 + 20n },
    ];
    const rawC = binaryBatchOf(api, batchC);
    const rawD = binaryBatchOf(api, batchD);
    const rCD = await produceOnce(cluster, topic, 1, { records: Buffer.concat([rawC, rawD]) });
    check(noError(rCD.error), `produce binary batches C+D: ${describeError(rCD.error)}`);
    checkEq(rCD.base_offset, '0', 'produce binary batches C+D: base_offset');

    // A corrupted batch is refused for that partition (CORRUPT_MESSAGE) and nothing is appended.
    const corrupt = Buffer.from(binaryBatchOf(api, batchD));
    corrupt[corrupt.length - 1] ^= 0xff;
    const rBad = await produceOnce(cluster, topic, 1, { records: corrupt });
    checkEq(rBad.error && rBad.error.code, 'CORRUPT_MESSAGE', 'produce with a bad CRC: partition error');
    checkEq(rBad.base_offset, '-1', 'produce with a bad CRC: base_offset');

    // A whole-call failure: acks=2 is a gRPC status with ErrorInfo reason INVALID_REQUIRED_ACKS.
    try {
      await unary(cluster.client(cluster.anyAddress(), 'Producer'), 'ProduceOnce',
        { acks: 2, partitions: [{ topic, partition: 0, records: rawD }] });
      check(false, 'produce with acks=2 should fail the call');
    } catch (err) {
      if (err instanceof CheckFailed) throw err;
      const e = callErrorOf(api, err);
      checkEq(e.grpcCode, 'INVALID_ARGUMENT', 'produce with acks=2: gRPC status');
      checkEq(e.reason, 'INVALID_REQUIRED_ACKS', 'produce with acks=2: google.rpc.ErrorInfo reason');
      checkEq(e.domain, 'tributary.io', 'produce with acks=2: ErrorInfo domain');
    }

    // 5. LogAppendTime topic: the broker's clock replaces the record timestamps.
    const before = BigInt(Date.now());
    const rE = await produceOnce(cluster, appendTimeTopic, 0,
      { batch: batchDataOf(api, [{ key: utf8('a'), value: utf8('b'), headers: [], timestamp: 5n }, { key: null, value: utf8('c'), headers: [], timestamp: 9n }], 'COMPRESSION_NONE') });
    const after = BigInt(Date.now());
    check(noError(rE.error), `produce to the LogAppendTime topic: ${describeError(rE.error)}`);
    const appendTime = BigInt(rE.log_append_time_ms);
    check(appendTime >= before - 1000n && appendTime <= after + 1000n,
      `log_append_time_ms ${appendTime} is the broker's clock (between ${before} and ${after})`);

    // 6. ListOffsets: earliest, latest, and by timestamp (answered by the leader).
    const p0End = BigInt(batchA.length + batchB.length);
    const p1End = BigInt(batchC.length + batchD.length);
    const lo = await listOffsets(cluster, [
      { topic, partition: 0, timestamp: '-2' },
      { topic, partition: 0, timestamp: '-1' },
      { topic, partition: 0, timestamp: String(t0 + 1000n) }, // first record of batch B
      { topic, partition: 1, timestamp: '-1', current_leader_epoch: epochOf(topic, 1) },
    ]);
    for (const r of lo.partitions) check(noError(r.error), `ListOffsets ${r.topic}-${r.partition}: ${describeError(r.error)}`);
    checkEq(lo.partitions[0].offset, '0', 'ListOffsets earliest of partition 0');
    checkEq(lo.partitions[1].offset, p0End.toString(), 'ListOffsets latest of partition 0');
    checkEq(lo.partitions[2].offset, String(batchA.length), 'ListOffsets by timestamp of partition 0');
    checkEq(lo.partitions[2].timestamp, (t0 + 1000n).toString(), 'ListOffsets by timestamp: the found timestamp');
    checkEq(lo.partitions[3].offset, p1End.toString(), 'ListOffsets latest of partition 1 (the corrupt batch added nothing)');

    // 7. Fetch everything back in one session over both partitions: small max_bytes so it takes several
    //    responses, each after a credit.
    const leader = cluster.leaderAddress(topic, 0);
    const expectedRecords = (records, p, baseOffset, tp = topic) => records.map((r, i) => ({ ...r, topic: tp, partition: p, offset: baseOffset + BigInt(i) }));
    const expect0 = [...expectedRecords(batchA, 0, 0n), ...expectedRecords(batchB, 0, BigInt(batchA.length))];
    const expect1 = [...expectedRecords(batchC, 1, 0n), ...expectedRecords(batchD, 1, BigInt(batchC.length))];

    const sessions = [];
    if (cluster.leaderAddress(topic, 0) === cluster.leaderAddress(topic, 1)) {
      sessions.push(fetchUntil(cluster, leader,
        [{ topic, partition: 0, fetch_offset: 0, current_leader_epoch: epochOf(topic, 0) }, { topic, partition: 1, fetch_offset: 0 }],
        new Map([[`${topic}/0`, p0End], [`${topic}/1`, p1End]]), { maxBytes: 200, partitionMaxBytes: 200 }));
    } else {
      // Each partition from its own leader: a client groups partitions by leader, one session per broker.
      for (const [p, end] of [[0, p0End], [1, p1End]]) {
        sessions.push(fetchUntil(cluster, cluster.leaderAddress(topic, p), [{ topic, partition: p, fetch_offset: 0 }],
          new Map([[`${topic}/${p}`, end]]), { maxBytes: 200, partitionMaxBytes: 200 }));
      }
    }
    const fetched = await Promise.all(sessions);
    const byKey = (k) => fetched.map((f) => f.records.get(k)).find((x) => x !== undefined);
    const batchesOf = (k) => fetched.map((f) => f.batches.get(k)).find((x) => x !== undefined);
    const responses = fetched.reduce((n, f) => n + f.responses, 0);
    check(responses >= 2, `max_bytes 200 spreads the data over several responses (got ${responses})`);
    log(`fetched ${byKey(`${topic}/0`).length} + ${byKey(`${topic}/1`).length} records in ${responses} responses`);

    verifyRecords(byKey(`${topic}/0`), expect0, `${topic}-0`);
    verifyRecords(byKey(`${topic}/1`), expect1, `${topic}-1`);
    const b0 = batchesOf(`${topic}/0`);
    const b1 = batchesOf(`${topic}/1`);
    checkEq(b0.length, 2, `${topic}-0: stored batches`);
    checkEq(b1.length, 2, `${topic}-1: stored batches`);
    const hdr = (records, baseOffset, compression, epoch) => {
      const { first, max } = timestampsOf(records);
      return { baseOffset, recordCount: records.length, leaderEpoch: epoch, compression, logAppendTime: false, firstTimestamp: first, maxTimestamp: max };
    };
    verifyBatchHeader(b0[0], hdr(batchA, 0n, 'COMPRESSION_NONE', epochOf(topic, 0)), `${topic}-0`);
    verifyBatchHeader(b0[1], hdr(batchB, BigInt(batchA.length), 'COMPRESSION_GZIP', epochOf(topic, 0)), `${topic}-0`);
    verifyBatchHeader(b1[0], hdr(batchC, 0n, 'COMPRESSION_NONE', epochOf(topic, 1)), `${topic}-1`);
    verifyBatchHeader(b1[1], hdr(batchD, BigInt(batchC.length), 'COMPRESSION_NONE', epochOf(topic, 1)), `${topic}-1`);
    // Our own binary batch comes back byte for byte, apart from the two fields the broker stamps before the CRC.
    const storedC = Buffer.from(rawC);
    storedC.writeInt32BE(epochOf(topic, 1), 12);
    const firstFetched1 = fetched.flatMap((f) => f.partitionData).find((pd) => pd.topic === topic && pd.partition === 1 && pd.records.length);
    checkBytes(firstFetched1.records.subarray(0, storedC.length), storedC, `${topic}-1: the stored binary batch C`);
    for (const pd of fetched.flatMap((f) => f.partitionData)) {
      const end = pd.partition === 0 ? p0End : p1End;
      checkEq(BigInt(pd.high_watermark), end, `${pd.topic}-${pd.partition}: high_watermark in a fetch response`);
      checkEq(BigInt(pd.log_end_offset), end, `${pd.topic}-${pd.partition}: log_end_offset in a fetch response`);
      checkEq(pd.log_start_offset, '0', `${pd.topic}-${pd.partition}: log_start_offset in a fetch response`);
    }

    // 8. Fetch from the middle of a batch: the batch comes whole, the client skips records below fetch_offset.
    const mid = await fetchUntil(cluster, cluster.leaderAddress(topic, 0), [{ topic, partition: 0, fetch_offset: 3 }],
      new Map([[`${topic}/0`, p0End]]));
    const midBatches = mid.batches.get(`${topic}/0`);
    checkEq(midBatches[0].header.baseOffset, 0n, 'fetch from offset 3: the first batch starts before fetch_offset');
    verifyRecords(mid.records.get(`${topic}/0`), expect0.slice(3), `${topic}-0 from offset 3`);

    // 9. The LogAppendTime topic: every record carries the append time (= max_timestamp), type bit set.
    const lat = await fetchUntil(cluster, cluster.leaderAddress(appendTimeTopic, 0), [{ topic: appendTimeTopic, partition: 0, fetch_offset: 0 }],
      new Map([[`${appendTimeTopic}/0`, 2n]]));
    const latBatch = lat.batches.get(`${appendTimeTopic}/0`)[0];
    checkEq(latBatch.logAppendTime, true, `${appendTimeTopic}: timestamp type bit (LogAppendTime)`);
    checkEq(latBatch.header.maxTimestamp, appendTime, `${appendTimeTopic}: max_timestamp = log_append_time_ms`);
    verifyRecords(lat.records.get(`${appendTimeTopic}/0`), [
      { topic: appendTimeTopic, partition: 0, offset: 0n, timestamp: appendTime, key: utf8('a'), value: utf8('b'), headers: [] },
      { topic: appendTimeTopic, partition: 0, offset: 1n, timestamp: appendTime, key: null, value: utf8('c'), headers: [] },
    ], appendTimeTopic);

    // 10. Clean up.
    if (!opts.keepTopics) {
      const del = await unary(admin, 'DeleteTopics', { names: [topic, appendTimeTopic], timeout_ms: 20000 }, 30000);
      for (const t of del.topics) check(noError(t.error), `delete topic ${t.name}: ${describeError(t.error)}`);
    }
    log(`OK: ${checks} checks passed`);
  } finally {
    cluster.close();
  }
}

/** Sends one request over a Producer.Produce bidi stream and returns the partition result of its response. */
function produceOverStream(cluster, topic, partition, data, correlationId) {
  const address = cluster.leaderAddress(topic, partition) || cluster.anyAddress();
  const call = cluster.client(address, 'Producer').Produce({ deadline: deadlineIn(15000) });
  return new Promise((resolve, reject) => {
    let settled = false;
    call.on('data', (response) => {
      if (settled) return;
      settled = true;
      call.end();
      if (response.correlation_id !== correlationId) {
        reject(new CheckFailed(`produce stream: correlation_id ${response.correlation_id}, expected ${correlationId}`));
      } else {
        resolve(response.partitions[0]);
      }
    });
    call.on('error', (err) => {
      if (settled) return;
      settled = true;
      const e = callErrorOf(cluster.api, err);
      reject(new Error(`produce stream failed: ${e.grpcCode} reason=${e.reason} ${e.message}`));
    });
    call.on('end', () => {
      if (!settled) {
        settled = true;
        reject(new Error('produce stream ended without a response'));
      }
    });
    call.write({ correlation_id: correlationId, acks: -1, timeout_ms: 10000, client_id: 'tributary-node-example',
      partitions: [{ topic, partition, ...data }] });
  });
}

// ---------------------------------------------------------------------------------------------------------------

if (require.main === module) {
  const opts = parseArgs(process.argv.slice(2));
  const overall = setTimeout(() => {
    console.error(`[node-client] FAILED: did not finish within ${opts.timeoutMs} ms`);
    process.exit(3);
  }, opts.timeoutMs);
  run(opts).then(() => {
    clearTimeout(overall);
    process.exit(0);
  }, (err) => {
    clearTimeout(overall);
    if (err instanceof CheckFailed) {
      console.error(`[node-client] FAILED check #${checks}: ${err.message}`);
    } else {
      console.error(`[node-client] FAILED: ${err && err.stack ? err.stack : err}`);
    }
    process.exit(1);
  });
}

module.exports = { crc32c, readHeader, binaryBatchOf, decodeBatches, callErrorOf, loadApi, ScramClient, authenticate };
