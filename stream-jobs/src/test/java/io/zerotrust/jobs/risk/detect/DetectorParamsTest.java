package io.zerotrust.jobs.risk.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DetectorParamsTest {

    @Test
    void overridesApplyAndEverythingElseKeepsItsDefault() {
        DetectorParams p = DetectorParams.of(Map.of("brute_force.failures", 20.0));
        assertThat(p.get("brute_force.failures")).isEqualTo(20.0);
        assertThat(p.get("port_scan.ports")).isEqualTo(DetectorParams.DEFAULTS.get("port_scan.ports"));
        assertThat(p.minutesMs("brute_force.window_minutes")).isEqualTo(600_000L);
    }

    @Test
    void anUnknownOrNegativeParameterIsRefusedByName() {
        assertThatThrownBy(() -> DetectorParams.of(Map.of("brute_force.failurez", 3.0)))
                .hasMessageContaining("unknown detector parameter 'brute_force.failurez'")
                .hasMessageContaining("brute_force.failures");
        assertThatThrownBy(() -> DetectorParams.of(Map.of("port_scan.ports", -1.0)))
                .hasMessageContaining("'port_scan.ports' must be a number >= 0");
    }

    @Test
    void everyCountBasedDetectorHasALongerSecondWindowWithItsOwnThreshold() {
        for (String d : new String[] {"brute_force", "password_spray", "port_scan", "fan_out"}) {
            assertThat(DetectorParams.DEFAULTS.get(d + ".slow.window_minutes")).as(d)
                    .isGreaterThan(DetectorParams.DEFAULTS.get(d + ".window_minutes"));
            assertThat(DetectorParams.DEFAULTS).as(d).containsKey(d + ".slow.points");
        }
        assertThatThrownBy(() -> DetectorParams.of(Map.of("fan_out.window_minutes", 300.0)))
                .hasMessageContaining("'fan_out.slow.window_minutes' (240) must be longer than "
                        + "'fan_out.window_minutes' (300)");
    }
}
