package io.zerotrust.schemas.topics;

/** Kafka's {@code cleanup.policy}: DELETE keeps records for a retention period, COMPACT keeps the latest per key. */
public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact");

    private final String config;

    CleanupPolicy(String config) {
        this.config = config;
    }

    /** The value of the topic config {@code cleanup.policy}. */
    public String config() {
        return config;
    }
}
