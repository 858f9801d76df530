package io.zerotrust.gateway.decisions;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-entity token buckets for THROTTLE decisions: an entity may start {@code rate} requests per second, with bursts
 * up to one second's worth (at least one).
 */
public final class Throttle {

    private static final class Bucket {
        double tokens;
        long lastMs;
    }

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Takes a token from {@code entity}'s bucket; false when the entity is over its rate. */
    public boolean tryAcquire(String entity, double ratePerSecond, long nowMs) {
        double capacity = Math.max(1.0, ratePerSecond);
        Bucket b = buckets.computeIfAbsent(entity, e -> {
            Bucket nb = new Bucket();
            nb.tokens = capacity;
            nb.lastMs = nowMs;
            return nb;
        });
        synchronized (b) {
            b.tokens = Math.min(capacity, b.tokens + (nowMs - b.lastMs) * ratePerSecond / 1000.0);
            b.lastMs = Math.max(b.lastMs, nowMs);
            if (b.tokens >= 1.0) {
                b.tokens -= 1.0;
                return true;
            }
            return false;
        }
    }
}
