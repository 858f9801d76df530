package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SlowWindowState;

/**
 * What the long-window detectors share (slow brute force, slow password spray, slow port scan, slow fan-out,
 * distributed brute force): their name, the entity they watch, their state, a {@link SlowWindowState} whose size does
 * not grow with the event rate, and their cooldown. A long window stays above its threshold for a long time once an
 * attack has filled it, so it stays quiet for a sixth of its window after firing (an hour of a 6-hour window; never
 * less than {@code all.cooldown_minutes}): while the attack goes on it fires about once an hour, which renews the
 * policy's decision rather than piling up points.
 */
public abstract class SlowWindowDetector implements Detector<SlowWindowState> {

    private static final long serialVersionUID = 1L;

    private final String name;
    protected final EntityType type;

    protected SlowWindowDetector(String name, EntityType type) {
        this.name = name;
        this.type = type;
    }

    /** How long a long window of {@code windowMs} stays quiet after firing. */
    public static long cooldownMs(long windowMs, DetectorParams p) {
        return Math.max(p.cooldownMs(), windowMs / 6);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final EntityType entityType() {
        return type;
    }

    @Override
    public String entityOf(ConnectionEvent event) {
        return Entities.of(type, event);
    }

    @Override
    public final Class<SlowWindowState> stateClass() {
        return SlowWindowState.class;
    }

    @Override
    public final SlowWindowState newState() {
        return SlowWindows.empty();
    }
}
