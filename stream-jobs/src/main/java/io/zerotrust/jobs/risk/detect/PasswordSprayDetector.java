package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.WindowState;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Password spray: one source address failing against many different users within a sliding window (few attempts per
 * user, so per-user brute force stays quiet). Fires at {@code password_spray.users} distinct users.
 */
public final class PasswordSprayDetector extends WindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "password_spray";

    private final long windowMs;
    private final int users;
    private final double points;
    private final long cooldownMs;

    public PasswordSprayDetector(DetectorParams p) {
        super(NAME, EntityType.IP);
        this.windowMs = p.minutesMs("password_spray.window_minutes");
        this.users = (int) p.get("password_spray.users");
        this.points = p.get("password_spray.points");
        this.cooldownMs = p.cooldownMs();
    }

    /** The rule: failures against at least {@code minUsers} distinct users. */
    public static boolean isSpray(int distinctUsersFailed, int minUsers) {
        return distinctUsersFailed >= minUsers;
    }

    @Override
    public Optional<Finding> observe(WindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        if (!Entities.authFailed(e) || e.getUser() == null) {
            return Optional.empty();
        }
        Windows.add(s.getWindow(), t, e.getUser(), e.getEventId(), windowMs, 10_000);
        int distinct = Windows.distinct(s.getWindow());
        if (!isSpray(distinct, users) || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        TreeSet<String> sample = new TreeSet<>(Windows.distinctValues(s.getWindow()));
        String named = String.join(", ", sample.stream().limit(5).toList()) + (sample.size() > 5 ? ", ..." : "");
        return Optional.of(new Finding(Rules.severityOf(points), points,
                "failed authentications against " + distinct + " different users from this address in "
                        + windowMs / 60_000 + " min (" + Windows.size(s.getWindow()) + " failures; users: " + named
                        + ")",
                (double) distinct, (double) users, Windows.start(s.getWindow()), t,
                Windows.lastEvidence(s.getWindow(), 20), Map.of("users", String.valueOf(distinct))));
    }
}
