package io.tributary.client.tools;

import io.tributary.client.admin.TributaryAdmin;
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

    static void requireExists(Map<String, Object> clientProps, String topic) {
        Map<String, Object> adminProps = new HashMap<>(ToolDefaults.ADMIN);
        for (String key : new String[] {"bootstrap.servers", "request.timeout.ms", "client.id", "retry.backoff.ms"}) {
            if (clientProps.containsKey(key)) {
                adminProps.put(key, clientProps.get(key));
            }
        }
        try (TributaryAdmin admin = new TributaryAdmin(adminProps)) {
            if (!admin.listTopics(true).contains(topic)) {
                throw new ToolException("unknown topic '" + topic + "': it does not exist on the cluster at " + clientProps.get("bootstrap.servers"));
            }
        }
    }
}
