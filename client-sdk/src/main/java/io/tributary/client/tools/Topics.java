package io.tributary.client.tools;

import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.config.AdminConfig;
import io.tributary.client.tools.ToolCommand.ToolException;

import java.util.HashMap;
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
            if (!admin.listTopics(true).contains(topic)) {
                throw new ToolException("unknown topic '" + topic + "': it does not exist on the cluster at " + clientProps.get("bootstrap.servers"));
            }
        }
    }
}
