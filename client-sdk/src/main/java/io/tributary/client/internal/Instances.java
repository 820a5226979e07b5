package io.tributary.client.internal;

import io.tributary.api.config.ConfigException;

import java.lang.reflect.InvocationTargetException;

/** Creates plug-ins (serializers, partitioners) named in configuration. Stateless and thread-safe. */
public final class Instances {
    private Instances() {
    }

    @SuppressWarnings("unchecked")
    public static <T> T create(String className, Class<?> type, String configKey) {
        if (className == null || className.isBlank()) {
            throw new ConfigException("missing configuration key '" + configKey + "': name a " + type.getSimpleName()
                    + " class or pass an instance to the constructor");
        }
        try {
            Class<?> c = Class.forName(className.trim());
            if (!type.isAssignableFrom(c)) {
                throw new ConfigException("invalid value '" + className + "' for configuration key '" + configKey
                        + "': not a " + type.getName());
            }
            return (T) c.getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new ConfigException("invalid value '" + className + "' for configuration key '" + configKey + "': class not found");
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new ConfigException("invalid value '" + className + "' for configuration key '" + configKey
                    + "': cannot instantiate (" + e + ")");
        }
    }
}
