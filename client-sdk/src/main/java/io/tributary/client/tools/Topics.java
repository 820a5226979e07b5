package io.tributary.client.tools;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.client.admin.TopicDescription;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.AdminConfig;
import io.tributary.client.tools.ToolCommand.ToolException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a tool's topic exists before doing anything, so a typo fails at once with a clear reason.
 *
 * <p>Stateless and thread-safe.
 */
final class Topics {
    private Topics() {
    }

    /**
     * @param clientProps the producer's or consumer's properties: the admin client used for the check takes every key
     *                    it shares with them (addresses, timeouts, security.protocol and ssl.*)
     */
    static void requireExists(Map<String, Object> clientProps, String topic) {
        Map<String, Object> adminProps = new HashMap<>(ToolDefaults.ADMIN);
        clientProps.forEach((key, value) -> {
            if (AdminConfig.CONFIG.names().contains(key)) {
                adminProps.put(key, value);
            }
        });
        try (TributaryAdmin admin = new TributaryAdmin(adminProps)) {
            if (admin.listTopics(true).contains(topic)) {
                return;
            }
            // The list leaves out topics the caller may not Describe (as Kafka's does): ask for this one by name, so a
            // missing right is told as such (TOPIC_AUTHORIZATION_FAILED) rather than as a missing topic.
            TopicDescription d;
            try {
                d = admin.describeTopics(List.of(topic)).get(topic);
            } catch (TributaryException e) {
                if (e.error() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                    throw new ToolException(e.getMessage());
                }
                d = null;
            }
            if (d != null && d.error() != null && d.error().error() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                throw new ToolException(d.error().getMessage());
            }
            if (d == null || d.error() != null) {
                throw new ToolException("unknown topic '" + topic + "': it does not exist on the cluster at " + clientProps.get("bootstrap.servers"));
            }
        }
    }
}
