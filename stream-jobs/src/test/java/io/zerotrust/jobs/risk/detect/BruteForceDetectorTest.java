package io.zerotrust.jobs.risk.detect;

import static io.zerotrust.jobs.risk.TestEvents.failure;
import static io.zerotrust.jobs.risk.TestEvents.login;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.EntityType;
import io.zerotrust.jobs.state.WindowState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BruteForceDetectorTest {

    private static final long T0 = 1_790_000_000_000L;
    private final BruteForceDetector perUser = new BruteForceDetector(EntityType.USER, DetectorParams.defaults());
    private final BruteForceDetector perSource = new BruteForceDetector(EntityType.IP, DetectorParams.defaults());

    @Test
    void theRuleFiresAtTheThreshold() {
        assertThat(BruteForceDetector.isBruteForce(7, 8)).isFalse();
        assertThat(BruteForceDetector.isBruteForce(8, 8)).isTrue();
        assertThat(BruteForceDetector.isBruteForce(8, 8.5)).isFalse();
    }

    @Test
    void eightFailuresForOneUserWithinTenMinutesFire() {
        WindowState s = perUser.newState();
        List<ConnectionEvent> events = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            events.add(failure("alice", "198.51.100." + i, T0 + i * 60_000));
            assertThat(perUser.observe(s, events.get(i))).isEmpty();
        }
        ConnectionEvent eighth = failure("alice", "198.51.100.9", T0 + 7 * 60_000);
        Optional<Finding> f = perUser.observe(s, eighth);
        assertThat(f).isPresent();
        assertThat(f.get().observed()).isEqualTo(8.0);
        assertThat(f.get().evidenceEventIds()).hasSize(8).contains(eighth.getEventId(), events.get(0).getEventId());
        assertThat(f.get().explanation()).contains("8 failed authentications for this user", "8 source(s)",
                "bad_password");
        assertThat(perUser.entityOf(eighth)).isEqualTo("user:alice");
    }

    @Test
    void failuresSpreadBeyondTheWindowDoNotAccumulate() {
        WindowState s = perUser.newState();
        for (int i = 0; i < 30; i++) {
            // one failure every 2 minutes: at most 6 in any 10 minutes
            assertThat(perUser.observe(s, failure("bob", "10.0.0.5", T0 + i * 120_000L))).isEmpty();
        }
    }

    @Test
    void successesDoNotCountAndALateFailureStillCounts() {
        WindowState s = perSource.newState();
        for (int i = 0; i < 20; i++) {
            assertThat(perSource.observe(s, login("u" + i, "d", "203.0.113.7", T0 + i * 1_000))).isEmpty();
        }
        for (int i = 0; i < 7; i++) {
            assertThat(perSource.observe(s, failure("u" + i, "203.0.113.7", T0 + 60_000 + i * 1_000))).isEmpty();
        }
        // arrives after newer events but belongs inside the window
        assertThat(perSource.observe(s, failure("u9", "203.0.113.7", T0 + 30_000))).isPresent();
        assertThat(s.getWindow().getTimes()).isSorted();
    }

    @Test
    void afterFiringItStaysQuietForTheCooldownThenFiresAgain() {
        WindowState s = perUser.newState();
        int fired = 0;
        for (int i = 0; i < 60; i++) { // a failure every 20 s for 20 minutes
            if (perUser.observe(s, failure("carol", "198.51.100.1", T0 + i * 20_000L)).isPresent()) {
                fired++;
            }
        }
        assertThat(fired).as("once at the start, once after the 10-minute cooldown").isEqualTo(2);
    }

    @Test
    void aNoisyEntityIsJudgedAgainstItsOwnBaselineOnceWarmedUp() {
        WindowState s = perSource.newState();
        long window = 10 * 60_000L;
        // 30 windows alternating 10 and 14 failures: a shared NAT address that always has failures
        for (int w = 0; w < 30; w++) {
            int n = w % 2 == 0 ? 10 : 14;
            for (int i = 0; i < n; i++) {
                perSource.observe(s, failure("user" + i, "192.0.2.50", T0 + w * window + i * 1_000L));
            }
        }
        double threshold = Baselines.threshold(s.getBaseline(), 4, 8, 6);
        assertThat(threshold).as("mean about 12 plus 4 deviations").isBetween(15.0, 25.0);
        long next = T0 + 31 * window;
        for (int i = 0; i < (int) threshold - 1; i++) {
            assertThat(perSource.observe(s, failure("user" + i, "192.0.2.50", next + i * 1_000L)))
                    .as("failure %d of a usual window", i + 1).isEmpty();
        }
        Optional<Finding> f = Optional.empty();
        for (int i = (int) threshold - 1; i < 40 && f.isEmpty(); i++) {
            f = perSource.observe(s, failure("user" + i, "192.0.2.50", next + i * 1_000L));
        }
        assertThat(f).as("well above its own baseline").isPresent();
        assertThat(f.get().baseline()).isGreaterThan(8.0);
    }

    @Test
    void onlyUsersAndSourcesCanBeWatched() {
        assertThatThrownBy(() -> new BruteForceDetector(EntityType.DEVICE, DetectorParams.defaults()))
                .hasMessageContaining("DEVICE");
    }
}
