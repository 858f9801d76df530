package io.zerotrust.jobs.risk.detect;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SlowWindowState;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Slow password spray: one source address failing against many different users over hours, a few users per short
 * window so that {@link PasswordSprayDetector} stays quiet. Fires at {@code password_spray.slow.users} distinct users
 * within {@code password_spray.slow.window_minutes} (6 h), unless the last short window
 * ({@code password_spray.window_minutes}) alone holds {@code password_spray.users} of them (that burst is the short
 * window's).
 */
public final class SlowPasswordSprayDetector extends SlowWindowDetector {

    private static final long serialVersionUID = 1L;
    public static final String NAME = "password_spray_slow";

    private final long windowMs;
    private final long shortWindowMs;
    private final int shortUsers;
    private final int users;
    private final double points;
    private final long cooldownMs;

    public SlowPasswordSprayDetector(DetectorParams p) {
        super(NAME, EntityType.IP);
        this.windowMs = p.minutesMs("password_spray.slow.window_minutes");
        this.shortWindowMs = p.minutesMs("password_spray.window_minutes");
        this.shortUsers = (int) p.get("password_spray.users");
        this.users = (int) p.get("password_spray.slow.users");
        this.points = p.get("password_spray.slow.points");
        this.cooldownMs = cooldownMs(windowMs, p);
    }

    /** The rule: at least {@code minUsers} distinct users in the long window, fewer than the short one's recently. */
    public static boolean isSlowSpray(int distinctUsers, int minUsers, int usersRecently, int shortMinUsers) {
        return distinctUsers >= minUsers && usersRecently < shortMinUsers;
    }

    @Override
    public Optional<Finding> observe(SlowWindowState s, ConnectionEvent e) {
        long t = e.getEventTime();
        if (s.getFirstSeen() == 0) {
            s.setFirstSeen(t);
        }
        if (!Entities.authFailed(e) || e.getUser() == null) {
            return Optional.empty();
        }
        SlowWindows.count(s, t, windowMs);
        SlowWindows.addDistinct(s, t, e.getUser(), e.getEventId(), windowMs);
        int distinct = Windows.size(s.getDistinct());
        int recent = SlowWindows.distinctSince(s, t, shortWindowMs);
        if (!isSlowSpray(distinct, users, recent, shortUsers) || Rules.coolingDown(s.getLastFiredAt(), t, cooldownMs)) {
            return Optional.empty();
        }
        s.setLastFiredAt(t);
        TreeSet<String> sample = new TreeSet<>(Windows.distinctValues(s.getDistinct()));
        String named = String.join(", ", sample.stream().limit(5).toList()) + (sample.size() > 5 ? ", ..." : "");
        return Optional.of(new Finding(Rules.severityOf(points), points,
                "slow password spray: failed authentications against " + distinct
                        + " different users from this address in " + SlowWindows.describe(windowMs) + " ("
                        + SlowWindows.total(s) + " failures, " + recent + " users in the last "
                        + SlowWindows.describe(shortWindowMs) + "; users: " + named + ")",
                (double) distinct, (double) users, Windows.start(s.getDistinct()), t,
                Windows.lastEvidence(s.getDistinct(), SlowWindows.EVIDENCE),
                Map.of("window", "slow", "window_minutes", Long.toString(windowMs / 60_000),
                        "users", String.valueOf(distinct))));
    }
}
