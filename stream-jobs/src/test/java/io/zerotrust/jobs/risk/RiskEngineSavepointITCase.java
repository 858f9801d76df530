package io.zerotrust.jobs.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.schemas.topics.Topics;
import io.zerotrust.testkit.PlatformExtension;
import io.zerotrust.testkit.TestPlatform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the risk job with a savepoint in the middle of a scenario and restarting it from the savepoint gives the
 * same scores as a run that was never interrupted.
 *
 * <p>Both runs put all their events on one partition: events of several partitions interleave differently from run
 * to run (within the out-of-orderness), which changes which event tips a detector over, savepoint or not. For the
 * same reason devices and services are left out of the comparison: their anomalies come from both the user and the
 * source detectors, whose outputs interleave in any order.
 */
@ExtendWith(PlatformExtension.class)
class RiskEngineSavepointITCase {

    @Test
    void aRunResumedFromASavepointScoresLikeAnUninterruptedOne(TestPlatform platform, @TempDir Path dir)
            throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 6);
        String runA = "sa" + tag;
        String runB = "sb" + tag;
        List<ConnectionEvent> eventsA = new Scenario(runA, 7).benign().attacks().ordered();
        Scenario b = new Scenario(runB, 7).benign().attacks();
        List<ConnectionEvent> eventsB = b.ordered();
        // stop after the spray and the brute force of the fifth day, before the other attacks
        long split = b.monday + (4 * 24 + 11) * 3_600_000L;
        int half = (int) eventsB.stream().filter(e -> e.getEventTime() < split).count();

        // A: uninterrupted
        long startA = System.currentTimeMillis();
        List<String> uninterrupted;
        JobClient a = RiskEngineITCase.start(RiskEngineITCase.config(platform, runA, startA));
        try (var scores = new RiskEngineITCase.Collecting<RiskScore>(platform, Topics.RISK_SCORES,
                s -> s.getComputedAt() >= startA && s.getTriggerEventId() != null
                        && !s.getEntity().startsWith("service:") && !s.getEntity().startsWith("device:"))) {
            RiskEngineITCase.produce(platform, eventsA, 0);
            uninterrupted = settled(scores, runA);
        } finally {
            a.cancel().get();
        }

        // B: the first half, a savepoint, a new job from it, the second half
        long startB = System.currentTimeMillis();
        List<String> resumed;
        try (var scores = new RiskEngineITCase.Collecting<RiskScore>(platform, Topics.RISK_SCORES,
                s -> s.getComputedAt() >= startB && s.getTriggerEventId() != null
                        && !s.getEntity().startsWith("service:") && !s.getEntity().startsWith("device:"))) {
            RiskJobConfig config = RiskEngineITCase.config(platform, runB, startB);
            JobClient first = RiskEngineITCase.start(config);
            String savepoint;
            try {
                RiskEngineITCase.produce(platform, eventsB.subList(0, half), 0);
                settled(scores, runB);
            } finally {
                savepoint = first.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
            }
            Configuration restore = new Configuration();
            restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(restore);
            RiskJob.build(env, config);
            JobClient second = env.executeAsync("risk-engine-it-resumed");
            try {
                RiskEngineITCase.produce(platform, eventsB.subList(half, eventsB.size()), 0);
                resumed = settled(scores, runB);
            } finally {
                second.cancel().get();
            }
        }
        assertThat(uninterrupted).as("the scenario produces scores").hasSizeGreaterThan(10);
        assertThat(resumed).containsExactlyInAnyOrderElementsOf(uninterrupted);
    }

    /** The run's scores, once no new one has arrived for three seconds, without the run's name. */
    private static List<String> settled(RiskEngineITCase.Collecting<RiskScore> scores, String run) {
        int[] last = {-1};
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(3)).until(() -> {
            int n = scores.values.size();
            boolean still = n > 0 && n == last[0];
            last[0] = n;
            return still;
        });
        return scores.values.stream().map(s -> s.getEntity().replace(run, "RUN") + " t=" + s.getEventTime()
                        + " score=" + s.getScore() + " " + s.getLevel() + " " + s.getContributions().stream()
                        .map(c -> c.getDetector() + ":" + c.getPoints()).collect(Collectors.joining(",")))
                .collect(Collectors.toList());
    }
}
