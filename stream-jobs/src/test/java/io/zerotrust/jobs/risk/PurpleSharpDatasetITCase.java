package io.zerotrust.jobs.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.time.Duration;
import java.util.UUID;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The OTRF PurpleSharp playbook's real Windows events (mapped by the test adapter) through the running risk job, with
 * its default detectors and policy: the spraying workstation's address and the account that moved laterally are
 * blocked, each decision naming the detector that saw it, as the attacker's own log describes.
 */
@ExtendWith(PlatformExtension.class)
class PurpleSharpDatasetITCase {

    @Test
    void theSprayingSourceAndTheLateralMoverAreBlocked(TestPlatform platform) throws Exception {
        String run = "ps" + UUID.randomUUID().toString().substring(0, 6);
        long startMs = System.currentTimeMillis();
        JobClient job = RiskEngineITCase.start(RiskEngineITCase.config(platform, run, startMs));
        try (var decisions = new RiskEngineITCase.Collecting<EnforcementDecision>(platform,
                Topics.ENFORCEMENT_DECISIONS, d -> d.getIssuedAt() >= startMs)) {
            RiskEngineITCase.produce(platform, PurpleSharpReplayTest.dataset(), 0);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(decisions.values).as("WORKSTATION5's address").anySatisfy(d -> {
                    assertThat(d.getEntity()).isEqualTo("ip:172.18.39.5");
                    assertThat(d.getAction()).isEqualTo(Action.BLOCK);
                    assertThat(d.getMode()).isEqualTo(DecisionMode.ENFORCE);
                    assertThat(d.getReasons()).extracting(r -> r.getDetector()).contains("password_spray");
                });
                assertThat(decisions.values).as("pgustavo").anySatisfy(d -> {
                    assertThat(d.getEntity()).isEqualTo("user:pgustavo");
                    assertThat(d.getAction()).isEqualTo(Action.BLOCK);
                    assertThat(d.getReasons()).extracting(r -> r.getDetector()).contains("fan_out");
                    assertThat(d.getReasons().get(0).getExplanation()).contains("distinct destinations");
                });
            });
            assertThat(decisions.values).extracting(EnforcementDecision::getEntity).as("nobody else")
                    .containsOnly("ip:172.18.39.5", "user:pgustavo");
        } finally {
            job.cancel().get();
        }
    }
}
