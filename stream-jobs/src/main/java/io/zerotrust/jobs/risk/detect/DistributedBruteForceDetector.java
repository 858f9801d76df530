package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SlowWindowState;
import java.util.Map;
import java.util.Optional;

/**
 * Distributed brute force: many source addresses each failing a little against one destination service, too few per
 * source for {@link BruteForceDetector} or {@link PasswordSprayDetector} (both judge one source). It watches the
 * destination ({@code service:<name>}) and only failed authentications ({@link #targetOf}). The threshold on the
 * distinct failing sources within {@code distributed_brute_force.window_minutes} (2 h) is the larger of
 * {@code distributed_brute_force.sources} and the service's usual distinct failing sources per window plus
 * {@code distributed_brute_force.k} deviations, once {@code distributed_brute_force.warmup_periods} windows were seen:
 * a busy service whose users mistype every day is judged against itself.
 */
public final class DistributedBruteForceDetector extends SlowWindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "distributed_brute_force";

    private final long windowMs;
    private final double floor;
    private final double k;
    private final long warmupPeriods;
    private final double points;
    private final long cooldownMs;

    public DistributedBruteForceDetector(DetectorParams p) {
        super(NAME, EntityType.SERVICE);
        this.windowMs = p.minutesMs("distributed_brute_force.window_minutes");
        this.floor = p.get("distributed_brute_force.sources");
        this.k = p.get("distributed_brute_force.k");
        this.warmupPeriods = (long) p.get("distributed_brute_force.warmup_periods");
        this.points = p.get("distributed_brute_force.points");
        this.cooldownMs = cooldownMs(windowMs, p);
    }

    /** The destination service a failed authentication was against, or null for any other event. */
    public static String targetOf(ConnectionEvent e) {
        return Entities.authFailed(e) ? Entities.service(e) : null;
    }

    /** The rule: at least {@code threshold} distinct sources failed against the service in the window. */
    public static boolean isDistributed(int distinctSources, double threshold) {
        return distinctSources >= threshold;
    }

    @Override
    public String entityOf(ConnectionEvent event) {
        return targetOf(event);
    }

    @Override
    public Optional<Finding> observe(SlowWindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        Baselines.advance(s.getBaseline(), t, windowMs, Rules.ALPHA, 10_000);
        if (targetOf(e) == null) {
            return Optional.empty();
        }
        String source = Entities.sourceIp(e);
        source = source == null ? "?" : source;
        if (s.getBaseline().getPeriodKeys().size() < SlowWindows.MAX_DISTINCT) {
            Baselines.countDistinct(s.getBaseline(), source);
        }
        SlowWindows.count(s, t, windowMs);
        SlowWindows.addDistinct(s, t, source, e.getEventId(), windowMs);
        int sources = Windows.size(s.getDistinct());
        double threshold = Baselines.threshold(s.getBaseline(), k, floor, warmupPeriods);
        if (!isDistributed(sources, threshold) || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        long failures = SlowWindows.total(s);
        return Optional.of(new Finding(Rules.severityOf(points), points,
                "distributed brute force: " + sources + " source addresses failed to authenticate against this "
                        + "service in " + SlowWindows.describe(windowMs) + " (" + failures + " failures, about "
                        + Rules.round(Math.round(10.0 * failures / sources) / 10.0) + " per source; threshold "
                        + Rules.round(threshold) + ", usual " + Rules.round(s.getBaseline().getMean()) + " per "
                        + SlowWindows.describe(windowMs) + ")",
                (double) sources, threshold, Windows.start(s.getDistinct()), t,
                Windows.lastEvidence(s.getDistinct(), SlowWindows.EVIDENCE),
                Map.of("window", "slow", "window_minutes", Long.toString(windowMs / 60_000),
                        "sources", String.valueOf(sources))));
    }
}
