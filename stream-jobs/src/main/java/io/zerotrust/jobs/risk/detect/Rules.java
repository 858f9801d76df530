package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.Severity;

/** Small rules every detector shares. */
public final class Rules {

    /** Weight of the newest period in the detectors' exponentially weighted baselines. */
    public static final double ALPHA = 0.1;

    private Rules() {
    }

    /** The anomaly severity of a finding from the points it adds to its entity's risk. */
    public static Severity severityOf(double points) {
        if (points >= 75) {
            return Severity.CRITICAL;
        }
        if (points >= 50) {
            return Severity.HIGH;
        }
        if (points >= 25) {
            return Severity.MEDIUM;
        }
        return points >= 10 ? Severity.LOW : Severity.INFO;
    }

    /** True while a detector that fired at {@code lastFiredAt} stays quiet for the same entity. */
    public static boolean coolingDown(long lastFiredAt, long time, long cooldownMs) {
        return lastFiredAt > 0 && time >= lastFiredAt && time - lastFiredAt < cooldownMs;
    }

    /** True once an entity has been observed long enough and often enough for its baseline to speak. */
    public static boolean warmedUp(long firstSeen, long observations, long time, long minObservations, long minAgeMs) {
        return firstSeen > 0 && observations >= minObservations && time - firstSeen >= minAgeMs;
    }

    static String round(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
