package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.HourProfileState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Off-hours access: a successful login at an hour of the week (UTC) when this user practically never works. The
 * user's hour-of-week profile counts logins per hour; once {@code off_hours.warmup_observations} logins over
 * {@code off_hours.warmup_days} days were seen, a login in an hour whose smoothed share of the user's logins is at
 * most {@code off_hours.max_share} fires. Neighbouring hours count for half, so a user who starts at 8 is not flagged
 * at 7.
 */
public final class OffHoursDetector implements Detector<HourProfileState> {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "off_hours";
    static final int HOURS = 168;

    private final long warmupObservations;
    private final long warmupMs;
    private final double maxShare;
    private final double points;
    private final long cooldownMs;

    public OffHoursDetector(DetectorParams p) {
        this.warmupObservations = (long) p.get("off_hours.warmup_observations");
        this.warmupMs = (long) (p.get("off_hours.warmup_days") * 86_400_000L);
        this.maxShare = p.get("off_hours.max_share");
        this.points = p.get("off_hours.points");
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
    public Class<HourProfileState> stateClass() {
        return HourProfileState.class;
    }

    @Override
    public HourProfileState newState() {
        List<Long> counts = new ArrayList<>(HOURS);
        for (int i = 0; i < HOURS; i++) {
            counts.add(0L);
        }
        return HourProfileState.newBuilder().setCounts(counts).build();
    }

    /** Hour of the week, 0 = Monday 00:00-01:00 UTC. */
    public static int hourOfWeek(long epochMs) {
        long hours = Math.floorDiv(epochMs, 3_600_000L);
        // 1970-01-01 was a Thursday: shift so that Monday is day 0
        return (int) Math.floorMod(hours + 3 * 24, HOURS);
    }

    /** The smoothed share of logins in {@code hour}: its count plus half of each neighbour's, over the total. */
    public static double share(List<Long> counts, int hour, long total) {
        if (total <= 0) {
            return 0.0;
        }
        double n = counts.get(hour) + 0.5 * (counts.get(Math.floorMod(hour - 1, HOURS))
                + counts.get(Math.floorMod(hour + 1, HOURS)));
        return n / total;
    }

    @Override
    public Optional<Finding> observe(HourProfileState s, ConnectionEvent e) {
        if (!Entities.loggedIn(e)) {
            return Optional.empty();
        }
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0 || t < s.getFirstSeen()) {
            s.setFirstSeen(t);
        }
        int hour = hourOfWeek(t);
        Optional<Finding> finding = Optional.empty();
        boolean warmedUp = Rules.warmedUp(s.getFirstSeen(), s.getTotal(), t, warmupObservations, warmupMs);
        double share = share(s.getCounts(), hour, s.getTotal());
        if (warmedUp && share <= maxShare && !Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            s.setLastFiredAt(t);
            String[] days = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
            finding = Optional.of(new Finding(Rules.severityOf(points), points,
                    "login on " + days[hour / 24] + " " + String.format("%02d", hour % 24) + ":00-"
                            + String.format("%02d", hour % 24 + 1) + ":00 UTC, when this user makes "
                            + Rules.round(share * 100) + "% of " + s.getTotal() + " logins",
                    share, maxShare, null, t, List.of(e.getEventId()),
                    Map.of("hour_of_week", Integer.toString(hour))));
        }
        s.getCounts().set(hour, s.getCounts().get(hour) + 1);
        s.setTotal(s.getTotal() + 1);
        return finding;
    }
}
