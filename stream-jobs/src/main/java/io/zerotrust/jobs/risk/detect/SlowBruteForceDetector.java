package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SlowWindowState;
import java.util.Map;
import java.util.Optional;

/**
 * Slow brute force: failed authentications for one user, or from one source address, spread over hours, a few per
 * short window so that {@link BruteForceDetector} stays quiet. Counts failures in 5-minute buckets over
 * {@code brute_force.slow.window_minutes} (6 h); the threshold is the larger of {@code brute_force.slow.failures}
 * and the entity's usual failures per long window plus {@code brute_force.slow.k} deviations, once
 * {@code brute_force.slow.warmup_periods} long windows were seen. Per user this is also the distributed brute force
 * against one account: the failures are counted whichever sources they come from, and the finding says how many.
 *
 * <p>A mistyped password corrected at once is not an attack: a failure followed within
 * {@link #CORRECTED_WITHIN_MS} by a successful login of the same user from the same address is taken back out of the
 * count (only the newest failure, one per success). Over hours such corrections are most of a busy user's or a
 * shared address's failures; an attacker guessing a password does not log in after each guess.
 *
 * <p>A burst is the short window's: while the last short window ({@code brute_force.window_minutes}) holds at least
 * {@code brute_force.failures} failures, this one does not fire, so a fast attack is not counted twice.
 */
public final class SlowBruteForceDetector extends SlowWindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "brute_force_slow";
    /** How soon a successful login must follow a failure to correct it. */
    public static final long CORRECTED_WITHIN_MS = 60_000L;

    private final long windowMs;
    private final long shortWindowMs;
    private final double shortFloor;
    private final double floor;
    private final double k;
    private final long warmupPeriods;
    private final double points;
    private final long cooldownMs;

    public SlowBruteForceDetector(EntityType type, DetectorParams p) {
        super(NAME, type);
        if (type != EntityType.USER && type != EntityType.IP) {
            throw new IllegalArgumentException("slow brute force watches users or source addresses, not " + type);
        }
        this.windowMs = p.minutesMs("brute_force.slow.window_minutes");
        this.shortWindowMs = p.minutesMs("brute_force.window_minutes");
        this.shortFloor = p.get("brute_force.failures");
        this.floor = p.get("brute_force.slow.failures");
        this.k = p.get("brute_force.slow.k");
        this.warmupPeriods = (long) p.get("brute_force.slow.warmup_periods");
        this.points = p.get("brute_force.slow.points");
        this.cooldownMs = cooldownMs(windowMs, p);
    }

    /**
     * The rule: at least {@code threshold} failures in the long window, fewer than the short window's floor of them
     * in its last short window.
     */
    public static boolean isSlowBruteForce(long failuresInWindow, double threshold, long failuresRecently,
                                           double shortFloor) {
        return failuresInWindow >= threshold && failuresRecently < shortFloor;
    }

    /** A login at {@code t} by {@code by} takes back the newest failure if it was by the same, just before. */
    private void corrected(SlowWindowState s, long t, String by) {
        long failedAt = s.getLastFailureAt();
        if (failedAt == 0 || by == null || t < failedAt || t - failedAt > CORRECTED_WITHIN_MS
                || !by.equals(s.getLastFailureBy())) {
            return;
        }
        s.setLastFailureAt(0);
        s.setLastFailureBy("");
        if (SlowWindows.uncount(s, failedAt, windowMs) && failedAt >= s.getBaseline().getPeriodStart()) {
            Baselines.count(s.getBaseline(), -1);
        }
    }

    @Override
    public Optional<Finding> observe(SlowWindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        Baselines.advance(s.getBaseline(), t, windowMs, Rules.ALPHA, 10_000);
        String target = type == EntityType.USER ? Entities.sourceIp(e) : Entities.user(e);
        if (Entities.loggedIn(e)) {
            corrected(s, t, target);
            return Optional.empty();
        }
        if (!Entities.authFailed(e)) {
            return Optional.empty();
        }
        Baselines.count(s.getBaseline(), 1);
        SlowWindows.count(s, t, windowMs);
        s.setLastFailureAt(t);
        s.setLastFailureBy(target == null ? "" : target);
        SlowWindows.addDistinct(s, t, target == null ? "?" : target, e.getEventId(), windowMs);
        SlowWindows.addEvidence(s, e.getEventId());
        long failures = SlowWindows.total(s);
        long recent = SlowWindows.recent(s, shortWindowMs, windowMs);
        double threshold = Baselines.threshold(s.getBaseline(), k, floor, warmupPeriods);
        if (!isSlowBruteForce(failures, threshold, recent, shortFloor)
                || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        int targets = Windows.size(s.getDistinct());
        String reason = e.getAuth().getFailureReason();
        return Optional.of(new Finding(Rules.severityOf(points), points,
                "slow brute force: " + failures + " failed authentications "
                        + (type == EntityType.USER ? "for this user" : "from this address") + " in "
                        + SlowWindows.describe(windowMs) + " (threshold " + Rules.round(threshold) + ", from " + targets
                        + (type == EntityType.USER ? " source(s)" : " user(s)") + "; " + recent + " in the last "
                        + SlowWindows.describe(shortWindowMs) + ", below the short window's "
                        + Rules.round(shortFloor) + (reason == null ? "" : "; last failure: " + reason) + ")",
                (double) failures, threshold, SlowWindows.start(s), t, SlowWindows.evidence(s),
                Map.of("window", "slow", "window_minutes", Long.toString(windowMs / 60_000),
                        type == EntityType.USER ? "sources" : "users", Integer.toString(targets))));
    }
}
