package io.zerotrust.jobs.risk.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.Severity;
import io.zerotrust.jobs.state.RiskState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RiskScoringTest {

    static final long T0 = 1_790_000_000_000L;
    static final long HALF_LIFE = 30 * 60_000L;
    private final RiskScoring scoring = new RiskScoring(HALF_LIFE);

    static Anomaly anomaly(String detector, double points, long time) {
        return Anomaly.newBuilder().setAnomalyId("a-" + detector + "-" + time).setDetector(detector)
                .setEntity("user:zoe").setEntityType(EntityType.USER).setSeverity(Severity.HIGH).setScore(points)
                .setEventTime(time).setDetectedAt(time).setExplanation(detector + " fired")
                .setEvidenceEventIds(List.of("e-" + time)).build();
    }

    static RiskState empty() {
        return RiskState.newBuilder().setContributions(new ArrayList<>()).build();
    }

    @Test
    void pointsHalveEveryHalfLife() {
        assertThat(scoring.decayed(40, T0, T0 + HALF_LIFE)).isCloseTo(20, within(1e-9));
        assertThat(scoring.decayed(40, T0, T0 + 3 * HALF_LIFE)).isCloseTo(5, within(1e-9));
        assertThat(scoring.decayed(40, T0, T0 - 1_000)).as("no growth before the firing").isEqualTo(40);
    }

    @Test
    void contributionsAddUpToAtMostOneHundredAndDecayAway() {
        RiskState s = empty();
        assertThat(scoring.add(s, anomaly("brute_force", 40, T0))).isEqualTo(40);
        assertThat(scoring.add(s, anomaly("password_spray", 60, T0 + HALF_LIFE))).isCloseTo(80, within(1e-9));
        assertThat(scoring.add(s, anomaly("port_scan", 55, T0 + HALF_LIFE))).isEqualTo(100);
        // 7 half-lives later the 40-point firing is under half a point and forgotten, the others not yet
        scoring.prune(s, T0 + 7 * HALF_LIFE);
        assertThat(s.getContributions()).extracting(c -> c.getDetector())
                .containsExactly("password_spray", "port_scan");
        assertThat(scoring.score(s, T0 + 7 * HALF_LIFE)).isCloseTo((60 + 55) / 64.0, within(1e-9));
    }

    @Test
    void levelsAndTheirBoundaries() {
        assertThat(RiskScoring.levelOf(24.99)).isEqualTo(RiskLevel.LOW);
        assertThat(RiskScoring.levelOf(25)).isEqualTo(RiskLevel.MEDIUM);
        assertThat(RiskScoring.levelOf(50)).isEqualTo(RiskLevel.HIGH);
        assertThat(RiskScoring.levelOf(75)).isEqualTo(RiskLevel.CRITICAL);
        assertThat(RiskScoring.levelOf(100)).isEqualTo(RiskLevel.CRITICAL);
    }

    @Test
    void sharesPerDetectorLargestFirstWithTheLatestFiring() {
        RiskState s = empty();
        scoring.add(s, anomaly("brute_force", 40, T0));
        scoring.add(s, anomaly("new_device", 25, T0));
        scoring.add(s, anomaly("brute_force", 40, T0 + 60_000));
        List<RiskScoring.DetectorShare> shares = scoring.byDetector(s, T0 + 60_000);
        assertThat(shares).extracting(RiskScoring.DetectorShare::detector).containsExactly("brute_force",
                "new_device");
        assertThat(shares.get(0).points()).isGreaterThan(79).isLessThan(80);
        assertThat(shares.get(0).latest().getAnomalyId()).isEqualTo("a-brute_force-" + (T0 + 60_000));
    }

    @Test
    void whenAScoreFallsBelowALevel() {
        RiskState s = empty();
        scoring.add(s, anomaly("exfiltration", 80, T0));
        long at = scoring.fallsBelowAt(s, 40, T0);
        assertThat(at).isBetween(T0 + HALF_LIFE, T0 + HALF_LIFE + 2);
        assertThat(scoring.score(s, at)).isLessThan(40);
        assertThat(scoring.fallsBelowAt(s, 90, T0)).isEqualTo(T0);
    }
}
