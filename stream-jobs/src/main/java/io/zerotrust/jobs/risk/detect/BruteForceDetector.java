package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.WindowState;
import java.util.Map;
import java.util.Optional;

/**
 * Brute force: many failed authentications for one user, or from one source address, within a sliding window. The
 * threshold is the larger of a floor ({@code brute_force.failures}) and the entity's own usual failures per window
 * plus {@code k} standard deviations, learned once {@code brute_force.warmup_periods} windows were seen, so a
 * shared NAT address that always has some failures is judged against itself.
 */
public final class BruteForceDetector extends WindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "brute_force";

    private final long windowMs;
    private final double floor;
    private final double k;
    private final long warmupPeriods;
    private final double points;
    private final long cooldownMs;

    public BruteForceDetector(EntityType type, DetectorParams p) {
        super(NAME, type);
        if (type != EntityType.USER && type != EntityType.IP) {
            throw new IllegalArgumentException("brute force watches users or source addresses, not " + type);
        }
        this.windowMs = p.minutesMs("brute_force.window_minutes");
        this.floor = p.get("brute_force.failures");
        this.k = p.get("brute_force.k");
        this.warmupPeriods = (long) p.get("brute_force.warmup_periods");
        this.points = p.get("brute_force.points");
        this.cooldownMs = p.cooldownMs();
    }

    /** The rule: at least {@code threshold} failures in the window. */
    public static boolean isBruteForce(int failuresInWindow, double threshold) {
        return failuresInWindow >= threshold;
    }

    @Override
    public Optional<Finding> observe(WindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        Baselines.advance(s.getBaseline(), t, windowMs, Rules.ALPHA, 10_000);
        if (!Entities.authFailed(e)) {
            return Optional.empty();
        }
        Baselines.count(s.getBaseline(), 1);
        String target = type == EntityType.USER ? Entities.sourceIp(e) : Entities.user(e);
        Windows.add(s.getWindow(), t, target == null ? "?" : target, e.getEventId(), windowMs, 10_000);
        int failures = Windows.size(s.getWindow());
        // the baseline excludes the period under way, which is what is being judged
        double threshold = Baselines.threshold(s.getBaseline(), k, floor, warmupPeriods);
        if (!isBruteForce(failures, threshold) || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        String reason = e.getAuth().getFailureReason();
        return Optional.of(new Finding(Rules.severityOf(points), points,
                failures + " failed authentications " + (type == EntityType.USER ? "for this user" : "from this address")
                        + " in " + windowMs / 60_000 + " min (threshold " + Rules.round(threshold) + ", from "
                        + Windows.distinct(s.getWindow()) + (type == EntityType.USER ? " source(s)" : " user(s)")
                        + (reason == null ? "" : "; last failure: " + reason) + ")",
                (double) failures, threshold, Windows.start(s.getWindow()), t,
                Windows.lastEvidence(s.getWindow(), 20), Map.of("window_minutes", Long.toString(windowMs / 60_000))));
    }
}
