package io.zerotrust.jobs.risk.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.Contribution;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.avro.RuleKind;
import io.zerotrust.avro.Severity;
import io.zerotrust.schemas.policy.PolicyFiles;
import io.zerotrust.jobs.risk.score.RiskScoring;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** Scoring with its decay timers, and policy with its broadcast rules, on Flink's operator test harnesses. */
class ScoringAndPolicyFunctionTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final long HALF_LIFE = 30 * 60_000L;

    private static Anomaly anomaly(String entity, String detector, double points, long t) {
        return Anomaly.newBuilder().setAnomalyId("a-" + detector + "-" + t).setDetector(detector).setEntity(entity)
                .setEntityType(EntityType.USER).setSeverity(Severity.HIGH).setScore(points).setEventTime(t)
                .setDetectedAt(t).setExplanation(detector + " fired").setEvidenceEventIds(List.of("e-" + t)).build();
    }

    @Test
    void aScoreIsEmittedAtOnceAndAgainAsItDecaysThroughEachLevelUntilTheStateIsCleared() throws Exception {
        ScoringFunction fn = new ScoringFunction(new RiskScoring(HALF_LIFE), Duration.ofDays(1));
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Anomaly, RiskScore>(
                new KeyedProcessOperator<>(fn), Anomaly::getEntity, Types.STRING)) {
            h.open();
            h.processElement(new StreamRecord<>(anomaly("user:amy", "exfiltration", 60, T0), T0));
            h.processElement(new StreamRecord<>(anomaly("user:amy", "new_device", 25, T0), T0));
            List<RiskScore> out = h.extractOutputValues();
            assertThat(out).extracting(RiskScore::getScore).containsExactly(60.0, 85.0);
            assertThat(out.get(1).getLevel()).isEqualTo(RiskLevel.CRITICAL);
            assertThat(out.get(1).getContributions()).extracting(Contribution::getDetector)
                    .containsExactly("exfiltration", "new_device");
            assertThat(out.get(1).getTriggerEventId()).isEqualTo("e-" + T0);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);

            h.processWatermark(T0 + 20 * HALF_LIFE);
            List<RiskScore> decay = h.extractOutputValues().subList(2, h.extractOutputValues().size());
            assertThat(decay).extracting(RiskScore::getLevel).containsExactly(RiskLevel.HIGH, RiskLevel.MEDIUM,
                    RiskLevel.LOW, RiskLevel.LOW);
            assertThat(decay.get(0).getScore()).isLessThan(75).isGreaterThan(74);
            assertThat(decay.get(3).getScore()).isLessThan(0.5);
            assertThat(decay.get(3).getContributions()).isEmpty();
            assertThat(h.numKeyedStateEntries()).as("nothing left to remember").isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void restoredStateKeepsScoringAndDecaying() throws Exception {
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Anomaly, RiskScore>(new KeyedProcessOperator<>(
                new ScoringFunction(new RiskScoring(HALF_LIFE), Duration.ofDays(1))), Anomaly::getEntity,
                Types.STRING)) {
            h.open();
            h.processElement(new StreamRecord<>(anomaly("user:ann", "brute_force", 40, T0), T0));
            snapshot = h.snapshot(1, T0);
        }
        try (var h = new KeyedOneInputStreamOperatorTestHarness<String, Anomaly, RiskScore>(new KeyedProcessOperator<>(
                new ScoringFunction(new RiskScoring(HALF_LIFE), Duration.ofDays(1))), Anomaly::getEntity,
                Types.STRING)) {
            // the restored state is read back through Avro, with Avro's own list types
            h.initializeState(snapshot);
            h.open();
            h.processElement(new StreamRecord<>(anomaly("user:ann", "new_device", 25, T0 + 1_000), T0 + 1_000));
            assertThat(h.extractOutputValues()).extracting(RiskScore::getScore).containsExactly(64.9);
            h.processWatermark(T0 + 20 * HALF_LIFE);
            assertThat(h.extractOutputValues()).last().extracting(RiskScore::getScore).as("all decayed away").isEqualTo(0.0);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    private static RiskScore score(String entity, double score, long t, String detector) {
        return RiskScore.newBuilder().setEntity(entity).setEntityType(EntityType.USER).setScore(score)
                .setLevel(RiskScoring.levelOf(score)).setEventTime(t).setComputedAt(t).setTriggerEventId("e-" + t)
                .setHalfLifeMs(HALF_LIFE).setContributions(List.of(Contribution.newBuilder().setDetector(detector)
                        .setPoints(score).setAnomalyId("a-" + t).setExplanation(detector + " fired")
                        .setEvidenceEventIds(List.of("e-" + t)).build())).build();
    }

    @Test
    void aPublishedRuleChangesTheNextDecisionAndManualDecisionsWin() throws Exception {
        PolicyFunction fn = new PolicyFunction(PolicyFiles.defaults(0), Duration.ofDays(1));
        try (KeyedBroadcastOperatorTestHarness<String, PolicyInput, PolicyRule, EnforcementDecision> h =
                     ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(fn, PolicyInput::entity,
                             Types.STRING, PolicyFunction.RULES)) {
            // rare destination alone: no default rule acts on it
            h.processElement(PolicyInput.of(score("user:bea", 15, T0, "rare_destination")), T0);
            assertThat(h.extractOutputValues()).isEmpty();

            h.processBroadcastElement(PolicyRule.newBuilder().setRuleId("rare-step-up").setVersion(1)
                    .setKind(RuleKind.DETECTOR).setDetectors(List.of("rare_destination")).setAction(Action.STEP_UP)
                    .setTtlMs(600_000).setMode(DecisionMode.ENFORCE).setUpdatedAt(T0).build(), T0);
            h.processElement(PolicyInput.of(score("user:bea", 15, T0 + 1_000, "rare_destination")), T0 + 1_000);
            assertThat(h.extractOutputValues()).singleElement().satisfies(d -> {
                assertThat(d.getAction()).isEqualTo(Action.STEP_UP);
                assertThat(d.getRuleId()).isEqualTo("rare-step-up");
            });

            // an invalid rule is refused without stopping anything
            h.processBroadcastElement(PolicyRule.newBuilder().setRuleId("broken").setVersion(1)
                    .setKind(RuleKind.THRESHOLD).setAction(Action.BLOCK).setMode(DecisionMode.ENFORCE)
                    .setUpdatedAt(T0).build(), T0);

            // an operator's manual ALLOW for carl silences the engine's BLOCK
            h.processElement(PolicyInput.of(EnforcementDecision.newBuilder().setDecisionId("m-1")
                    .setEntity("user:carl").setEntityType(EntityType.USER).setAction(Action.ALLOW)
                    .setMode(DecisionMode.ENFORCE).setIssuedAt(T0).setExpiresAt(T0 + 3_600_000)
                    .setIssuer(DecisionIssuer.MANUAL).setPolicyVersion("manual").setSummary("ok").build()), T0);
            h.processElement(PolicyInput.of(score("user:carl", 90, T0 + 2_000, "exfiltration")), T0 + 2_000);
            assertThat(h.extractOutputValues()).hasSize(1);
            h.processElement(PolicyInput.of(score("user:dan", 90, T0 + 2_000, "exfiltration")), T0 + 2_000);
            assertThat(h.extractOutputValues()).hasSize(2).last()
                    .extracting(EnforcementDecision::getAction).isEqualTo(Action.BLOCK);
        }
    }
}
