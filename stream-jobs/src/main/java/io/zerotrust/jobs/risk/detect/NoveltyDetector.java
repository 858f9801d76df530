package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SeenState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Something a user has not used before: a device, a country, a destination. The user's set of known things is
 * learned online, with when each was last used; once the user has been observed for {@code <name>.warmup_hours} and
 * {@code <name>.warmup_observations} events, a thing outside the set fires (and joins the set, so it fires once).
 * Things unused for longer than the memory ({@code forgetAfterMs}, if any) are forgotten (to the hour: when a thing
 * was last used is refreshed hourly); at most 500 are kept.
 * After firing, the detector stays quiet for the cooldown ({@code all.cooldown_minutes}) while further new things
 * join the set, so a burst of new destinations is one finding (fan-out judges the burst), not one per destination.
 */
public abstract class NoveltyDetector implements Detector<SeenState> {

    private static final long serialVersionUID = 1L;
    static final int MAX_KNOWN = 500;
    /**
     * When a known thing was last used is refreshed at most hourly: forgetting works in days, and a write per event
     * would put a new object into long-lived state each time (a card for the next young collection to scan).
     */
    static final long REFRESH_MS = 3_600_000L;

    private final String name;
    private final long warmupObservations;
    private final long warmupMs;
    private final double points;
    private final long forgetAfterMs;
    private final long cooldownMs;

    protected NoveltyDetector(String name, DetectorParams p, long forgetAfterMs) {
        this.name = name;
        this.warmupObservations = (long) p.get(name + ".warmup_observations");
        this.warmupMs = p.hoursMs(name + ".warmup_hours");
        this.points = p.get(name + ".points");
        this.forgetAfterMs = forgetAfterMs;
        this.cooldownMs = p.cooldownMs();
    }

    /** The thing this event shows the user using, or null if the event does not count. */
    protected abstract String thingOf(ConnectionEvent e);

    /** How a finding describes the new thing, e.g. "new device laptop-9". */
    protected abstract String describe(String thing, int known);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final EntityType entityType() {
        return EntityType.USER;
    }

    @Override
    public final String entityOf(ConnectionEvent event) {
        return Entities.user(event);
    }

    @Override
    public final Class<SeenState> stateClass() {
        return SeenState.class;
    }

    @Override
    public final SeenState newState() {
        return SeenState.newBuilder().setLastSeen(new HashMap<>()).build();
    }

    /** The rule: a thing outside the known set, once the user's history is long enough to know. */
    public static boolean isNovel(boolean known, boolean warmedUp) {
        return warmedUp && !known;
    }

    @Override
    public final Optional<Finding> observe(SeenState s, ConnectionEvent e) {
        String thing = thingOf(e);
        if (thing == null) {
            return Optional.empty();
        }
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0 || t < s.getFirstSeen()) {
            s.setFirstSeen(t);
        }
        if (!(s.getLastSeen() instanceof HashMap)) {
            s.setLastSeen(new HashMap<>(s.getLastSeen()));
        }
        Map<String, Long> seen = s.getLastSeen();
        if (forgetAfterMs > 0) {
            seen.values().removeIf(last -> last < t - forgetAfterMs);
        }
        Long last = seen.get(thing);
        boolean warmedUp = Rules.warmedUp(s.getFirstSeen(), s.getObservations(), t, warmupObservations, warmupMs);
        Optional<Finding> finding = Optional.empty();
        if (isNovel(last != null, warmedUp) && !Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            finding = Optional.of(new Finding(Rules.severityOf(points), points,
                    describe(thing, seen.size()) + " after " + s.getObservations() + " events over "
                            + (t - s.getFirstSeen()) / 3_600_000 + " h",
                    null, (double) seen.size(), null, t, List.of(e.getEventId()), Map.of("new", thing)));
            s.setLastFiredAt(t);
        }
        if (last == null || t >= last + REFRESH_MS) {
            seen.put(thing, t);
        }
        if (seen.size() > MAX_KNOWN) {
            String oldest = seen.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            seen.remove(oldest);
        }
        s.setObservations(s.getObservations() + 1);
        return finding;
    }
}
