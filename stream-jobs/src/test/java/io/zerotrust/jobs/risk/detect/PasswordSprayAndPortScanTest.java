package io.zerotrust.jobs.risk.detect;

import static io.zerotrust.jobs.risk.TestEvents.failure;
import static io.zerotrust.jobs.risk.TestEvents.probe;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.jobs.state.WindowState;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PasswordSprayAndPortScanTest {

    private static final long T0 = 1_790_000_000_000L;
    private final PasswordSprayDetector spray = new PasswordSprayDetector(DetectorParams.defaults());
    private final PortScanDetector scan = new PortScanDetector(DetectorParams.defaults());

    @Test
    void oneSourceFailingAgainstFiveUsersIsASpray() {
        WindowState s = spray.newState();
        for (int i = 0; i < 4; i++) {
            assertThat(spray.observe(s, failure("user" + i, "198.18.6.6", T0 + i * 30_000))).isEmpty();
            // the same user again adds no breadth
            assertThat(spray.observe(s, failure("user" + i, "198.18.6.6", T0 + i * 30_000 + 1))).isEmpty();
        }
        Optional<Finding> f = spray.observe(s, failure("user4", "198.18.6.6", T0 + 150_000));
        assertThat(f).isPresent();
        assertThat(f.get().observed()).isEqualTo(5.0);
        assertThat(f.get().explanation()).contains("5 different users", "user0", "9 failures");
        assertThat(spray.entityOf(failure("x", "198.18.6.6", T0))).isEqualTo("ip:198.18.6.6");
    }

    @Test
    void usersOutsideTheWindowDoNotCount() {
        WindowState s = spray.newState();
        for (int i = 0; i < 10; i++) {
            // one new user every 4 minutes: at most 4 within 15 minutes
            assertThat(spray.observe(s, failure("user" + i, "198.18.6.6", T0 + i * 240_000L))).isEmpty();
        }
        assertThat(PasswordSprayDetector.isSpray(4, 5)).isFalse();
        assertThat(PasswordSprayDetector.isSpray(5, 5)).isTrue();
    }

    @Test
    void fifteenDistinctPortsFromOneSourceAreAScan() {
        WindowState s = scan.newState();
        for (int port = 20; port < 34; port++) {
            assertThat(scan.observe(s, probe("198.18.7.7", "10.1.0.20", port, T0 + port * 1_000))).isEmpty();
            assertThat(scan.observe(s, probe("198.18.7.7", "10.1.0.20", port, T0 + port * 1_000 + 1))).isEmpty();
        }
        Optional<Finding> f = scan.observe(s, probe("198.18.7.7", "10.1.0.20", 3389, T0 + 40_000));
        assertThat(f).isPresent();
        assertThat(f.get().explanation()).contains("15 distinct destination ports");
        assertThat(f.get().evidenceEventIds()).as("one probe of each port").hasSize(15);
        assertThat(s.getWindow().getTimes()).as("one entry per port; a repeat within a twentieth of the window "
                + "does not move it").hasSize(15).contains(T0 + 33_000).doesNotContain(T0 + 33_001);
    }

    @Test
    void theSamePortsOnManyHostsCountPerHostAndPort() {
        WindowState s = scan.newState();
        Optional<Finding> f = Optional.empty();
        for (int host = 1; host <= 15 && f.isEmpty(); host++) {
            f = scan.observe(s, probe("198.18.7.8", "10.1.0." + host, 22, T0 + host * 1_000));
        }
        assertThat(f).as("an SSH sweep over 15 hosts").isPresent();
        assertThat(PortScanDetector.isScan(14, 15)).isFalse();
    }
}
