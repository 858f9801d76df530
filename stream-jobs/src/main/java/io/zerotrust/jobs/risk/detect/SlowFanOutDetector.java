package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SlowWindowState;
import java.util.Map;
import java.util.Optional;

/**
 * Slow fan-out, or lateral movement at a walking pace: a user or a source address reaching many distinct
 * destinations (service or host:port) over hours, a few per short window so that {@link FanOutDetector} stays quiet.
 * The threshold is the larger of {@code fan_out.slow.destinations} and the entity's mean distinct destinations per
 * long window ({@code fan_out.slow.window_minutes}, 4 h) plus {@code fan_out.slow.k} deviations, once
 * {@code fan_out.slow.warmup_periods} long windows were seen. It does not fire while the last short window
 * ({@code fan_out.window_minutes}) alone holds more than {@code fan_out.destinations} of them.
 */
public final class SlowFanOutDetector extends SlowWindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "fan_out_slow";

    private final long windowMs;
    private final long shortWindowMs;
    private final double shortFloor;
    private final double floor;
    private final double k;
    private final long warmupPeriods;
    private final double points;
    private final long cooldownMs;

    public SlowFanOutDetector(EntityType type, DetectorParams p) {
        super(NAME, type);
        if (type != EntityType.USER && type != EntityType.IP) {
            throw new IllegalArgumentException("slow fan-out watches users or source addresses, not " + type);
        }
        this.windowMs = p.minutesMs("fan_out.slow.window_minutes");
        this.shortWindowMs = p.minutesMs("fan_out.window_minutes");
        this.shortFloor = p.get("fan_out.destinations");
        this.floor = p.get("fan_out.slow.destinations");
        this.k = p.get("fan_out.slow.k");
        this.warmupPeriods = (long) p.get("fan_out.slow.warmup_periods");
        this.points = p.get("fan_out.slow.points");
        this.cooldownMs = cooldownMs(windowMs, p);
    }

    /** The rule: more distinct destinations than the threshold, no more than the short window's floor recently. */
    public static boolean isSlowFanOut(int distinctDestinations, double threshold, int destinationsRecently,
                                       double shortFloor) {
        return distinctDestinations > threshold && destinationsRecently <= shortFloor;
    }

    @Override
    public Optional<Finding> observe(SlowWindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        Baselines.advance(s.getBaseline(), t, windowMs, Rules.ALPHA, 10_000);
        String dst = e.getPhase() == ConnectionPhase.CLOSE ? null : Entities.destination(e);
        if (dst == null) {
            return Optional.empty();
        }
        if (s.getBaseline().getPeriodKeys().size() < SlowWindows.MAX_DISTINCT) {
            Baselines.countDistinct(s.getBaseline(), dst);
        }
        SlowWindows.addDistinct(s, t, dst, e.getEventId(), windowMs);
        int distinct = Windows.size(s.getDistinct());
        double threshold = Baselines.threshold(s.getBaseline(), k, floor, warmupPeriods);
        if (distinct <= threshold) {
            return Optional.empty();
        }
        int recent = SlowWindows.distinctSince(s, t, shortWindowMs);
        if (!isSlowFanOut(distinct, threshold, recent, shortFloor)
                || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        return Optional.of(new Finding(Rules.severityOf(points), points,
                "slow fan-out: " + distinct + " distinct destinations "
                        + (type == EntityType.USER ? "for this user" : "from this address") + " in "
                        + SlowWindows.describe(windowMs) + " (threshold " + Rules.round(threshold) + "; usual "
                        + Rules.round(s.getBaseline().getMean()) + " per " + SlowWindows.describe(windowMs) + "; "
                        + recent + " in the last " + SlowWindows.describe(shortWindowMs) + ")",
                (double) distinct, threshold, Windows.start(s.getDistinct()), t,
                Windows.lastEvidence(s.getDistinct(), SlowWindows.EVIDENCE),
                Map.of("window", "slow", "window_minutes", Long.toString(windowMs / 60_000),
                        "destinations", String.valueOf(distinct))));
    }
}
