package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.VolumeState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Exfiltration: a connection that carried far more data out to the client than the user's connections usually do.
 * The baseline is an exponentially weighted mean and deviation of log(bytes out) per closed connection (a log scale
 * keeps one large download from swamping it); a connection fires when it is above
 * {@code exfiltration.min_megabytes} and more than {@code exfiltration.k} deviations above the user's mean, once
 * {@code exfiltration.warmup_observations} connections were seen. A connection that fired is kept out of the baseline.
 */
public final class ExfiltrationDetector implements Detector<VolumeState> {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "exfiltration";
    /** A deviation floor on the log scale, so a user whose connections are all alike is not judged on noise. */
    static final double MIN_LOG_STDDEV = 0.5;

    private final double minBytes;
    private final double k;
    private final long warmup;
    private final double points;
    private final long cooldownMs;

    public ExfiltrationDetector(DetectorParams p) {
        this.minBytes = p.get("exfiltration.min_megabytes") * 1_000_000;
        this.k = p.get("exfiltration.k");
        this.warmup = (long) p.get("exfiltration.warmup_observations");
        this.points = p.get("exfiltration.points");
        this.cooldownMs = p.cooldownMs();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public EntityType entityType() {
        return EntityType.USER;
    }

    @Override
    public String entityOf(ConnectionEvent event) {
        return Entities.user(event);
    }

    @Override
    public Class<VolumeState> stateClass() {
        return VolumeState.class;
    }

    @Override
    public VolumeState newState() {
        return VolumeState.newBuilder().setBaseline(Baselines.empty()).build();
    }

    /** How many deviations {@code bytes} is above the mean of the log baseline. */
    public static double zScore(double bytes, double logMean, double logStddev) {
        return (Math.log1p(bytes) - logMean) / Math.max(MIN_LOG_STDDEV, logStddev);
    }

    /** The rule: large in absolute terms and unusual for this user. */
    public static boolean isExfiltration(double bytes, double z, double minBytes, double k) {
        return bytes >= minBytes && z > k;
    }

    @Override
    public Optional<Finding> observe(VolumeState s, ConnectionEvent e) {
        if (e.getPhase() != ConnectionPhase.CLOSE) {
            return Optional.empty();
        }
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        double bytes = e.getBytesOut();
        var b = s.getBaseline();
        double sd = Baselines.stddev(b);
        double z = zScore(bytes, b.getMean(), sd);
        boolean warmedUp = b.getPeriods() >= warmup;
        if (warmedUp && isExfiltration(bytes, z, minBytes, k)) {
            if (Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
                return Optional.empty();
            }
            s.setLastFiredAt(t);
            double usual = Math.expm1(b.getMean());
            return Optional.of(new Finding(Rules.severityOf(points), points,
                    "connection sent " + megabytes(bytes) + " MB to the client, " + Rules.round(z)
                            + " deviations above this user's usual " + megabytes(usual) + " MB per connection"
                            + (e.getDst() != null && e.getDst().getService() != null ? " (service "
                            + e.getDst().getService() + ")" : ""),
                    bytes, usual, t - e.getDurationMs(), t, List.of(e.getEventId()),
                    Map.of("z", Rules.round(z))));
        }
        Baselines.observe(b, Math.log1p(bytes), Rules.ALPHA);
        return Optional.empty();
    }

    private static String megabytes(double bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1_000_000);
    }
}
