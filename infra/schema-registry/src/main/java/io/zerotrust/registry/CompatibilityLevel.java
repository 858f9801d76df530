package io.zerotrust.registry;

import java.util.Locale;

/**
 * The compatibility levels of the Confluent Schema Registry. BACKWARD means consumers using the new schema can read
 * data written with the old one; FORWARD the reverse; FULL both. The transitive variants check against every earlier
 * version instead of only the latest.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    final boolean backward;
    final boolean forward;
    final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** Parses a level name case-insensitively; throws with the accepted names when it is unknown. */
    public static CompatibilityLevel parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("compatibility level is missing; use one of " + names());
        }
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown compatibility level '" + name + "'; use one of " + names(), e);
        }
    }

    private static String names() {
        return java.util.Arrays.toString(values());
    }
}
