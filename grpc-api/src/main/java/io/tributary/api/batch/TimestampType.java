package io.tributary.api.batch;

/** Whose clock a batch's timestamps come from: the producer's ({@code CreateTime}) or the broker's ({@code LogAppendTime}). */
public enum TimestampType {
    CREATE_TIME("CreateTime"),
    LOG_APPEND_TIME("LogAppendTime");

    private final String configName;

    TimestampType(String configName) {
        this.configName = configName;
    }

    /** The value of the {@code message.timestamp.type} setting. */
    public String configName() {
        return configName;
    }

    public static TimestampType forConfigName(String name) {
        for (TimestampType t : values()) {
            if (t.configName.equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown message.timestamp.type '" + name + "': expected CreateTime or LogAppendTime");
    }
}
