package io.tributary.coordination;

import io.tributary.api.TopicPartition;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Owns every ZooKeeper path Tributary uses (SPEC §2), all under one chroot (default {@value #DEFAULT_CHROOT}).
 * Paths are absolute ZooKeeper paths including the chroot, so what the code writes is exactly what an operator
 * types into zkCli. The inverse {@code parse*} methods let caches map a changed path back to what it means.
 *
 * <pre>
 * {chroot}/cluster/id                                     {"version":1,"id":..}
 * {chroot}/brokers/ids/{id}                               ephemeral broker registration
 * {chroot}/brokers/topics/{topic}                         replica assignment
 * {chroot}/brokers/topics/{topic}/partitions/{p}/state    leader, leader_epoch, isr, controller_epoch
 * {chroot}/controller                                     ephemeral {"version":1,"brokerid":..,"timestamp":..}
 * {chroot}/controller_epoch                               plain integer
 * {chroot}/config/topics/{topic}, /config/brokers/{id}    {"version":1,"config":{..}}
 * {chroot}/config/users/{user, URL-encoded}              {"version":1,"config":{"SCRAM-SHA-512":"salt=..,stored_key=..,server_key=..,iterations=.."}}
 * {chroot}/config/changes/config_change_{seq}             change notifications
 * {chroot}/admin/delete_topics/{topic}                    deletion requests
 * {chroot}/admin/reassign_partitions                      the (single) reassignment request
 * {chroot}/admin/preferred_replica_election               the (single) preferred-leader election request
 * {chroot}/isr_change_notification                        reserved; see PartitionStateStore for how ISR changes travel
 * {chroot}/kafka-acl/{ResourceType}/{name}               LITERAL ACLs {"version":1,"acls":[{"principal":..,"permissionType":..,"operation":..,"host":..}]}
 * {chroot}/kafka-acl-extended/prefixed/{ResourceType}/{name}  PREFIXED ACLs, same document
 * {chroot}/kafka-acl-changes/acl_changes_{seq}            LITERAL ACL change: TOPIC:orders
 * {chroot}/kafka-acl-extended-changes/acl_changes_{seq}   PREFIXED ACL change: {"version":1,"resourceType":"TOPIC","name":..,"patternType":"PREFIXED"}
 * {chroot}/latest_producer_id_block                       {"version":1,"broker":..,"block_start":..,"block_end":..}
 * </pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ZkLayout {
    public static final String DEFAULT_CHROOT = "/tributary";
    static final String CONFIG_CHANGE_PREFIX = "config_change_";
    /** Kafka's prefix for the sequential znodes under both ACL change parents. */
    public static final String ACL_CHANGE_PREFIX = "acl_changes_";

    private final String root;

    public ZkLayout(String chroot) {
        this.root = normalizeChroot(chroot);
    }

    public static ZkLayout defaultLayout() {
        return new ZkLayout(DEFAULT_CHROOT);
    }

    static String normalizeChroot(String chroot) {
        Objects.requireNonNull(chroot, "chroot");
        String c = chroot.trim();
        if (c.isEmpty() || c.equals("/")) {
            return "";
        }
        if (!c.startsWith("/")) {
            throw new IllegalArgumentException("chroot must start with '/': " + chroot);
        }
        while (c.endsWith("/")) {
            c = c.substring(0, c.length() - 1);
        }
        return c;
    }

    /** The chroot itself ({@code "/"} when there is none). */
    public String root() {
        return root.isEmpty() ? "/" : root;
    }

    public String clusterIdPath() {
        return root + "/cluster/id";
    }

    public String brokersPath() {
        return root + "/brokers";
    }

    public String brokerIdsPath() {
        return root + "/brokers/ids";
    }

    public String brokerPath(int brokerId) {
        return brokerIdsPath() + "/" + brokerId;
    }

    public String topicsPath() {
        return root + "/brokers/topics";
    }

    public String topicPath(String topic) {
        return topicsPath() + "/" + topic;
    }

    public String partitionsPath(String topic) {
        return topicPath(topic) + "/partitions";
    }

    public String partitionPath(TopicPartition tp) {
        return partitionsPath(tp.topic()) + "/" + tp.partition();
    }

    public String partitionStatePath(TopicPartition tp) {
        return partitionPath(tp) + "/state";
    }

    /** The last block of producer ids handed to a broker; brokers claim the next block by compare-and-set. */
    public String producerIdBlockPath() {
        return root + "/latest_producer_id_block";
    }

    public String controllerPath() {
        return root + "/controller";
    }

    public String controllerEpochPath() {
        return root + "/controller_epoch";
    }

    public String configPath() {
        return root + "/config";
    }

    public String topicConfigsPath() {
        return root + "/config/topics";
    }

    public String topicConfigPath(String topic) {
        return topicConfigsPath() + "/" + topic;
    }

    public String brokerConfigsPath() {
        return root + "/config/brokers";
    }

    public String brokerConfigPath(int brokerId) {
        return brokerConfigsPath() + "/" + brokerId;
    }

    public String userConfigsPath() {
        return root + "/config/users";
    }

    /** A user's znode: the name URL-encoded as Kafka's Sanitizer does (so "User:CN=a,O=b" is one path segment). */
    public String userConfigPath(String user) {
        return userConfigsPath() + "/" + sanitize(user);
    }

    static String sanitize(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
    }

    static String desanitize(String segment) {
        return URLDecoder.decode(segment, StandardCharsets.UTF_8);
    }

    public String configChangesPath() {
        return root + "/config/changes";
    }

    /** Prefix for sequential change-notification znodes. */
    public String configChangePrefixPath() {
        return configChangesPath() + "/" + CONFIG_CHANGE_PREFIX;
    }

    /** LITERAL ACLs, as Kafka's ZooKeeper authorizer lays them out: {@code kafka-acl/<ResourceType>/<name>}. */
    public String literalAclsPath() {
        return root + "/kafka-acl";
    }

    /** Parent of the non-literal ACL trees (Kafka's KIP-290 "extended" ACLs). */
    public String extendedAclsPath() {
        return root + "/kafka-acl-extended";
    }

    /** PREFIXED ACLs: {@code kafka-acl-extended/prefixed/<ResourceType>/<name>}. */
    public String prefixedAclsPath() {
        return extendedAclsPath() + "/prefixed";
    }

    /** Change notifications for LITERAL ACLs ({@code acl_changes_<seq>}, data {@code TOPIC:orders}). */
    public String literalAclChangesPath() {
        return root + "/kafka-acl-changes";
    }

    /** Change notifications for PREFIXED ACLs ({@code acl_changes_<seq>}, data a JSON change event). */
    public String extendedAclChangesPath() {
        return root + "/kafka-acl-extended-changes";
    }

    public String adminPath() {
        return root + "/admin";
    }

    public String deleteTopicsPath() {
        return root + "/admin/delete_topics";
    }

    public String deleteTopicPath(String topic) {
        return deleteTopicsPath() + "/" + topic;
    }

    public String reassignPartitionsPath() {
        return root + "/admin/reassign_partitions";
    }

    public String preferredReplicaElectionPath() {
        return root + "/admin/preferred_replica_election";
    }

    public String isrChangeNotificationPath() {
        return root + "/isr_change_notification";
    }

    /** Persistent containers created once at bootstrap so that every later write can assume its parent exists. */
    public List<String> persistentPaths() {
        return List.of(brokerIdsPath(), topicsPath(), topicConfigsPath(), brokerConfigsPath(), userConfigsPath(), configChangesPath(),
                deleteTopicsPath(), isrChangeNotificationPath(), root + "/cluster", literalAclsPath(), prefixedAclsPath(),
                literalAclChangesPath(), extendedAclChangesPath());
    }

    /**
     * Whether a znode holds secrets (SCRAM credentials under {@code /config/users}; {@code /config/brokers}, where
     * Kafka keeps dynamic broker configs that may carry passwords): with {@code zookeeper.set.acl} such znodes are
     * readable by the brokers' identity only, not by the world. Kafka's {@code ZkData.SensitiveRootPaths}.
     */
    public boolean isSensitivePath(String path) {
        return isAtOrUnder(userConfigsPath(), path) || isAtOrUnder(brokerConfigsPath(), path);
    }

    private static boolean isAtOrUnder(String parent, String path) {
        return path != null && (path.equals(parent) || path.startsWith(parent + "/"));
    }

    /** The broker id if {@code path} is a broker registration. */
    public OptionalInt parseBrokerPath(String path) {
        String rest = childOf(brokerIdsPath(), path);
        if (rest == null || rest.contains("/")) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(rest));
        } catch (NumberFormatException notAnId) {
            return OptionalInt.empty();
        }
    }

    /** The topic if {@code path} is a topic's assignment znode. */
    public Optional<String> parseTopicPath(String path) {
        String rest = childOf(topicsPath(), path);
        return rest == null || rest.contains("/") ? Optional.empty() : Optional.of(rest);
    }

    /** The partition if {@code path} is a partition state znode. */
    public Optional<TopicPartition> parsePartitionStatePath(String path) {
        String rest = childOf(topicsPath(), path);
        if (rest == null) {
            return Optional.empty();
        }
        String[] parts = rest.split("/");
        if (parts.length != 4 || !parts[1].equals("partitions") || !parts[3].equals("state")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TopicPartition(parts[0], Integer.parseInt(parts[2])));
        } catch (IllegalArgumentException notAPartition) {
            return Optional.empty();
        }
    }

    /** The topic if {@code path} is a topic config znode. */
    public Optional<String> parseTopicConfigPath(String path) {
        String rest = childOf(topicConfigsPath(), path);
        return rest == null || rest.contains("/") ? Optional.empty() : Optional.of(rest);
    }

    /** The topic if {@code path} is a topic deletion request. */
    public Optional<String> parseDeleteTopicPath(String path) {
        String rest = childOf(deleteTopicsPath(), path);
        return rest == null || rest.contains("/") ? Optional.empty() : Optional.of(rest);
    }

    private static String childOf(String parent, String path) {
        if (path == null || !path.startsWith(parent + "/")) {
            return null;
        }
        String rest = path.substring(parent.length() + 1);
        return rest.isEmpty() ? null : rest;
    }

    @Override
    public String toString() {
        return "ZkLayout[" + root() + "]";
    }
}
