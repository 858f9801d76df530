package io.zerotrust.jobs.risk.detect;

import static io.zerotrust.jobs.risk.TestEvents.failure;
import static io.zerotrust.jobs.risk.TestEvents.login;
import static io.zerotrust.jobs.risk.TestEvents.probe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.SlowWindowState;
import io.zerotrust.jobs.state.WindowState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The second, longer windows of the count-based detectors and the distributed brute force against one service: each
 * catches an attack spread too thin for the short window, stays quiet at a benign rate, and leaves a burst to the
 * short window.
 */
class SlowWindowDetectorsTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final long MIN = 60_000L;
    private static final DetectorParams P = DetectorParams.defaults();

    /** Runs {@code events} through a short and a long detector of the same entity, returning each one's findings. */
    private static final class Pair {
        final WindowDetector shortOne;
        final SlowWindowDetector longOne;
        final WindowState shortState;
        final SlowWindowState longState;
        final List<Finding> shortFindings = new ArrayList<>();
        final List<Finding> longFindings = new ArrayList<>();

        Pair(WindowDetector shortOne, SlowWindowDetector longOne) {
            this.shortOne = shortOne;
            this.longOne = longOne;
            this.shortState = shortOne.newState();
            this.longState = longOne.newState();
        }

        Optional<Finding> observe(ConnectionEvent e) {
            shortOne.observe(shortState, e).ifPresent(shortFindings::add);
            Optional<Finding> f = longOne.observe(longState, e);
            f.ifPresent(longFindings::add);
            return f;
        }
    }

    @Test
    void threeFailuresEveryHalfHourFromOneSourceAreASlowBruteForce() {
        Pair p = new Pair(new BruteForceDetector(EntityType.IP, P), new SlowBruteForceDetector(EntityType.IP, P));
        int fireAt = -1;
        for (int i = 0; i < 36; i++) { // 3 failures every 30 minutes for 6 hours
            long t = T0 + (i / 3) * 30 * MIN + (i % 3) * 20_000L;
            if (p.observe(failure("alice", "203.0.113.9", t)).isPresent() && fireAt < 0) {
                fireAt = i + 1;
            }
        }
        assertThat(p.shortFindings).as("never 8 in 10 minutes").isEmpty();
        assertThat(fireAt).as("fires at the 15th failure").isEqualTo(15);
        Finding f = p.longFindings.get(0);
        assertThat(f.explanation()).startsWith("slow brute force: 15 failed authentications from this address in 6 h")
                .contains("threshold 15", "from 1 user(s)", "bad_password");
        assertThat(f.attributes()).containsEntry("window", "slow").containsEntry("window_minutes", "360");
        assertThat(f.points()).isEqualTo(30.0);
        assertThat(f.evidenceEventIds()).hasSize(15);
        assertThat(p.longFindings).as("quiet for an hour after firing, then again while it goes on").hasSize(4);
    }

    @Test
    void aBenignRateOfFailuresIsNotASlowBruteForce() {
        Pair p = new Pair(new BruteForceDetector(EntityType.USER, P), new SlowBruteForceDetector(EntityType.USER, P));
        for (int h = 0; h < 72; h++) { // two mistyped passwords an hour, around the clock, for three days
            p.observe(failure("bob", "10.1.2.3", T0 + h * 60 * MIN));
            p.observe(failure("bob", "10.1.2.3", T0 + h * 60 * MIN + 5_000));
            p.observe(login("bob", "laptop-bob", "10.1.2.3", T0 + h * 60 * MIN + 20_000));
        }
        assertThat(p.shortFindings).isEmpty();
        assertThat(p.longFindings).as("at most 12 in any 6 hours").isEmpty();
    }

    @Test
    void aMistypeCorrectedByALoginAtOnceIsNotCounted() {
        for (EntityType type : List.of(EntityType.USER, EntityType.IP)) {
            SlowBruteForceDetector d = new SlowBruteForceDetector(type, P);
            SlowWindowState corrected = d.newState();
            SlowWindowState uncorrected = d.newState();
            int fired = 0;
            int firedUncorrected = 0;
            for (int i = 0; i < 36; i++) { // six mistypes an hour for six hours, each put right 5 s later
                long t = T0 + i * 10 * MIN;
                ConnectionEvent miss = failure("frank", "10.1.9.9", t);
                fired += d.observe(corrected, miss).isPresent() ? 1 : 0;
                fired += d.observe(corrected, login("frank", "laptop-frank", "10.1.9.9", t + 5_000)).isPresent()
                        ? 1 : 0;
                firedUncorrected += d.observe(uncorrected, miss).isPresent() ? 1 : 0;
                // someone else's login, or a login too late, corrects nothing
                d.observe(uncorrected, login("grace", "laptop-grace", "10.1.9.8", t + 5_000));
                d.observe(uncorrected, login("frank", "laptop-frank", "10.1.9.9", t + 2 * MIN));
            }
            assertThat(fired).as(type.name()).isZero();
            assertThat(SlowWindows.total(corrected)).as(type.name()).isZero();
            assertThat(firedUncorrected).as(type.name()).isPositive();
        }
    }

    @Test
    void aBurstIsTheShortWindowsAndIsNotCountedTwice() {
        Pair p = new Pair(new BruteForceDetector(EntityType.IP, P), new SlowBruteForceDetector(EntityType.IP, P));
        for (int i = 0; i < 40; i++) { // 40 failures in 4 minutes
            p.observe(failure("user" + i % 4, "198.18.7.10", T0 + i * 6_000L));
        }
        assertThat(p.shortFindings).isNotEmpty();
        assertThat(p.longFindings).isEmpty();
    }

    @Test
    void manySourcesFailingALittleAgainstOneAccountAreASlowBruteForceOnTheUser() {
        Pair user = new Pair(new BruteForceDetector(EntityType.USER, P),
                new SlowBruteForceDetector(EntityType.USER, P));
        BruteForceDetector perSource = new BruteForceDetector(EntityType.IP, P);
        List<Finding> sourceFindings = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // a botnet: 30 addresses, one guess each, every 10 minutes
            ConnectionEvent e = failure("carol", "198.18." + i + ".1", T0 + i * 10 * MIN);
            user.observe(e);
            perSource.observe(perSource.newState(), e).ifPresent(sourceFindings::add);
        }
        assertThat(user.shortFindings).isEmpty();
        assertThat(sourceFindings).isEmpty();
        assertThat(user.longFindings).isNotEmpty();
        assertThat(user.longFindings.get(0).explanation()).contains("for this user in 6 h", "from 15 source(s)");
        assertThat(user.longFindings.get(0).attributes()).containsEntry("sources", "15");
    }

    @Test
    void aNoisyAddressIsJudgedAgainstItsOwnLongBaseline() {
        SlowBruteForceDetector d = new SlowBruteForceDetector(EntityType.IP, P);
        SlowWindowState s = d.newState();
        long period = 360 * MIN;
        List<Long> firedIn = new ArrayList<>();
        // a shared NAT address: 20 failures spread over every 6 hours for three days
        for (int w = 0; w < 12; w++) {
            for (int i = 0; i < 20; i++) {
                if (d.observe(s, failure("user" + i, "192.0.2.50", T0 + w * period + i * 15 * MIN)).isPresent()) {
                    firedIn.add((long) w);
                }
            }
        }
        assertThat(firedIn).as("only before its baseline was learned").allMatch(w -> w < 5);
        assertThat(Baselines.threshold(s.getBaseline(), 4, 15, 4)).isGreaterThanOrEqualTo(20.0);
        Optional<Finding> f = Optional.empty();
        for (int i = 0; i < 200 && f.isEmpty(); i++) {
            f = d.observe(s, failure("user" + i, "192.0.2.50", T0 + 12 * period + i * 90_000L));
        }
        assertThat(f).as("five a quarter hour for hours is far above its usual 20 in 6 hours").isPresent();
        assertThat(f.get().observed()).isGreaterThan(f.get().baseline());
    }

    @Test
    void theLongWindowsStateDoesNotGrowWithTheEventRate() {
        SlowBruteForceDetector d = new SlowBruteForceDetector(EntityType.IP, DetectorParams.of(
                java.util.Map.of("brute_force.slow.failures", 1e9)));
        SlowWindowState s = d.newState();
        for (int i = 0; i < 50_000; i++) { // 50,000 failures over 12 hours, from 5 users
            d.observe(s, failure("u" + i % 5, "198.18.9.9", T0 + i * 864L));
        }
        assertThat(s.getBucketStarts()).hasSizeLessThanOrEqualTo(SlowWindows.BUCKETS);
        assertThat(s.getBucketCounts()).hasSameSizeAs(s.getBucketStarts());
        assertThat(s.getEvidence()).hasSize(SlowWindows.EVIDENCE);
        assertThat(s.getDistinct().getValues()).hasSize(5);
        assertThat(SlowWindows.total(s)).as("6 hours' worth").isBetween(24_600L, 25_000L);
    }

    @Test
    void bucketsCountLateEventsInPlaceAndForgetWhatLeftTheWindow() {
        SlowWindowState s = SlowWindows.empty();
        long window = 360 * MIN; // 5-minute buckets
        SlowWindows.count(s, T0, window);
        SlowWindows.count(s, T0 + 30 * MIN, window);
        SlowWindows.count(s, T0 + 10 * MIN, window); // late, in its own bucket
        assertThat(s.getBucketStarts()).isSorted().hasSize(3);
        assertThat(SlowWindows.total(s)).isEqualTo(3);
        assertThat(SlowWindows.recent(s, 10 * MIN, window)).isEqualTo(1);
        SlowWindows.count(s, T0 + 381 * MIN, window);
        assertThat(SlowWindows.total(s)).as("the first two buckets left the window").isEqualTo(2);
        SlowWindows.count(s, T0, window); // too old to count
        assertThat(SlowWindows.total(s)).isEqualTo(2);
        assertThat(SlowWindows.describe(window)).isEqualTo("6 h");
        assertThat(SlowWindows.describe(90 * MIN)).isEqualTo("90 min");
    }

    @Test
    void oneNewUserEveryTwentyMinutesFromOneAddressIsASlowSpray() {
        Pair p = new Pair(new PasswordSprayDetector(P), new SlowPasswordSprayDetector(P));
        int fireAt = -1;
        for (int i = 0; i < 18; i++) {
            if (p.observe(failure("user" + i, "203.0.113.50", T0 + i * 20 * MIN)).isPresent() && fireAt < 0) {
                fireAt = i + 1;
            }
        }
        assertThat(p.shortFindings).isEmpty();
        assertThat(fireAt).isEqualTo(10);
        Finding f = p.longFindings.get(0);
        assertThat(f.explanation()).startsWith("slow password spray: failed authentications against 10 different "
                + "users from this address in 6 h");
        assertThat(f.attributes()).containsEntry("window", "slow").containsEntry("window_minutes", "360");
        assertThat(f.evidenceEventIds()).hasSize(10);
    }

    @Test
    void aFastSprayIsLeftToTheShortWindow() {
        Pair p = new Pair(new PasswordSprayDetector(P), new SlowPasswordSprayDetector(P));
        for (int i = 0; i < 12; i++) {
            p.observe(failure("user" + i, "203.0.113.51", T0 + i * 10_000L));
        }
        assertThat(p.shortFindings).isNotEmpty();
        assertThat(p.longFindings).isEmpty();
    }

    @Test
    void oneNewPortEveryFiveMinutesIsASlowScan() {
        Pair p = new Pair(new PortScanDetector(P), new SlowPortScanDetector(P));
        int fireAt = -1;
        for (int port = 1; port <= 60; port++) {
            if (p.observe(probe("198.18.6.66", "10.1.0.20", port, T0 + port * 5 * MIN)).isPresent() && fireAt < 0) {
                fireAt = port;
            }
            // and a connection to the same service now and then, which adds nothing
            p.observe(probe("198.18.6.66", "10.1.0.20", 443, T0 + port * 5 * MIN + 1_000));
        }
        assertThat(p.shortFindings).isEmpty();
        assertThat(fireAt).as("40 distinct host:port pairs with 443").isEqualTo(39);
        assertThat(p.longFindings.get(0).explanation())
                .startsWith("slow port scan: connections to 40 distinct destination ports from this address in 6 h");
    }

    @Test
    void aUserReachingANewServiceEveryFewMinutesForHoursFansOutSlowly() {
        Pair p = new Pair(new FanOutDetector(EntityType.USER, P), new SlowFanOutDetector(EntityType.USER, P));
        int fireAt = -1;
        for (int i = 0; i < 40; i++) {
            if (p.observe(login("dave", "laptop-dave", "10.1.0.77", "svc" + i, T0 + i * 8 * MIN)).isPresent()
                    && fireAt < 0) {
                fireAt = i + 1;
            }
        }
        assertThat(p.shortFindings).isEmpty();
        assertThat(fireAt).as("more than 25 distinct destinations within 4 h").isEqualTo(26);
        assertThat(p.longFindings.get(0).explanation())
                .startsWith("slow fan-out: 26 distinct destinations for this user in 4 h");
        assertThat(p.longFindings.get(0).attributes()).containsEntry("window_minutes", "240");
    }

    @Test
    void aUserWithTheSameFewServicesAllDayDoesNotFanOutSlowly() {
        Pair p = new Pair(new FanOutDetector(EntityType.USER, P), new SlowFanOutDetector(EntityType.USER, P));
        for (int i = 0; i < 2_000; i++) {
            p.observe(login("erin", "laptop-erin", "10.1.0.78", "svc" + i % 6, T0 + i * 2 * MIN));
        }
        assertThat(p.shortFindings).isEmpty();
        assertThat(p.longFindings).isEmpty();
    }

    @Test
    void fortySourcesFailingTwiceAgainstOneServiceInTwoHoursAreADistributedBruteForce() {
        DistributedBruteForceDetector d = new DistributedBruteForceDetector(P);
        BruteForceDetector perSource = new BruteForceDetector(EntityType.IP, P);
        BruteForceDetector perUser = new BruteForceDetector(EntityType.USER, P);
        PasswordSprayDetector spray = new PasswordSprayDetector(P);
        java.util.Map<String, WindowState> states = new java.util.HashMap<>();
        SlowWindowState s = d.newState();
        List<Finding> others = new ArrayList<>();
        List<Finding> found = new ArrayList<>();
        int fireAt = -1;
        for (int i = 0; i < 80; i++) { // 40 addresses, 2 failures each, against 40 accounts, within 2 hours
            int source = i % 40;
            ConnectionEvent e = failure("user" + source, "198.18." + source + ".7", T0 + i * 90_000L);
            for (WindowDetector w : List.of(perSource, perUser, spray)) {
                String key = w.name() + w.entityType() + w.entityOf(e);
                w.observe(states.computeIfAbsent(key, k -> w.newState()), e).ifPresent(others::add);
            }
            assertThat(d.entityOf(e)).isEqualTo("service:portal");
            Optional<Finding> f = d.observe(s, e);
            if (f.isPresent() && fireAt < 0) {
                fireAt = i + 1;
            }
            f.ifPresent(found::add);
        }
        assertThat(others).as("no source and no account fails enough on its own").isEmpty();
        assertThat(fireAt).as("at the 30th distinct source").isEqualTo(30);
        assertThat(found.get(0).explanation()).startsWith(
                "distributed brute force: 30 source addresses failed to authenticate against this service in 2 h");
        assertThat(found.get(0).attributes()).containsEntry("sources", "30").containsEntry("window_minutes", "120");
        assertThat(found.get(0).evidenceEventIds()).hasSize(20);
    }

    @Test
    void aServiceWhoseUsersMistypeDailyIsJudgedAgainstItself() {
        DistributedBruteForceDetector d = new DistributedBruteForceDetector(P);
        SlowWindowState s = d.newState();
        // fewer than the floor: nothing
        for (int i = 0; i < 25; i++) {
            assertThat(d.observe(s, failure("u" + i, "10.9.0." + i, T0 + i * 5 * MIN))).isEmpty();
        }
        // a busy service: 45 different addresses mistype in every 2 hours for two days
        long period = 120 * MIN;
        List<Integer> firedIn = new ArrayList<>();
        for (int w = 1; w <= 24; w++) {
            for (int i = 0; i < 45; i++) {
                if (d.observe(s, failure("u" + i, "10.9." + w + "." + i, T0 + w * period + i * 2 * MIN))
                        .isPresent()) {
                    firedIn.add(w);
                }
            }
        }
        long late = 0;
        for (int i = 0; i < 45; i++) {
            late += d.observe(s, failure("u" + i, "10.9.99." + i, T0 + 25 * period + i * 2 * MIN)).isPresent() ? 1 : 0;
        }
        assertThat(late).as("its usual 45 a window, once learned").isZero();
        assertThat(firedIn).as("only while warming up (12 windows)").isNotEmpty().allMatch(w -> w <= 13);
        // non-failures have no destination entity for it
        assertThat(d.entityOf(login("u1", "d", "10.9.0.1", T0))).isNull();
    }

    @Test
    void aLongWindowMustBeLongerThanItsShortOne() {
        assertThatThrownBy(() -> DetectorParams.of(java.util.Map.of("brute_force.slow.window_minutes", 10.0)))
                .hasMessageContaining("'brute_force.slow.window_minutes' (10) must be longer than "
                        + "'brute_force.window_minutes' (10)");
        assertThat(DetectorParams.of(java.util.Map.of("port_scan.slow.window_minutes", 60.0))
                .minutesMs("port_scan.slow.window_minutes")).isEqualTo(3_600_000L);
        assertThat(SlowWindowDetector.cooldownMs(360 * MIN, P)).isEqualTo(60 * MIN);
        assertThat(SlowWindowDetector.cooldownMs(30 * MIN, P)).as("never below all.cooldown_minutes")
                .isEqualTo(10 * MIN);
    }
}
