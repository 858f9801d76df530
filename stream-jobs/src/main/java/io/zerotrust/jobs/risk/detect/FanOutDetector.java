package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.WindowState;
import java.util.Map;
import java.util.Optional;

/**
 * Fan-out, or lateral movement: a source address or a user reaching many distinct destinations (service or
 * host:port) within a sliding window, far above its own usual number per window. The threshold is the larger of
 * {@code fan_out.destinations} and the entity's mean distinct destinations per window plus {@code fan_out.k}
 * standard deviations, once {@code fan_out.warmup_periods} windows were seen; before that only the floor applies.
 */
public final class FanOutDetector extends WindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "fan_out";

    private final long windowMs;
    private final double floor;
    private final double k;
    private final long warmupPeriods;
    private final double points;
    private final long cooldownMs;

    public FanOutDetector(EntityType type, DetectorParams p) {
        super(NAME, type);
        if (type != EntityType.USER && type != EntityType.IP) {
            throw new IllegalArgumentException("fan-out watches users or source addresses, not " + type);
        }
        this.windowMs = p.minutesMs("fan_out.window_minutes");
        this.floor = p.get("fan_out.destinations");
        this.k = p.get("fan_out.k");
        this.warmupPeriods = (long) p.get("fan_out.warmup_periods");
        this.points = p.get("fan_out.points");
        this.cooldownMs = p.cooldownMs();
    }

    /** The rule: more distinct destinations than the threshold. */
    public static boolean isFanOut(int distinctDestinations, double threshold) {
        return distinctDestinations > threshold;
    }

    @Override
    public Optional<Finding> observe(WindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        Baselines.advance(s.getBaseline(), t, windowMs, Rules.ALPHA, 10_000);
        String dst = e.getPhase() == ConnectionPhase.CLOSE ? null : Entities.destination(e);
        if (dst == null) {
            return Optional.empty();
        }
        Baselines.countDistinct(s.getBaseline(), dst);
        Windows.addDistinct(s.getWindow(), t, dst, e.getEventId(), windowMs, 10_000);
        int distinct = Windows.size(s.getWindow());
        double threshold = Baselines.threshold(s.getBaseline(), k, floor, warmupPeriods);
        if (!isFanOut(distinct, threshold) || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        return Optional.of(new Finding(Rules.severityOf(points), points,
                distinct + " distinct destinations " + (type == EntityType.USER ? "for this user" : "from this address")
                        + " in " + windowMs / 60_000 + " min (threshold " + Rules.round(threshold) + "; usual "
                        + Rules.round(s.getBaseline().getMean()) + " per window)",
                (double) distinct, threshold, Windows.start(s.getWindow()), t, Windows.lastEvidence(s.getWindow(), 20),
                Map.of("destinations", String.valueOf(distinct))));
    }
}
