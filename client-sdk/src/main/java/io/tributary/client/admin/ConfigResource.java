package io.tributary.client.admin;

/** A topic or a broker (by id) whose configuration is described or altered. Immutable. */
public record ConfigResource(Type type, String name) {
    public enum Type { TOPIC, BROKER }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }

    public static ConfigResource broker(int id) {
        return new ConfigResource(Type.BROKER, Integer.toString(id));
    }
}
