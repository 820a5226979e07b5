package io.tributary.broker.config;

import io.tributary.api.batch.RecordBatch;
import io.tributary.api.config.ConfigDef;
import io.tributary.api.config.ConfigException;
import io.tributary.api.security.SslConfig;
import io.tributary.broker.log.LogCleaner;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.security.AclAuthorizer;
import io.tributary.broker.security.SslPrincipalMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.tributary.api.config.ConfigDef.NO_DEFAULT;
import static io.tributary.api.config.ConfigDef.Type.BOOLEAN;
import static io.tributary.api.config.ConfigDef.Type.DOUBLE;
import static io.tributary.api.config.ConfigDef.Type.INT;
import static io.tributary.api.config.ConfigDef.Type.LIST;
import static io.tributary.api.config.ConfigDef.Type.LONG;
import static io.tributary.api.config.ConfigDef.Type.PASSWORD;
import static io.tributary.api.config.ConfigDef.Type.STRING;
import static io.tributary.api.config.ConfigDef.atLeast;
import static io.tributary.api.config.ConfigDef.between;
import static io.tributary.api.config.ConfigDef.oneOf;

/**
 * The broker's {@code server.properties}: one definition table (Kafka's key names), parsed once into typed
 * fields. Unknown keys and invalid values fail start-up with a message naming each of them.
 *
 * <p>Immutable and thread-safe.
 */
public final class BrokerConfig {
    public static final String BROKER_ID = "broker.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String SECURITY_INTER_BROKER_PROTOCOL = "security.inter.broker.protocol";
    public static final String SSL_KEYSTORE_TYPE = "ssl.keystore.type";
    public static final String SSL_KEYSTORE_LOCATION = "ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "ssl.keystore.password";
    public static final String SSL_KEY_PASSWORD = "ssl.key.password";
    public static final String SSL_TRUSTSTORE_TYPE = "ssl.truststore.type";
    public static final String SSL_TRUSTSTORE_LOCATION = "ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "ssl.truststore.password";
    public static final String SSL_CLIENT_AUTH = "ssl.client.auth";
    public static final String SSL_ENABLED_PROTOCOLS = "ssl.enabled.protocols";
    public static final String SSL_CIPHER_SUITES = "ssl.cipher.suites";
    public static final String SSL_PRINCIPAL_MAPPING_RULES = "ssl.principal.mapping.rules";
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM = "ssl.endpoint.identification.algorithm";
    public static final String SSL_PROVIDER = "ssl.provider";
    public static final String SASL_ENABLED_MECHANISMS = "sasl.enabled.mechanisms";
    public static final String SASL_PLAINTEXT_ALLOWED = "sasl.plaintext.allowed";
    public static final String CONNECTIONS_MAX_REAUTH_MS = "connections.max.reauth.ms";
    public static final String CONNECTION_FAILED_AUTHENTICATION_DELAY_MS = "connection.failed.authentication.delay.ms";
    public static final String SASL_SERVER_MAX_RECEIVE_SIZE = "sasl.server.max.receive.size";
    public static final String CONNECTIONS_AUTHENTICATION_TIMEOUT_MS = "connections.authentication.timeout.ms";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String AUTHORIZER_CLASS_NAME = "authorizer.class.name";
    public static final String SUPER_USERS = "super.users";
    public static final String ALLOW_EVERYONE_IF_NO_ACL_FOUND = "allow.everyone.if.no.acl.found";
    public static final String BROKER_RACK = "broker.rack";
    public static final String LOG_DIRS = "log.dirs";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String LOG_SEGMENT_BYTES = "log.segment.bytes";
    public static final String LOG_ROLL_MS = "log.roll.ms";
    public static final String LOG_ROLL_HOURS = "log.roll.hours";
    public static final String LOG_RETENTION_MS = "log.retention.ms";
    public static final String LOG_RETENTION_MINUTES = "log.retention.minutes";
    public static final String LOG_RETENTION_HOURS = "log.retention.hours";
    public static final String LOG_RETENTION_BYTES = "log.retention.bytes";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String LOG_INDEX_INTERVAL_BYTES = "log.index.interval.bytes";
    public static final String LOG_INDEX_SIZE_MAX_BYTES = "log.index.size.max.bytes";
    public static final String LOG_FLUSH_INTERVAL_MESSAGES = "log.flush.interval.messages";
    public static final String LOG_FLUSH_INTERVAL_MS = "log.flush.interval.ms";
    public static final String LOG_FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    public static final String LOG_FLUSH_BEFORE_ACK_ENABLE = "log.flush.before.ack.enable";
    public static final String LOG_SEGMENT_DELETE_DELAY_MS = "log.segment.delete.delay.ms";
    public static final String LOG_MESSAGE_TIMESTAMP_TYPE = "log.message.timestamp.type";
    public static final String LOG_CLEANUP_POLICY = "log.cleanup.policy";
    public static final String LOG_CLEANER_MIN_CLEANABLE_RATIO = "log.cleaner.min.cleanable.ratio";
    public static final String LOG_CLEANER_DELETE_RETENTION_MS = "log.cleaner.delete.retention.ms";
    public static final String LOG_CLEANER_MIN_COMPACTION_LAG_MS = "log.cleaner.min.compaction.lag.ms";
    public static final String LOG_CLEANER_MAX_COMPACTION_LAG_MS = "log.cleaner.max.compaction.lag.ms";
    public static final String LOG_CLEANER_ENABLE = "log.cleaner.enable";
    public static final String LOG_CLEANER_THREADS = "log.cleaner.threads";
    public static final String LOG_CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String LOG_CLEANER_IO_BUFFER_SIZE = "log.cleaner.io.buffer.size";
    public static final String LOG_CLEANER_IO_MAX_BYTES_PER_SECOND = "log.cleaner.io.max.bytes.per.second";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String REPLICA_FETCH_WAIT_MAX_MS = "replica.fetch.wait.max.ms";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String REPLICA_FETCH_RESPONSE_MAX_BYTES = "replica.fetch.response.max.bytes";
    public static final String REPLICA_FETCH_BACKOFF_MS = "replica.fetch.backoff.ms";
    public static final String ZOOKEEPER_CONNECT = "zookeeper.connect";
    public static final String ZOOKEEPER_SESSION_TIMEOUT_MS = "zookeeper.session.timeout.ms";
    public static final String ZOOKEEPER_CONNECTION_TIMEOUT_MS = "zookeeper.connection.timeout.ms";
    public static final String ZOOKEEPER_SET_ACL = "zookeeper.set.acl";
    public static final String ZOOKEEPER_SASL_CLIENT = "zookeeper.sasl.client";
    public static final String ZOOKEEPER_SASL_CLIENTCONFIG = "zookeeper.sasl.clientconfig";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    public static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = "leader.imbalance.per.broker.percentage";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String MAX_CONCURRENT_STREAMS_PER_CONNECTION = "max.concurrent.streams.per.connection";
    public static final String MAX_INFLIGHT_PRODUCE_REQUESTS_PER_STREAM = "max.inflight.produce.requests.per.stream";
    public static final String FETCH_SESSION_MAX_CREDITS = "fetch.session.max.credits";
    public static final String FETCH_MAX_WAIT_MS_LIMIT = "fetch.max.wait.ms.limit";
    public static final String GRPC_KEEPALIVE_TIME_MS = "grpc.keepalive.time.ms";
    public static final String CONTROLLED_SHUTDOWN_TIMEOUT_MS = "controlled.shutdown.timeout.ms";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = "offsets.commit.timeout.ms";
    public static final String OFFSETS_LOAD_BUFFER_SIZE = "offsets.load.buffer.size";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_MAX_SIZE = "group.max.size";
    public static final String GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String METRICS_PORT = "metrics.port";
    public static final String METRICS_PARTITION_LEVEL_ENABLE = "metrics.partition.level.enable";
    public static final String METRICS_CONSUMER_LAG_REFRESH_MS = "metrics.consumer.lag.refresh.ms";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(BROKER_ID, INT, NO_DEFAULT, atLeast(0), "This broker's id, unique in the cluster.")
            .define(LISTENERS, STRING, "PLAINTEXT://127.0.0.1:9092", "Where the gRPC servers listen: NAME://host:port,... (a bare host:port is PLAINTEXT; no host: every interface; port 0 picks a free port). Each name's security protocol comes from listener.security.protocol.map.")
            .define(ADVERTISED_LISTENERS, STRING, "", "NAME://host:port per listener that clients must reach at another address than the one it listens on.")
            .define(LISTENER_SECURITY_PROTOCOL_MAP, STRING, "", "NAME:PROTOCOL,... for listener names that are not themselves a protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).")
            .define(INTER_BROKER_LISTENER_NAME, STRING, "", "The listener brokers call each other on (replication); default: the first listener using security.inter.broker.protocol.")
            .define(SECURITY_INTER_BROKER_PROTOCOL, STRING, "PLAINTEXT", "The security protocol of the inter-broker listener when inter.broker.listener.name is not set.")
            .define(SSL_KEYSTORE_TYPE, STRING, "PKCS12", oneOf("PKCS12", "JKS", "PEM"), "Format of ssl.keystore.location: PKCS12, JKS or PEM (one file with a PKCS#8 key and its certificate chain).")
            .define(SSL_KEYSTORE_LOCATION, STRING, "", "The broker's certificate and key, for its TLS listeners and, with mutual TLS, as a client of other brokers.")
            .define(SSL_KEYSTORE_PASSWORD, PASSWORD, "", "Password of ssl.keystore.location.")
            .define(SSL_KEY_PASSWORD, PASSWORD, "", "Password of the private key, if not the key store's.")
            .define(SSL_TRUSTSTORE_TYPE, STRING, "PKCS12", oneOf("PKCS12", "JKS", "PEM"), "Format of ssl.truststore.location: PKCS12, JKS or PEM (certificates).")
            .define(SSL_TRUSTSTORE_LOCATION, STRING, "", "The CAs whose certificates this broker accepts from clients (mutual TLS) and from other brokers; empty: the JDK's.")
            .define(SSL_TRUSTSTORE_PASSWORD, PASSWORD, "", "Password of ssl.truststore.location, if it has one.")
            .define(SSL_CLIENT_AUTH, STRING, "none", oneOf("none", "requested", "required"), "Whether TLS listeners ask clients for a certificate (requested) or insist on one (required: mutual TLS).")
            .define(SSL_ENABLED_PROTOCOLS, LIST, "TLSv1.3,TLSv1.2", "TLS versions the broker accepts and offers.")
            .define(SSL_CIPHER_SUITES, LIST, "", "Cipher suites allowed (empty: the TLS engine's defaults).")
            .define(SSL_PRINCIPAL_MAPPING_RULES, STRING, "DEFAULT", "How a client certificate's subject becomes its principal: RULE:pattern/replacement/[L|U],...,DEFAULT as Kafka writes them.")
            .define(SSL_PROVIDER, STRING, "", oneOf("", "OPENSSL", "JDK"), "The TLS engine: OPENSSL (BoringSSL, shipped with gRPC), JDK, or empty for BoringSSL where it loads. (Kafka's ssl.provider names a JCA provider; here it picks the engine.)")
            .define(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, STRING, "https", oneOf("https", ""), "Whether the broker checks, as a client of other brokers, that their certificate names the host it dialed (https) or not (empty).")
            .define(SASL_ENABLED_MECHANISMS, LIST, "SCRAM-SHA-512,SCRAM-SHA-256", "SASL mechanisms of the SASL_* listeners: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN (PLAIN is checked against the user's SCRAM credential and served on SASL_SSL only).")
            .define(SASL_PLAINTEXT_ALLOWED, BOOLEAN, false, "Allow SASL_PLAINTEXT listeners, whose SCRAM exchanges and data travel unencrypted (a trusted network, tests). PLAIN is never accepted without TLS.")
            .define(CONNECTIONS_MAX_REAUTH_MS, LONG, 0L, atLeast(0), "Lifetime of a SASL session: a connection must authenticate again before it ends or is closed (0: sessions never expire).")
            .define(CONNECTION_FAILED_AUTHENTICATION_DELAY_MS, INT, 100, between(0, 60_000), "How long the answer to a failed authentication is held back, to slow password guessing.")
            .define(SASL_SERVER_MAX_RECEIVE_SIZE, INT, 512 * 1024, between(1024, 16 * 1024 * 1024), "Bytes a connection on a SASL listener may send before it has authenticated (TLS, HTTP/2 and SASL together); more closes it.")
            .define(CONNECTIONS_AUTHENTICATION_TIMEOUT_MS, LONG, 10_000L, between(100, 3_600_000), "A connection on a SASL listener that has not authenticated within this time is closed.")
            .define(CONNECTIONS_MAX_IDLE_MS, LONG, 600_000L, atLeast(1000), "A connection without any call for this long is closed (clients reconnect when they need to).")
            .define(MAX_CONNECTIONS, INT, Integer.MAX_VALUE, atLeast(1), "Client connections the broker accepts across its listeners; further ones are closed at once.")
            .define(MAX_CONNECTIONS_PER_IP, INT, Integer.MAX_VALUE, atLeast(1), "Client connections the broker accepts from one IP address.")
            .define(AUTHORIZER_CLASS_NAME, STRING, "", "The authorizer: kafka.security.authorizer.AclAuthorizer (ACLs in ZooKeeper; io.tributary.broker.security.AclAuthorizer is the same), or empty for none (everything allowed).")
            .define(SUPER_USERS, STRING, "", "Principals the authorizer lets do anything, separated by ';': User:admin;User:broker.")
            .define(ALLOW_EVERYONE_IF_NO_ACL_FOUND, BOOLEAN, false, "With an authorizer, whether a resource without any ACL is open to everyone (Kafka's default false: closed).")
            .define(BROKER_RACK, STRING, "", "Rack of this broker, for rack-aware replica placement.")
            .define(LOG_DIRS, LIST, "/tmp/tributary-logs", "Directories holding partition logs (comma-separated).")
            .define(NUM_PARTITIONS, INT, 1, atLeast(1), "Partitions of a topic created without a count (including auto-created).")
            .define(DEFAULT_REPLICATION_FACTOR, INT, 1, between(1, Short.MAX_VALUE), "Replication factor of a topic created without one.")
            .define(MIN_INSYNC_REPLICAS, INT, 1, atLeast(1), "Default min.insync.replicas of topics.")
            .define(LOG_SEGMENT_BYTES, INT, 1 << 30, atLeast(RecordBatch.HEADER_SIZE), "Default segment.bytes of topics.")
            .define(LOG_ROLL_MS, LONG, null, atLeast(1), "Default segment.ms of topics; overrides log.roll.hours.")
            .define(LOG_ROLL_HOURS, INT, 168, atLeast(1), "Default segment.ms of topics, in hours.")
            .define(LOG_RETENTION_MS, LONG, null, atLeast(-1), "Default retention.ms of topics; overrides minutes and hours.")
            .define(LOG_RETENTION_MINUTES, INT, null, atLeast(-1), "Default retention of topics, in minutes; overrides hours.")
            .define(LOG_RETENTION_HOURS, INT, 168, atLeast(-1), "Default retention of topics, in hours.")
            .define(LOG_RETENTION_BYTES, LONG, -1L, atLeast(-1), "Default retention.bytes of topics (-1: no size limit).")
            .define(LOG_RETENTION_CHECK_INTERVAL_MS, LONG, 300_000L, atLeast(1), "How often retention runs.")
            .define(LOG_INDEX_INTERVAL_BYTES, INT, 4096, atLeast(0), "Default index.interval.bytes of topics.")
            .define(LOG_INDEX_SIZE_MAX_BYTES, INT, 10 * 1024 * 1024, atLeast(12), "Default segment.index.bytes of topics.")
            .define(LOG_FLUSH_INTERVAL_MESSAGES, LONG, Long.MAX_VALUE, atLeast(1), "Default flush.messages of topics (default: leave flushing to the OS).")
            .define(LOG_FLUSH_INTERVAL_MS, LONG, Long.MAX_VALUE, atLeast(0), "Default flush.ms of topics (default: leave flushing to the OS).")
            .define(LOG_FLUSH_SCHEDULER_INTERVAL_MS, LONG, 1_000L, atLeast(1), "How often the flush.ms policy is checked.")
            .define(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, LONG, 60_000L, atLeast(1), "How often recovery points are checkpointed.")
            .define(LOG_FLUSH_BEFORE_ACK_ENABLE, BOOLEAN, false, "fsync every append before acknowledging it (group commit). "
                    + "Costs one fsync per group of appends; replication already protects acks=all writes from a broker crash.")
            .define(LOG_SEGMENT_DELETE_DELAY_MS, LONG, 60_000L, atLeast(0), "How long deleted segment files linger so in-flight reads finish.")
            .define(LOG_MESSAGE_TIMESTAMP_TYPE, STRING, "CreateTime", oneOf("CreateTime", "LogAppendTime"), "Default message.timestamp.type of topics.")
            .define(LOG_CLEANUP_POLICY, STRING, "delete", LogConfig.CLEANUP_POLICY_VALUES, "Default cleanup.policy of topics: delete, compact, or compact,delete.")
            .define(LOG_CLEANER_MIN_CLEANABLE_RATIO, DOUBLE, 0.5, between(0, 1), "Default min.cleanable.dirty.ratio of topics.")
            .define(LOG_CLEANER_DELETE_RETENTION_MS, LONG, 24L * 60 * 60 * 1000, atLeast(0), "Default delete.retention.ms of topics.")
            .define(LOG_CLEANER_MIN_COMPACTION_LAG_MS, LONG, 0L, atLeast(0), "Default min.compaction.lag.ms of topics.")
            .define(LOG_CLEANER_MAX_COMPACTION_LAG_MS, LONG, Long.MAX_VALUE, atLeast(1), "Default max.compaction.lag.ms of topics.")
            .define(LOG_CLEANER_ENABLE, BOOLEAN, true, "Run the log cleaner, which compacts topics with cleanup.policy=compact "
                    + "(the internal __consumer_offsets topic among them); off, compacted topics grow without bound.")
            .define(LOG_CLEANER_THREADS, INT, 1, between(1, 64), "Log cleaner threads; each cleans one log at a time.")
            .define(LOG_CLEANER_DEDUPE_BUFFER_SIZE, LONG, 32L * 1024 * 1024, atLeast(1024 * 1024),
                    "Heap for the cleaners' key maps, shared by all threads (24 bytes per key, filled to 90%: 32 MiB maps about "
                            + "1.2 million keys per pass). Smaller than Kafka's 128 MiB to fit a 512 MiB-1 GiB heap; allocated "
                            + "at the first compaction, so brokers without compacted topics never pay it. A log with more keys "
                            + "is compacted over several passes.")
            .define(LOG_CLEANER_IO_BUFFER_SIZE, INT, 512 * 1024, atLeast(2 * RecordBatch.HEADER_SIZE),
                    "Read plus write buffer of the cleaners, shared by all threads (a batch larger than the read half is "
                            + "read on its own buffer).")
            .define(LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, DOUBLE, Double.MAX_VALUE, atLeast(1),
                    "Throttle of the cleaners' reads plus writes, all threads together, so compaction cannot starve producers of disk.")
            .define(LOG_CLEANER_BACKOFF_MS, LONG, 15_000L, atLeast(0), "How long an idle cleaner waits before looking for a dirty log again.")
            .define(MESSAGE_MAX_BYTES, INT, 1024 * 1024 + 12, atLeast(RecordBatch.HEADER_SIZE), "Largest record batch accepted (default max.message.bytes of topics).")
            .define(SOCKET_REQUEST_MAX_BYTES, INT, 100 * 1024 * 1024, atLeast(1024), "Largest gRPC message a client may send (all batches of one produce request).")
            .define(REQUEST_TIMEOUT_MS, INT, 30_000, atLeast(1), "Longest a produce may wait for replication when the request sets no timeout.")
            .define(REPLICA_LAG_TIME_MAX_MS, LONG, 30_000L, atLeast(1), "A follower not caught up for this long leaves the ISR.")
            .define(REPLICA_FETCH_WAIT_MAX_MS, INT, 500, between(0, 30_000), "Longest a follower's fetch waits at the leader for new data.")
            .define(REPLICA_FETCH_MAX_BYTES, INT, 1024 * 1024, atLeast(1024), "Bytes a follower asks for per partition in one fetch (the first batch comes even if larger).")
            .define(REPLICA_FETCH_RESPONSE_MAX_BYTES, INT, 10 * 1024 * 1024, atLeast(1024), "Bytes a follower asks for in one fetch across partitions.")
            .define(REPLICA_FETCH_BACKOFF_MS, INT, 200, between(0, 60_000), "Pause before a follower retries after a fetch error.")
            .define(ZOOKEEPER_CONNECT, STRING, NO_DEFAULT, "ZooKeeper ensemble host:port,host:port[/chroot] (default chroot /tributary).")
            .define(ZOOKEEPER_SESSION_TIMEOUT_MS, INT, 18_000, atLeast(1000), "ZooKeeper session timeout.")
            .define(ZOOKEEPER_CONNECTION_TIMEOUT_MS, INT, 18_000, atLeast(100), "How long start-up waits to connect to ZooKeeper.")
            .define(ZOOKEEPER_SET_ACL, BOOLEAN, false, "Give every znode the broker creates Kafka's secure ACLs: all rights for the broker's SASL identity, read for anyone, nothing for anyone under /config/users and /config/brokers. Needs a SASL-authenticated ZooKeeper session (-Djava.security.auth.login.config with a Client section); start-up fails otherwise.")
            .define(ZOOKEEPER_SASL_CLIENT, BOOLEAN, true, "SASL-authenticate to ZooKeeper when the JAAS file has the section named by zookeeper.sasl.clientconfig.")
            .define(ZOOKEEPER_SASL_CLIENTCONFIG, STRING, "Client", "The JAAS section with the broker's ZooKeeper credentials (DigestLoginModule username/password).")
            .define(AUTO_CREATE_TOPICS_ENABLE, BOOLEAN, false, "Create a topic when a client asks for metadata or produces to it.")
            .define(DELETE_TOPIC_ENABLE, BOOLEAN, true, "Allow deleting topics.")
            .define(UNCLEAN_LEADER_ELECTION_ENABLE, BOOLEAN, false, "Default unclean.leader.election.enable of topics (may lose acknowledged data).")
            .define(AUTO_LEADER_REBALANCE_ENABLE, BOOLEAN, true, "Move leadership back to preferred replicas once they are in sync again.")
            .define(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, LONG, 300L, atLeast(1), "How often the controller checks leader balance.")
            .define(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, INT, 10, between(0, 100), "Share of a broker's preferred partitions led elsewhere that triggers a rebalance.")
            .define(PRODUCER_ID_EXPIRATION_MS, LONG, 24L * 60 * 60 * 1000, atLeast(1), "Forget an idle idempotent producer's sequence state after this long.")
            .define(NUM_IO_THREADS, INT, 8, between(1, 256), "Threads running request handlers (appends and reads).")
            .define(MAX_CONCURRENT_STREAMS_PER_CONNECTION, INT, 128, between(1, 10_000), "HTTP/2 streams one client connection may have open.")
            .define(MAX_INFLIGHT_PRODUCE_REQUESTS_PER_STREAM, INT, 32, between(1, 1024), "Produce requests of one stream handled at once; further ones wait in gRPC flow control.")
            .define(FETCH_SESSION_MAX_CREDITS, INT, 64, between(1, 1024), "Most responses a fetch session may have granted and unsent.")
            .define(FETCH_MAX_WAIT_MS_LIMIT, INT, 30_000, between(0, 300_000), "Upper bound on a fetch session's max_wait_ms.")
            .define(GRPC_KEEPALIVE_TIME_MS, LONG, 30_000L, atLeast(1000), "HTTP/2 keepalive ping interval on idle connections (long-lived streams).")
            .define(CONTROLLED_SHUTDOWN_TIMEOUT_MS, LONG, 10_000L, atLeast(0), "How long shutdown lets in-flight calls finish.")
            .define(OFFSETS_TOPIC_NUM_PARTITIONS, INT, 50, between(1, 10_000), "Partitions of __consumer_offsets (fixed once the topic exists: it decides which broker coordinates each group).")
            .define(OFFSETS_TOPIC_REPLICATION_FACTOR, INT, 3, between(1, Short.MAX_VALUE), "Replication factor of __consumer_offsets, capped by the live brokers when it is created.")
            .define(OFFSETS_TOPIC_SEGMENT_BYTES, INT, 100 * 1024 * 1024, atLeast(RecordBatch.HEADER_SIZE), "segment.bytes of __consumer_offsets (small segments compact and load sooner).")
            .define(OFFSETS_COMMIT_TIMEOUT_MS, INT, 5_000, atLeast(1), "Longest a commit (or any group write) waits for every in-sync replica of its __consumer_offsets partition.")
            .define(OFFSETS_LOAD_BUFFER_SIZE, INT, 5 * 1024 * 1024, atLeast(1024), "Bytes read per step when a new coordinator loads a __consumer_offsets partition.")
            .define(OFFSETS_RETENTION_MINUTES, INT, 7 * 24 * 60, atLeast(1), "Committed offsets of a group without members are deleted once this much older than their commit.")
            .define(OFFSETS_RETENTION_CHECK_INTERVAL_MS, LONG, 600_000L, atLeast(1), "How often expired offsets are looked for.")
            .define(OFFSET_METADATA_MAX_BYTES, INT, 4096, between(0, 1024 * 1024), "Largest metadata string (UTF-8 bytes) a commit may attach to an offset.")
            .define(GROUP_MIN_SESSION_TIMEOUT_MS, INT, 6_000, atLeast(1), "Smallest session timeout a group member may ask for.")
            .define(GROUP_MAX_SESSION_TIMEOUT_MS, INT, 1_800_000, atLeast(1), "Largest session timeout a group member may ask for.")
            .define(GROUP_INITIAL_REBALANCE_DELAY_MS, INT, 3_000, between(0, 300_000), "The first assignment of an empty group waits this long, so members starting together get one assignment.")
            .define(GROUP_MAX_SIZE, INT, 1_000, between(1, 100_000), "Most members one consumer group may have.")
            .define(GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, INT, 5_000, atLeast(1), "Heartbeat interval told to members (at most a third of their session timeout).")
            .define(METRICS_PORT, INT, -1, between(-1, 65_535), "Port of the Prometheus endpoint http://HOST:PORT/metrics on the listener's host (-1: off, 0: a free port).")
            .define(METRICS_PARTITION_LEVEL_ENABLE, BOOLEAN, true, "Export per-partition series (log size, segments, start and end offset; consumer-group lag and committed offset per partition, the per-topic lag sums stay); turn off on brokers with thousands of partitions.")
            .define(METRICS_CONSUMER_LAG_REFRESH_MS, LONG, 5_000L, between(100, 3_600_000), "How often a group coordinator asks the leaders of its groups' partitions for their high watermarks, for consumer-lag metrics (partitions led by the coordinator itself are always current).");

    /**
     * Kafka's per-listener override of {@code ssl.client.auth}, {@code listener.name.<name>.ssl.client.auth} with the
     * name lower-cased: e.g. mutual TLS required on the inter-broker listener and not asked for on the SASL_SSL one.
     */
    private static final Pattern LISTENER_CLIENT_AUTH = Pattern.compile("listener\\.name\\.([a-z0-9_]+)\\.ssl\\.client\\.auth");

    private final Map<String, Object> values;
    private final Map<String, String> originals;
    /** Lower-cased listener name to its ssl.client.auth override. */
    private final Map<String, SslConfig.ClientAuth> listenerClientAuth;

    private BrokerConfig(Map<String, Object> values, Map<String, String> originals, Map<String, SslConfig.ClientAuth> listenerClientAuth) {
        this.values = values;
        this.originals = originals;
        this.listenerClientAuth = listenerClientAuth;
    }

    public static BrokerConfig fromMap(Map<String, ?> props) {
        Map<String, String> originals = new LinkedHashMap<>();
        props.forEach((k, v) -> originals.put(k, String.valueOf(v)));
        Map<String, Object> common = new LinkedHashMap<>();
        Map<String, SslConfig.ClientAuth> listenerClientAuth = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        props.forEach((k, v) -> {
            Matcher m = LISTENER_CLIENT_AUTH.matcher(k);
            if (!m.matches()) {
                common.put(k, v);
                return;
            }
            try {
                listenerClientAuth.put(m.group(1), SslConfig.ClientAuth.of(String.valueOf(v)));
            } catch (ConfigException e) {
                errors.add(k + ": " + e.getMessage());
            }
        });
        Map<String, Object> values;
        try {
            values = DEFINITION.parse(common);
        } catch (ConfigException e) {
            errors.add(0, e.getMessage());
            values = null;
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("\n", errors));
        }
        BrokerConfig config = new BrokerConfig(values, Map.copyOf(originals), Map.copyOf(listenerClientAuth));
        config.validateCrossKeys();
        return config;
    }

    public static BrokerConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            map.put(name, p.getProperty(name));
        }
        return fromMap(map);
    }

    private void validateCrossKeys() {
        List<String> errors = new ArrayList<>();
        if (socketRequestMaxBytes() < messageMaxBytes() + 1024) {
            errors.add(SOCKET_REQUEST_MAX_BYTES + " (" + socketRequestMaxBytes() + ") must exceed " + MESSAGE_MAX_BYTES
                    + " (" + messageMaxBytes() + ") by at least 1024 bytes of request overhead");
        }
        if (groupMinSessionTimeoutMs() > groupMaxSessionTimeoutMs()) {
            errors.add(GROUP_MIN_SESSION_TIMEOUT_MS + " (" + groupMinSessionTimeoutMs() + ") must not exceed "
                    + GROUP_MAX_SESSION_TIMEOUT_MS + " (" + groupMaxSessionTimeoutMs() + ")");
        }
        try {
            Listeners l = listeners();
            if (l.listeners().stream().anyMatch(x -> x.protocol() == Listeners.SecurityProtocol.SASL_PLAINTEXT)
                    && !(Boolean) get(SASL_PLAINTEXT_ALLOWED)) {
                errors.add("listeners: a SASL_PLAINTEXT listener sends SCRAM exchanges and data unencrypted; use SASL_SSL,"
                        + " or set " + SASL_PLAINTEXT_ALLOWED + "=true to accept that");
            }
            if (l.interBrokerListener().protocol().sasl) {
                errors.add("inter-broker listener " + l.interBrokerListener().name() + " is " + l.interBrokerListener().protocol()
                        + ": brokers authenticate to each other with mutual TLS; point inter.broker.listener.name at a PLAINTEXT or SSL listener");
            }
            if (l.listeners().stream().anyMatch(x -> x.protocol().tls) && !sslConfig().hasKeystore()) {
                errors.add(SSL_KEYSTORE_LOCATION + " is needed: a listener uses TLS");
            }
            for (String name : listenerClientAuth.keySet()) {
                if (l.listeners().stream().noneMatch(x -> x.name().toLowerCase(Locale.ROOT).equals(name) && x.protocol().tls)) {
                    errors.add("listener.name." + name + ".ssl.client.auth: no TLS listener is named " + name.toUpperCase(Locale.ROOT)
                            + " (listeners: " + l.listeners().stream().map(Listeners.Listener::name).toList() + ")");
                }
            }
            SslPrincipalMapper.fromRules((String) get(SSL_PRINCIPAL_MAPPING_RULES));
            superUsers();
        } catch (ConfigException e) {
            errors.add(e.getMessage());
        }
        try {
            // Topic defaults that are valid one by one may still clash (min.compaction.lag.ms above the max).
            defaultLogConfig();
        } catch (ConfigException e) {
            errors.add("the log.* topic defaults are inconsistent: " + e.getMessage());
        }
        for (String m : saslEnabledMechanisms()) {
            if (!SASL_MECHANISMS.contains(m)) {
                errors.add(SASL_ENABLED_MECHANISMS + ": '" + m + "' is not served (" + SASL_MECHANISMS + ")");
            }
        }
        String authorizer = authorizerClassName();
        if (!authorizer.isEmpty() && !AclAuthorizer.CLASS_NAMES.contains(authorizer)) {
            errors.add(AUTHORIZER_CLASS_NAME + ": '" + authorizer + "' is not an authorizer this broker has; use "
                    + "kafka.security.authorizer.AclAuthorizer or leave it empty");
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("\n", errors));
        }
    }

    private Object get(String key) {
        return values.get(key);
    }

    public Map<String, String> originals() {
        return originals;
    }

    /** Every key with its effective value, for DescribeConfigs of a broker. */
    public Map<String, Object> values() {
        return values;
    }

    public int brokerId() {
        return (Integer) get(BROKER_ID);
    }

    /** The listeners, their security protocols and advertised addresses, and the inter-broker one. */
    public Listeners listeners() {
        return Listeners.parse((String) get(LISTENERS), (String) get(LISTENER_SECURITY_PROTOCOL_MAP),
                (String) get(ADVERTISED_LISTENERS), (String) get(INTER_BROKER_LISTENER_NAME),
                (String) get(SECURITY_INTER_BROKER_PROTOCOL));
    }

    /** The host of the primary (first) listener: where /metrics is served too. */
    public String listenHost() {
        String host = listeners().primary().host();
        return host.isEmpty() ? "0.0.0.0" : host;
    }

    public int listenPort() {
        return listeners().primary().port();
    }

    /**
     * The TLS settings of listener {@code listenerName}: {@link #sslConfig()} with its
     * {@code listener.name.<name>.ssl.client.auth} when one is set.
     */
    public SslConfig sslConfig(String listenerName) {
        SslConfig c = sslConfig();
        SslConfig.ClientAuth auth = listenerClientAuth.get(listenerName.toLowerCase(Locale.ROOT));
        return auth == null ? c : new SslConfig(c.keystoreType(), c.keystoreLocation(), c.keystorePassword(), c.keyPassword(),
                c.truststoreType(), c.truststoreLocation(), c.truststorePassword(), auth, c.enabledProtocols(), c.cipherSuites());
    }

    /** The TLS settings of the broker's TLS listeners and of its calls to other brokers over TLS. */
    public SslConfig sslConfig() {
        @SuppressWarnings("unchecked")
        List<String> protocols = (List<String>) get(SSL_ENABLED_PROTOCOLS);
        @SuppressWarnings("unchecked")
        List<String> ciphers = (List<String>) get(SSL_CIPHER_SUITES);
        return new SslConfig((String) get(SSL_KEYSTORE_TYPE), (String) get(SSL_KEYSTORE_LOCATION), (String) get(SSL_KEYSTORE_PASSWORD),
                (String) get(SSL_KEY_PASSWORD), (String) get(SSL_TRUSTSTORE_TYPE), (String) get(SSL_TRUSTSTORE_LOCATION),
                (String) get(SSL_TRUSTSTORE_PASSWORD), SslConfig.ClientAuth.of((String) get(SSL_CLIENT_AUTH)), protocols, ciphers);
    }

    public SslPrincipalMapper sslPrincipalMapper() {
        return SslPrincipalMapper.fromRules((String) get(SSL_PRINCIPAL_MAPPING_RULES));
    }

    public String sslProvider() {
        return (String) get(SSL_PROVIDER);
    }

    public boolean sslEndpointIdentification() {
        return ((String) get(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM)).equalsIgnoreCase("https");
    }

    public String rack() {
        return (String) get(BROKER_RACK);
    }

    private static final List<String> SASL_MECHANISMS = List.of("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN");

    @SuppressWarnings("unchecked")
    public List<String> saslEnabledMechanisms() {
        return ((List<String>) get(SASL_ENABLED_MECHANISMS)).stream().map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    public long connectionsMaxReauthMs() {
        return (Long) get(CONNECTIONS_MAX_REAUTH_MS);
    }

    public int connectionFailedAuthenticationDelayMs() {
        return (Integer) get(CONNECTION_FAILED_AUTHENTICATION_DELAY_MS);
    }

    public int saslServerMaxReceiveSize() {
        return (Integer) get(SASL_SERVER_MAX_RECEIVE_SIZE);
    }

    public long connectionsAuthenticationTimeoutMs() {
        return (Long) get(CONNECTIONS_AUTHENTICATION_TIMEOUT_MS);
    }

    public long connectionsMaxIdleMs() {
        return (Long) get(CONNECTIONS_MAX_IDLE_MS);
    }

    public int maxConnections() {
        return (Integer) get(MAX_CONNECTIONS);
    }

    public int maxConnectionsPerIp() {
        return (Integer) get(MAX_CONNECTIONS_PER_IP);
    }

    public String authorizerClassName() {
        return ((String) get(AUTHORIZER_CLASS_NAME)).trim();
    }

    public boolean allowEveryoneIfNoAclFound() {
        return (Boolean) get(ALLOW_EVERYONE_IF_NO_ACL_FOUND);
    }

    /** {@code super.users}: principals separated by ';' (Kafka's separator, since names may hold commas). */
    public Set<String> superUsers() {
        Set<String> out = new LinkedHashSet<>();
        for (String p : ((String) get(SUPER_USERS)).split(";")) {
            String principal = p.trim();
            if (principal.isEmpty()) {
                continue;
            }
            int colon = principal.indexOf(':');
            if (colon <= 0 || colon == principal.length() - 1) {
                throw new ConfigException(SUPER_USERS + ": '" + principal + "' is not a principal (Type:name, e.g. User:admin)");
            }
            out.add(principal);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public List<Path> logDirs() {
        return ((List<String>) get(LOG_DIRS)).stream().map(Path::of).toList();
    }

    public int numPartitions() {
        return (Integer) get(NUM_PARTITIONS);
    }

    public int defaultReplicationFactor() {
        return (Integer) get(DEFAULT_REPLICATION_FACTOR);
    }

    public int messageMaxBytes() {
        return (Integer) get(MESSAGE_MAX_BYTES);
    }

    public int socketRequestMaxBytes() {
        return (Integer) get(SOCKET_REQUEST_MAX_BYTES);
    }

    public int requestTimeoutMs() {
        return (Integer) get(REQUEST_TIMEOUT_MS);
    }

    public int metricsPort() {
        return (Integer) get(METRICS_PORT);
    }

    public boolean metricsPartitionLevelEnable() {
        return (Boolean) get(METRICS_PARTITION_LEVEL_ENABLE);
    }

    public long metricsConsumerLagRefreshMs() {
        return (Long) get(METRICS_CONSUMER_LAG_REFRESH_MS);
    }

    public long replicaLagTimeMaxMs() {
        return (Long) get(REPLICA_LAG_TIME_MAX_MS);
    }

    public int replicaFetchWaitMaxMs() {
        return (Integer) get(REPLICA_FETCH_WAIT_MAX_MS);
    }

    public int replicaFetchMaxBytes() {
        return (Integer) get(REPLICA_FETCH_MAX_BYTES);
    }

    public int replicaFetchResponseMaxBytes() {
        return (Integer) get(REPLICA_FETCH_RESPONSE_MAX_BYTES);
    }

    public int replicaFetchBackoffMs() {
        return (Integer) get(REPLICA_FETCH_BACKOFF_MS);
    }

    public String zookeeperConnect() {
        return (String) get(ZOOKEEPER_CONNECT);
    }

    public int zookeeperSessionTimeoutMs() {
        return (Integer) get(ZOOKEEPER_SESSION_TIMEOUT_MS);
    }

    public int zookeeperConnectionTimeoutMs() {
        return (Integer) get(ZOOKEEPER_CONNECTION_TIMEOUT_MS);
    }

    public boolean zookeeperSetAcl() {
        return (Boolean) get(ZOOKEEPER_SET_ACL);
    }

    public boolean zookeeperSaslClient() {
        return (Boolean) get(ZOOKEEPER_SASL_CLIENT);
    }

    public String zookeeperSaslClientConfig() {
        return (String) get(ZOOKEEPER_SASL_CLIENTCONFIG);
    }

    public boolean autoCreateTopicsEnable() {
        return (Boolean) get(AUTO_CREATE_TOPICS_ENABLE);
    }

    public boolean deleteTopicEnable() {
        return (Boolean) get(DELETE_TOPIC_ENABLE);
    }

    public boolean uncleanLeaderElectionEnable() {
        return (Boolean) get(UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    public boolean autoLeaderRebalanceEnable() {
        return (Boolean) get(AUTO_LEADER_REBALANCE_ENABLE);
    }

    public long leaderImbalanceCheckIntervalMs() {
        return (Long) get(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS) * 1000L;
    }

    public int leaderImbalancePerBrokerPercentage() {
        return (Integer) get(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE);
    }

    public int numIoThreads() {
        return (Integer) get(NUM_IO_THREADS);
    }

    public int maxConcurrentStreamsPerConnection() {
        return (Integer) get(MAX_CONCURRENT_STREAMS_PER_CONNECTION);
    }

    public int maxInflightProduceRequestsPerStream() {
        return (Integer) get(MAX_INFLIGHT_PRODUCE_REQUESTS_PER_STREAM);
    }

    public int fetchSessionMaxCredits() {
        return (Integer) get(FETCH_SESSION_MAX_CREDITS);
    }

    public int fetchMaxWaitMsLimit() {
        return (Integer) get(FETCH_MAX_WAIT_MS_LIMIT);
    }

    public long grpcKeepaliveTimeMs() {
        return (Long) get(GRPC_KEEPALIVE_TIME_MS);
    }

    public long controlledShutdownTimeoutMs() {
        return (Long) get(CONTROLLED_SHUTDOWN_TIMEOUT_MS);
    }

    public int offsetsTopicNumPartitions() {
        return (Integer) get(OFFSETS_TOPIC_NUM_PARTITIONS);
    }

    public int offsetsTopicReplicationFactor() {
        return (Integer) get(OFFSETS_TOPIC_REPLICATION_FACTOR);
    }

    public int offsetsTopicSegmentBytes() {
        return (Integer) get(OFFSETS_TOPIC_SEGMENT_BYTES);
    }

    public int offsetsCommitTimeoutMs() {
        return (Integer) get(OFFSETS_COMMIT_TIMEOUT_MS);
    }

    public int offsetsLoadBufferSize() {
        return (Integer) get(OFFSETS_LOAD_BUFFER_SIZE);
    }

    public long offsetsRetentionMs() {
        return (Integer) get(OFFSETS_RETENTION_MINUTES) * 60_000L;
    }

    public long offsetsRetentionCheckIntervalMs() {
        return (Long) get(OFFSETS_RETENTION_CHECK_INTERVAL_MS);
    }

    public int offsetMetadataMaxBytes() {
        return (Integer) get(OFFSET_METADATA_MAX_BYTES);
    }

    public int groupMinSessionTimeoutMs() {
        return (Integer) get(GROUP_MIN_SESSION_TIMEOUT_MS);
    }

    public int groupMaxSessionTimeoutMs() {
        return (Integer) get(GROUP_MAX_SESSION_TIMEOUT_MS);
    }

    public int groupInitialRebalanceDelayMs() {
        return (Integer) get(GROUP_INITIAL_REBALANCE_DELAY_MS);
    }

    public int groupMaxSize() {
        return (Integer) get(GROUP_MAX_SIZE);
    }

    public int groupConsumerHeartbeatIntervalMs() {
        return (Integer) get(GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS);
    }

    public long retentionCheckIntervalMs() {
        return (Long) get(LOG_RETENTION_CHECK_INTERVAL_MS);
    }

    public long flushSchedulerIntervalMs() {
        return (Long) get(LOG_FLUSH_SCHEDULER_INTERVAL_MS);
    }

    public long flushOffsetCheckpointIntervalMs() {
        return (Long) get(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS);
    }

    public boolean flushBeforeAck() {
        return (Boolean) get(LOG_FLUSH_BEFORE_ACK_ENABLE);
    }

    /** The log.cleaner.* settings of the compaction threads. */
    public LogCleaner.Config logCleanerConfig() {
        return new LogCleaner.Config((Boolean) get(LOG_CLEANER_ENABLE), (Integer) get(LOG_CLEANER_THREADS),
                (Long) get(LOG_CLEANER_DEDUPE_BUFFER_SIZE), (Integer) get(LOG_CLEANER_IO_BUFFER_SIZE),
                (Double) get(LOG_CLEANER_IO_MAX_BYTES_PER_SECOND), (Long) get(LOG_CLEANER_BACKOFF_MS));
    }

    /**
     * The broker's log.* settings under their topic-level names: what a topic without overrides gets, and the base
     * onto which a topic's overrides are laid.
     */
    public Map<String, Object> topicDefaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put(LogConfig.SEGMENT_BYTES, get(LOG_SEGMENT_BYTES));
        Long rollMs = (Long) get(LOG_ROLL_MS);
        d.put(LogConfig.SEGMENT_MS, rollMs != null ? rollMs : ((Integer) get(LOG_ROLL_HOURS)) * 3_600_000L);
        d.put(LogConfig.RETENTION_MS, retentionMs());
        d.put(LogConfig.RETENTION_BYTES, get(LOG_RETENTION_BYTES));
        d.put(LogConfig.INDEX_INTERVAL_BYTES, get(LOG_INDEX_INTERVAL_BYTES));
        d.put(LogConfig.SEGMENT_INDEX_BYTES, get(LOG_INDEX_SIZE_MAX_BYTES));
        d.put(LogConfig.FLUSH_MESSAGES, get(LOG_FLUSH_INTERVAL_MESSAGES));
        d.put(LogConfig.FLUSH_MS, get(LOG_FLUSH_INTERVAL_MS));
        d.put(LogConfig.MAX_MESSAGE_BYTES, get(MESSAGE_MAX_BYTES));
        d.put(LogConfig.MESSAGE_TIMESTAMP_TYPE, get(LOG_MESSAGE_TIMESTAMP_TYPE));
        d.put(LogConfig.MIN_IN_SYNC_REPLICAS, get(MIN_INSYNC_REPLICAS));
        d.put(LogConfig.UNCLEAN_LEADER_ELECTION_ENABLE, get(UNCLEAN_LEADER_ELECTION_ENABLE));
        d.put(LogConfig.FILE_DELETE_DELAY_MS, get(LOG_SEGMENT_DELETE_DELAY_MS));
        d.put(LogConfig.PRODUCER_ID_EXPIRATION_MS, get(PRODUCER_ID_EXPIRATION_MS));
        d.put(LogConfig.CLEANUP_POLICY, get(LOG_CLEANUP_POLICY));
        d.put(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, get(LOG_CLEANER_MIN_CLEANABLE_RATIO));
        d.put(LogConfig.DELETE_RETENTION_MS, get(LOG_CLEANER_DELETE_RETENTION_MS));
        d.put(LogConfig.MIN_COMPACTION_LAG_MS, get(LOG_CLEANER_MIN_COMPACTION_LAG_MS));
        d.put(LogConfig.MAX_COMPACTION_LAG_MS, get(LOG_CLEANER_MAX_COMPACTION_LAG_MS));
        return d;
    }

    private long retentionMs() {
        Long ms = (Long) get(LOG_RETENTION_MS);
        if (ms != null) {
            return ms;
        }
        Integer minutes = (Integer) get(LOG_RETENTION_MINUTES);
        if (minutes != null) {
            return minutes < 0 ? -1L : minutes * 60_000L;
        }
        int hours = (Integer) get(LOG_RETENTION_HOURS);
        return hours < 0 ? -1L : hours * 3_600_000L;
    }

    /** A topic's log settings: the broker defaults with the topic's overrides on top. */
    public LogConfig logConfigFor(Map<String, String> topicOverrides) {
        Map<String, Object> merged = new LinkedHashMap<>(topicDefaults());
        merged.putAll(topicOverrides);
        return LogConfig.fromProps(merged);
    }

    public LogConfig defaultLogConfig() {
        return LogConfig.fromProps(topicDefaults());
    }
}
